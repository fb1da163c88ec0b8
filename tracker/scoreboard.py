"""Figures per unit and per area for a year: the scoreboard (/units/) and the dashboard.

Every figure is counted by the database (GROUP BY), so the number of queries and the time
stay flat however many items a year holds. Definitions, as the pages print them:

- completion rate (办结率) = items done ÷ items led;
- on-time rate (按期完成率) = items done by their deadline ÷ (items done + items overdue);
  items with no deadline count as on time once done; items not yet due are left out;
- rectification rate (整改率) = shortfalls closed out ÷ shortfalls;
- rank: completion rate, then on-time rate (higher first), then fewer overdue, then name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q

from .choices import ItemKind, ItemStatus
from .models import Area, Evidence, Item, Unit, UnitRating
from .selectors import overdue_q, today


def rate(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as a percentage with one decimal, or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _counts(on: date) -> dict:
    """The aggregate expressions every breakdown uses."""
    done = Q(status=ItemStatus.DONE)
    return {
        "total": Count("pk"),
        "done": Count("pk", filter=done),
        "overdue": Count("pk", filter=overdue_q(on)),
        "returned": Count("pk", filter=Q(status=ItemStatus.RETURNED)),
        "submitted": Count("pk", filter=Q(status=ItemStatus.SUBMITTED)),
        "on_time": Count("pk", filter=done & (Q(due_on__isnull=True) | Q(done_at__date__lte=F("due_on")))),
        "shortfalls": Count("pk", filter=Q(kind=ItemKind.SHORTFALL)),
        "shortfalls_done": Count("pk", filter=Q(kind=ItemKind.SHORTFALL) & done),
    }


@dataclass
class Figures:
    """Counts for a group of items (a unit, an area, a year) and the rates drawn from them."""

    total: int = 0
    done: int = 0
    overdue: int = 0
    returned: int = 0
    submitted: int = 0
    on_time: int = 0
    shortfalls: int = 0
    shortfalls_done: int = 0
    evidence: int = 0

    @classmethod
    def from_row(cls, row: dict) -> Figures:
        return cls(**{name: row.get(name, 0) or 0 for name in cls.__dataclass_fields__})

    @property
    def completion_rate(self) -> Decimal | None:
        return rate(self.done, self.total)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.on_time, self.done + self.overdue)

    @property
    def rectification_rate(self) -> Decimal | None:
        return rate(self.shortfalls_done, self.shortfalls)


@dataclass
class UnitRow:
    unit: Unit
    figures: Figures
    rating: UnitRating | None = None
    rank: int = 0

    def sort_key(self):
        f = self.figures
        return (
            -(f.completion_rate if f.completion_rate is not None else Decimal(-1)),
            -(f.on_time_rate if f.on_time_rate is not None else Decimal(-1)),
            f.overdue,
            self.unit.name,
        )


@dataclass
class YearFigures:
    year: int
    figures: Figures
    by_area: list = field(default_factory=list)
    by_unit: list = field(default_factory=list)


def unit_scoreboard(*, year: int, report_id: int | None = None, on: date | None = None) -> list[UnitRow]:
    """Every active unit (and any unit leading items that year) with its figures, ranked.

    Four queries whatever the number of units and items.
    """
    on = on or today()
    rows = {
        row["lead_unit_id"]: row
        for row in Item.objects.filter(year=year, lead_unit__isnull=False)
        .order_by()
        .values("lead_unit_id")
        .annotate(**_counts(on))
    }
    evidence = dict(
        Evidence.objects.filter(update__item__year=year, update__item__lead_unit__isnull=False)
        .order_by()
        .values_list("update__item__lead_unit_id")
        .annotate(n=Count("pk"))
        .values_list("update__item__lead_unit_id", "n")
    )
    ratings = {}
    if report_id is not None:
        ratings = {r.unit_id: r for r in UnitRating.objects.filter(report_id=report_id)}
    units = Unit.objects.filter(Q(active=True) | Q(pk__in=rows.keys())).order_by(
        "kind", "order", "name", "pk"
    )
    result = []
    for unit in units:
        figures = Figures.from_row(rows.get(unit.pk, {}))
        figures.evidence = evidence.get(unit.pk, 0)
        result.append(UnitRow(unit=unit, figures=figures, rating=ratings.get(unit.pk)))
    result.sort(key=UnitRow.sort_key)
    for rank, row in enumerate(result, start=1):
        row.rank = rank
    return result


def year_figures(*, year: int, on: date | None = None) -> YearFigures:
    """The dashboard's figures for one year: totals, by area, by lead unit. Four queries."""
    on = on or today()
    items = Item.objects.filter(year=year).order_by()
    totals = Figures.from_row(items.aggregate(**_counts(on)))
    areas = {area.pk: area for area in Area.objects.all()}
    by_area = [
        (areas.get(row["area_id"]), Figures.from_row(row))
        for row in items.values("area_id").annotate(**_counts(on)).order_by()
    ]
    by_area.sort(
        key=lambda pair: (
            pair[0] is None,
            pair[0].framework if pair[0] else "",
            pair[0].order if pair[0] else 0,
        )
    )
    unit_rows = list(
        items.filter(lead_unit__isnull=False).values("lead_unit_id").annotate(**_counts(on)).order_by()
    )
    units = Unit.objects.in_bulk([row["lead_unit_id"] for row in unit_rows])
    by_unit = [(units.get(row["lead_unit_id"]), Figures.from_row(row)) for row in unit_rows]
    by_unit.sort(key=lambda pair: (-pair[1].total, pair[0].name if pair[0] else ""))
    return YearFigures(year=year, figures=totals, by_area=by_area, by_unit=by_unit)


def figures_by_year(*, on: date | None = None) -> dict[int, Figures]:
    """The same totals for every year, for comparing with earlier years. One query."""
    on = on or today()
    return {
        row["year"]: Figures.from_row(row)
        for row in Item.objects.order_by().values("year").annotate(**_counts(on)).order_by("-year")
    }
