"""The supervisor's roll-up (``/governments/``): the governments directly below the government
in view compared for a year, their recurring shortfalls, and the comparison as XLSX / CSV.

Who: supervisors only (``permissions.supervises``: reviewers and leaders whose government has
governments below it); anybody else gets the site's 403 page, as on the reviewers' pages.

Which government's roll-up: the government in view (``tracker.governments``, the switch
under the menu bar, ``?government=<pk>``) when it has governments below it; a supervisor who
put a county without any in view sees the roll-up that county belongs to (its parent's), as
long as he sees the parent. The rows' links go down a level: to the roll-up of a government
that has governments below it, else to its dashboard; every row links to its dashboard too.

The pages only read, and read from the replica when one is configured (``@replica_view``).
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from tracker import permissions
from tracker.choices import Grade
from tracker.decorators import supervisor_required
from tracker.governments import PARAMETER, government_in_view
from tracker.models import Government
from utilities.sheets import Percent, csv_response, xlsx_response

try:
    from utilities.replica import replica_view
except ImportError:  # before the scale-out branch (the read replica) is merged: no replica

    def replica_view(view):
        return view


from .rollups import (
    LATE,
    NOT_YET,
    ON_TIME,
    filed_count,
    on_time_count,
    recurring_shortfalls,
    rollup,
    rollup_years,
)

EXPORT_FORMATS = ("xlsx", "csv")


def _parent(request) -> Government | None:
    """The government whose roll-up is shown (see the module's docstring), or None."""
    government = government_in_view(request)
    if government is None:
        return None
    if Government.objects.filter(parent=government).exists():
        return government
    if government.parent_id is not None:
        parent = Government.objects.filter(pk=government.parent_id).first()
        if parent is not None and permissions.sees_government(request.user, parent):
            return parent
    return government


def _year(request, years: list[int]) -> int | None:
    chosen = request.GET.get("year", "")
    return next((year for year in years if str(year) == chosen), years[0] if years else None)


def _with_government(url: str, government_id: int, year: int) -> str:
    return f"{url}?{PARAMETER}={government_id}&year={year}"


def _context(request):
    parent = _parent(request)
    if parent is None:
        return None, [], None
    years = rollup_years(parent)
    return parent, years, _year(request, years)


def _up(request, parent: Government, year: int) -> str | None:
    """The roll-up one level up, when the person sees it."""
    if parent.parent_id is None or permissions.own_government(request.user) == parent:
        return None
    grand = Government.objects.filter(pk=parent.parent_id).first()
    if grand is None or not permissions.sees_government(request.user, grand):
        return None
    return _with_government(reverse("rollup"), grand.pk, year)


PUBLICATION_LABELS = {
    ON_TIME: gettext_lazy("Published on time"),
    LATE: gettext_lazy("Published late"),
    NOT_YET: gettext_lazy("Filed, not yet published"),
}


def publication_label(row) -> str:
    """What the page says of a row's report of the year, in words."""
    return str(PUBLICATION_LABELS[row.publication]) if row.filed else _("Not filed")


@require_GET
@supervisor_required
@replica_view
def rollup_page(request):
    """One row per government directly below, most behind first, with a totals row."""
    parent, years, year = _context(request)
    context = {"parent": parent, "years": years, "year": year, "grades": Grade.choices}
    if year is not None:
        result = rollup(parent=parent, year=year)
        dashboard, rollup_url = reverse("home"), reverse("rollup")
        for row in result.rows:
            row.dashboard_url = _with_government(dashboard, row.government.pk, year)
            row.down_url = (
                _with_government(rollup_url, row.government.pk, year)
                if row.has_children
                else row.dashboard_url
            )
            row.grade_cells = [row.grades[grade] for grade in Grade.values]
        result.totals.grade_cells = [result.totals.grades[grade] for grade in Grade.values]
        context.update(
            result=result,
            filed=filed_count(result),
            on_time=on_time_count(result),
            up_url=_up(request, parent, year),
            shortfalls_url=_with_government(reverse("rollup_shortfalls"), parent.pk, year),
            export_urls={
                fmt: _with_government(reverse("rollup_export", args=[fmt]), parent.pk, year)
                for fmt in EXPORT_FORMATS
            },
        )
    return render(request, "reports/rollup.html", context)


@require_GET
@supervisor_required
@replica_view
def rollup_shortfalls(request):
    """The year's shortfalls of every government below, grouped by similar wording."""
    parent, years, year = _context(request)
    groups = recurring_shortfalls(parent=parent, year=year) if year is not None else []
    return render(
        request,
        "reports/rollup_shortfalls.html",
        {
            "parent": parent,
            "years": years,
            "year": year,
            "recurring": [group for group in groups if group.government_count > 1],
            "single": [group for group in groups if group.government_count <= 1],
            "rollup_url": _with_government(reverse("rollup"), parent.pk, year) if year else reverse("rollup"),
        },
    )


def export_rows(result):
    """The comparison as rows (the header first), typed: counts are numbers, rates ``Percent``,
    dates dates."""
    grade_labels = [str(label) for _value, label in Grade.choices]
    yield [
        _("Government"),
        _("Tracked items"),
        _("Done"),
        _("Completion rate"),
        _("Overdue"),
        _("Shortfalls open"),
        _("Report filed"),
        _("Published on"),
        _("Report of the year"),
        *grade_labels,
    ]

    def pct(value):
        return "" if value is None else Percent.of(value)

    for row in result.rows:
        f = row.figures
        yield [
            row.government.name,
            f.total,
            f.done,
            pct(f.completion_rate),
            f.overdue,
            row.shortfalls_open,
            _("Yes") if row.filed else _("No"),
            row.published_on or "",
            publication_label(row),
            *(row.grades[grade] for grade in Grade.values),
        ]
    f = result.totals.figures
    yield [
        _("Total"),
        f.total,
        f.done,
        pct(f.completion_rate),
        f.overdue,
        result.totals.shortfalls_open,
        filed_count(result),
        "",
        on_time_count(result),
        *(result.totals.grades[grade] for grade in Grade.values),
    ]


@require_GET
@supervisor_required
@replica_view
def rollup_export(request, fmt: str):
    """The comparison as XLSX or CSV, the same rows as the page."""
    if fmt not in EXPORT_FORMATS:
        raise Http404(_("No such export format."))
    parent, _years, year = _context(request)
    if year is None:
        raise Http404(_("No report of that year."))
    result = rollup(parent=parent, year=year)
    name = f"rollup-{year}.{fmt}"
    if fmt == "csv":
        return csv_response(export_rows(result), name)
    return xlsx_response(
        export_rows(result),
        name,
        sheet_title=_("%(government)s %(year)s") % {"government": parent.name, "year": year},
        widths=(24, 10, 8, 10, 8, 10, 10, 12, 12, 6, 6, 6),
    )
