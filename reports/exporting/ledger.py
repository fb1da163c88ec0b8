"""The annual summary's sheets, in people's words: what each column of the XLSX ledger holds.

Cells are typed (utilities.sheets): counts are numbers, rates numbers formatted 0.0%,
deadlines dates; only words are text."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tracker.lights import SHORT_LABELS, light_of
from tracker.selectors import today
from tracker.workflow import other_units_label
from utilities.sheets import Percent, SheetSpec, write_workbook


def _pct(value) -> Percent | str:
    """A rate (``Decimal("50.0")``) as a number formatted 0.0% (utilities.sheets); none, empty."""
    return "" if value is None else Percent.of(value)


def _date(value):
    """A date as a date cell; none, empty."""
    return value or ""


def ledger_title(report) -> str:
    """``新乡县人民政府 2020年度法治政府建设台账``."""
    return _("%(issuer)s %(year)s rule-of-law government ledger") % {
        "issuer": report.issuer or "",
        "year": report.year,
    }


def _figures_text(metrics) -> str:
    """A row's figures as the report gives them: ``1202项、100%、约1200人次``."""
    return "、".join(f"{_('about') if m.approximate else ''}{m.value.normalize():f}{m.unit}" for m in metrics)


def _stated_in(item, year: int) -> str:
    """Which report stated a shortfall or measure, in people's words."""
    if item.stated_year:
        return _("Report of %(year)s") % {"year": item.stated_year}
    return _("Ledger of %(year)s") % {"year": year}


def ledger_sheets(summary) -> list[SheetSpec]:
    figures = summary.figures
    on = today()

    def light(item) -> str:
        """The item's traffic light today as one word (红 / 黄 / 绿), none when done."""
        lit = light_of(due_on=item.due_on, status=item.status, on=on)
        return str(SHORT_LABELS[lit]) if lit else ""

    def overview():
        headers = (_("Total"), _("Done"), _("Overdue"), _("Completion rate"), _("On-time rate"))
        yield (
            _("Tracked work (tasks, shortfalls, measures)"),
            figures.figures.total,
            figures.figures.done,
            figures.figures.overdue,
            _pct(figures.figures.completion_rate),
            _pct(figures.figures.on_time_rate),
        )
        yield ("", "", "", "", "", "")
        yield (_("By area"), *headers)
        for area, f in figures.by_area:
            yield (
                area.name if area else _("(none)"),
                f.total,
                f.done,
                f.overdue,
                _pct(f.completion_rate),
                _pct(f.on_time_rate),
            )
        yield ("", "", "", "", "", "")
        yield (_("By status"), _("Items"), "", "", "", "")
        status_names = {
            "not_started": _("Not started"),
            "in_progress": _("In progress"),
            "submitted": _("Submitted for review"),
            "returned": _("Returned"),
            "done": _("Done"),
        }
        for status, count in figures.figures.by_status().items():
            if status in status_names:
                yield (status_names[status], count, "", "", "", "")
        yield (
            _("Shortfalls"),
            figures.figures.shortfalls,
            figures.figures.shortfalls_done,
            "",
            _pct(figures.figures.rectification_rate),
            "",
        )
        yield ("", "", "", "", "", "")
        # The year's record, apart: never in the figures above.
        yield (
            _("Achievements the report records (not counted above)"),
            figures.figures.achievements,
            "",
            "",
            "",
            "",
        )

    def by_unit():
        for unit, f in figures.by_unit:
            yield (
                unit.name if unit else _("No lead unit yet"),
                f.total,
                f.done,
                f.overdue,
                f.returned,
                _pct(f.completion_rate),
                _pct(f.on_time_rate),
                f.chased,
            )

    def achievements():
        for n, item in enumerate(summary.achievements, start=1):
            yield (
                n,
                item.area.name if item.area else "",
                item.title,
                item.lead_unit.name if item.lead_unit else "",
                _figures_text(item.metric_list),
            )

    def tasks():
        for n, item in enumerate(summary.tasks, start=1):
            yield (
                n,
                item.area.name if item.area else "",
                item.title,
                item.lead_unit.name if item.lead_unit else "",
                "、".join(unit.name for unit in item.cooperating_units.all()),
                item.responsible,
                _date(item.due_on) or (_("Ongoing") if item.ongoing else ""),
                item.status_label,
                light(item),
                item.latest_note or "",
            )

    def shortfalls():
        for shortfall in summary.shortfalls:
            head = (
                _stated_in(shortfall, summary.report.year),
                shortfall.year,
                shortfall.title,
                shortfall.status_label,
            )
            for measure in shortfall.measure_list:
                yield (
                    *head,
                    measure.title,
                    measure.lead_unit.name if measure.lead_unit else "",
                    _date(measure.due_on),
                    measure.status_label,
                    light(measure),
                    measure.latest_note or "",
                )
            if shortfall.hidden_measures:
                # Measures of units the reader may not see: how many, nothing else.
                yield (*head, other_units_label(shortfall.hidden_measures), "", "", "", "", "")
            elif not shortfall.measure_list:
                yield (*head, "", "", "", "", "", "")
        for measure in summary.unlinked_measures:
            yield (
                _stated_in(measure, summary.report.year),
                measure.year,
                _("(not tied to one problem)"),
                "",
                measure.title,
                measure.lead_unit.name if measure.lead_unit else "",
                _date(measure.due_on),
                measure.status_label,
                light(measure),
                measure.latest_note or "",
            )

    def metrics():
        for metric, item, last in summary.metrics:
            yield (
                item.title,
                metric.label,
                metric.value.normalize() if metric.value is not None else "",
                metric.unit,
                _("about") if metric.approximate else "",
                last.normalize() if last is not None else "",
            )

    return [
        SheetSpec(
            _("Summary"),
            [_("Group"), _("Total"), _("Done"), _("Overdue"), _("Completion rate"), _("On-time rate")],
            [36, 10, 10, 10, 12, 12],
            overview(),
        ),
        SheetSpec(
            _("By unit"),
            [
                _("Lead unit"),
                _("Items led"),
                _("Done"),
                _("Overdue"),
                _("Returned"),
                _("Completion rate"),
                _("On-time rate"),
                _("Times chased"),
            ],
            [30, 10, 10, 10, 10, 12, 12, 10],
            by_unit(),
        ),
        SheetSpec(
            _("Achievements of the year"),
            [_("No."), _("Area"), _("Achievement"), _("Lead unit"), _("Figures")],
            [6, 24, 48, 22, 50],
            achievements(),
        ),
        SheetSpec(
            _("Tasks"),
            [
                _("No."),
                _("Area"),
                _("Title"),
                _("Lead unit"),
                _("Cooperating units"),
                _("Responsible person"),
                _("Deadline"),
                _("Status"),
                _("Light"),
                _("Latest progress"),
            ],
            [6, 24, 40, 22, 28, 12, 12, 10, 6, 50],
            tasks(),
        ),
        SheetSpec(
            _("Shortfalls and rectification"),
            [
                _("Stated by"),
                _("Rectified in"),
                _("Shortfall"),
                _("Shortfall status"),
                _("Measure"),
                _("Lead unit"),
                _("Deadline"),
                _("Measure status"),
                _("Light"),
                _("Latest progress"),
            ],
            [16, 10, 40, 12, 40, 22, 12, 12, 6, 50],
            shortfalls(),
        ),
        SheetSpec(
            _("Metrics"),
            [
                _("Item"),
                _("Stated as"),
                _("Value"),
                _("Unit of measure"),
                _("Approximate"),
                _("Last year's value"),
            ],
            [36, 50, 12, 8, 8, 12],
            metrics(),
        ),
    ]


def write_ledger_xlsx(summary, output) -> None:
    """The annual summary as the six-sheet XLSX ledger, into ``output`` (path or binary file)."""
    write_workbook(output, title=ledger_title(summary.report), sheets=ledger_sheets(summary))
