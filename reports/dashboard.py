"""The dashboard of reviewers and leaders: a year's figures as bar charts drawn on the server.

Each bar row carries its numbers as text (shown beside the bar) and a link to the item list
filtered to exactly the items the bar counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from tracker import selectors as tracker_selectors

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


def _items_url(**params) -> str:
    return f"{reverse('tracker:items')}?{urlencode({k: v for k, v in params.items() if v is not None})}"


def _completion_bars(pairs, *, year: int, param: str) -> list[Bar]:
    """One bar per group: its length the group's items, the filled part the items done."""
    widest = max((figures.total for _group, figures in pairs), default=0) or 1
    bars = []
    for group, figures in pairs:
        rate = figures.completion_rate
        bars.append(
            Bar(
                label=group.name if group else _("(none)"),
                value=figures.done,
                whole=figures.total,
                width=100 * figures.total / widest,
                part_width=100 * figures.done / widest,
                text=_("%(done)s of %(total)s done (%(rate)s)")
                % {"done": figures.done, "total": figures.total, "rate": "—" if rate is None else f"{rate}%"},
                url=_items_url(year=year, kind="tracked", **{param: group.pk if group else None}),
            )
        )
    return bars


def _overdue_bars(pairs, *, year: int) -> list[Bar]:
    pairs = sorted(
        ((unit, f) for unit, f in pairs if f.overdue), key=lambda pair: (-pair[1].overdue, pair[0].name)
    )
    widest = max((figures.overdue for _unit, figures in pairs), default=0) or 1
    return [
        Bar(
            label=unit.name,
            value=figures.overdue,
            whole=figures.total,
            width=100 * figures.overdue / widest,
            part_width=100 * figures.overdue / widest,
            text=_("%(count)s overdue") % {"count": figures.overdue},
            url=_items_url(year=year, lead_unit=unit.pk, overdue="yes"),
        )
        for unit, figures in pairs
    ]


def dashboard(*, user, year: int, history: dict[int, Figures] | None = None) -> dict:
    """Everything the dashboard shows for ``year``; a fixed number of queries.

    ``history`` is ``figures_by_year()`` when the caller has it already.
    """
    figures = dashboard_figures(year=year)
    if history is None:
        history = figures_history()
    return {
        "year": year,
        "figures": figures.figures,
        "area_bars": _completion_bars(figures.by_area, year=year, param="area"),
        "unit_bars": _completion_bars(figures.by_unit, year=year, param="lead_unit"),
        "overdue_bars": _overdue_bars(figures.by_unit, year=year),
        "history": sorted(history.items(), reverse=True),
        "waiting": sum(f.submitted for f in history.values()),
        "extensions_waiting": len(tracker_selectors.pending_extensions(user)),
        "followed": tracker_selectors.followed_items(user),
        "open_instructions": tracker_selectors.open_instructions(user),
        "links": {
            "overdue": _items_url(year=year, overdue="yes"),
            "shortfalls": _items_url(year=year, kind="shortfall"),
            "all": _items_url(year=year, kind="tracked"),
        },
    }


def year_work(*, report, user) -> dict:
    """The tracked work of one year that ``user`` may see, for the year page: its totals
    (``figures``: done, overdue, submitted, completion rate...) and completion by area
    (``bars``). Achievements are not in them. One query, cached until the ledger changes."""
    by_area = year_work_by_area(year=report.year, user=user)
    return {
        "figures": sum((figures for _area, figures in by_area), Figures()),
        "bars": _completion_bars(by_area, year=report.year, param="area"),
        "links": {
            "all": _items_url(year=report.year, kind="tracked"),
            "overdue": _items_url(year=report.year, overdue="yes"),
            "submitted": _items_url(year=report.year, status="submitted"),
        },
    }
