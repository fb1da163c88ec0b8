"""The dashboard of reviewers and leaders: a year's figures as bar charts drawn on the server.

Each bar row carries its numbers as text (shown beside the bar) and a link to the item list
filtered to exactly the items the bar counts; so does every other figure (the cards, the year
by year table): the list's total is the figure (tests/reports/test_figure_links.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from tracker import permissions
from tracker import selectors as tracker_selectors
from tracker.filters import NONE, TRACKED, ItemFilter
from tracker.lights import Light, yellow_days

from .scoreboard import Figures
from .selectors import dashboard_figures, figures_history, year_work_by_area


@dataclass
class Bar:
    label: str
    value: int
    whole: int
    width: float  # percent of the chart's width
    part_width: float  # the done part, percent of the chart's width
    text: str
    url: str


def items_url(**params) -> str:
    """The item list filtered by ``params`` (None left out), in the order given."""
    return f"{reverse('tracker:items')}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def _of_government(data, government, user):
    """``data`` (the dashboard's or a year page's figures) with every link to the item list
    narrowed to ``government`` (the government in view, or its id), for a supervisor: the list would
    otherwise count every government he sees. Unchanged for anybody who sees only one."""
    if government is None or not permissions.supervises(user):
        return data
    items = reverse("tracker:items")
    suffix = f"&government={getattr(government, 'pk', government)}"

    def scoped(value):
        if isinstance(value, str) and value.startswith(f"{items}?"):
            return value + suffix
        if isinstance(value, Bar):
            value.url = scoped(value.url)
            return value
        if isinstance(value, dict):
            return {key: scoped(inner) for key, inner in value.items()}
        if isinstance(value, list):
            return [scoped(inner) for inner in value]
        if isinstance(value, tuple):
            return tuple(scoped(inner) for inner in value)
        return value

    return scoped(data)


def _group_label(group, *, param: str) -> str:
    if group is not None:
        return group.name
    return _("No lead unit yet") if param == "lead_unit" else _("(none)")


def _completion_bars(pairs, *, year: int, param: str, scope: str | None = None) -> list[Bar]:
    """One bar per group: its length the group's items, the filled part the items done. The
    group None (no area, no lead unit) links to the list of the items that have none."""
    widest = max((figures.total for _group, figures in pairs), default=0) or 1
    bars = []
    for group, figures in pairs:
        rate = figures.completion_rate
        bars.append(
            Bar(
                label=_group_label(group, param=param),
                value=figures.done,
                whole=figures.total,
                width=100 * figures.total / widest,
                part_width=100 * figures.done / widest,
                text=_("%(done)s of %(total)s done (%(rate)s)")
                % {"done": figures.done, "total": figures.total, "rate": "—" if rate is None else f"{rate}%"},
                url=items_url(year=year, kind=TRACKED, scope=scope, **{param: group.pk if group else NONE}),
            )
        )
    return bars


def _overdue_bars(pairs, *, year: int) -> list[Bar]:
    """One bar per lead unit with overdue items, most first; the items without a lead unit
    last, as a bar of their own."""
    pairs = sorted(
        ((unit, f) for unit, f in pairs if f.overdue),
        key=lambda pair: (pair[0] is None, -pair[1].overdue, pair[0].name if pair[0] else ""),
    )
    widest = max((figures.overdue for _unit, figures in pairs), default=0) or 1
    return [
        Bar(
            label=_group_label(unit, param="lead_unit"),
            value=figures.overdue,
            whole=figures.overdue,
            width=100 * figures.overdue / widest,
            part_width=100 * figures.overdue / widest,
            text=_("%(count)s overdue") % {"count": figures.overdue},
            url=items_url(year=year, kind=TRACKED, lead_unit=unit.pk if unit else NONE, overdue="yes"),
        )
        for unit, figures in pairs
    ]


def _year_links(year) -> dict[str, str]:
    """The item list of each count a year's figures give (its tracked work, done, overdue,
    shortfalls, achievements)."""
    return {
        "all": items_url(year=year, kind=TRACKED),
        "done": items_url(year=year, kind=TRACKED, status="done"),
        "overdue": items_url(year=year, kind=TRACKED, overdue="yes"),
        "shortfalls": items_url(year=year, kind="shortfall"),
        "achievements": items_url(year=year, kind="achievement"),
    }


def dashboard(*, user, year: int, government, history: dict[int, Figures] | None = None) -> dict:
    """Everything the dashboard shows for ``year`` of ``government`` (the government in
    view); a fixed number of queries.

    ``history`` is ``figures_by_year()`` when the caller has it already.
    """
    figures = dashboard_figures(year=year, government=government)
    if history is None:
        history = figures_history(government=government)
    board = {
        "year": year,
        "figures": figures.figures,
        "area_bars": _completion_bars(figures.by_area, year=year, param="area"),
        "unit_bars": _completion_bars(figures.by_unit, year=year, param="lead_unit"),
        "overdue_bars": _overdue_bars(figures.by_unit, year=year),
        # The year's open work by traffic light, each figure a link to its items.
        "lights": [
            (light, getattr(figures.figures, light), items_url(year=year, kind=TRACKED, light=light))
            for light in Light
        ],
        "yellow_days": yellow_days(),
        "history": [(y, f, _year_links(y)) for y, f in sorted(history.items(), reverse=True)],
        "waiting": sum(f.submitted for f in history.values()),
        "extensions_waiting": len(tracker_selectors.pending_extensions(user)),
        "followed": tracker_selectors.followed_items(user),
        "open_instructions": tracker_selectors.open_instructions(user),
        "links": {
            **_year_links(year),
            "waiting": items_url(year=ItemFilter.ALL_YEARS, kind=TRACKED, status="submitted"),
            "extensions": items_url(year=ItemFilter.ALL_YEARS, extension="pending"),
        },
    }
    return _of_government(board, government, user)


def year_work(*, report, user) -> dict:
    """The tracked work of one year that ``user`` may see, for the year page: its totals
    (``figures``: done, overdue, submitted, completion rate...) and completion by area
    (``bars``). Achievements are not in them. One query, cached until the ledger changes.

    The links ask for every item the person may see (``scope=all``): staff count the items
    their units cooperate on too, which the list leaves out unless asked."""
    by_area = year_work_by_area(report=report, user=user)
    work = {
        "figures": sum((figures for _area, figures in by_area), Figures()),
        "bars": _completion_bars(by_area, year=report.year, param="area", scope="all"),
        "links": {
            "all": items_url(year=report.year, kind=TRACKED, scope="all"),
            "overdue": items_url(year=report.year, kind=TRACKED, overdue="yes", scope="all"),
            "submitted": items_url(year=report.year, kind=TRACKED, status="submitted", scope="all"),
        },
    }
    return _of_government(work, report.government_id, user)
