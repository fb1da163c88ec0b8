"""Figures per unit and per area for a year: the scoreboard (/units/) and the dashboard.

Every figure is counted by the database (GROUP BY), so the number of queries and the time
stay flat however many items a year holds. Definitions, as the pages print them:

- completion rate (办结率) = items done ÷ items led;
- on-time rate (按期完成率) = items done by their deadline ÷ (items done + items overdue);
  items with no deadline count as on time once done; items not yet due are left out;
- rectification rate (整改率) = shortfalls closed out ÷ shortfalls;
- rank: see ``UnitRow.sort_key``: fewer overdue items first, then completion rate, then
  on-time rate (higher first); a unit with no rate ("—") after the units with one, among those
  with as many overdue items; then name. A unit leading no tracked work is not ranked.

Every figure counts tracked work only (``tracker.workflow.tracked_q``): the achievements a
report records for its year are counted apart (``achievements``), never in these rates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q

from tracker.choices import ItemKind, ItemStatus
from tracker.ledger_cache import cached
from tracker.lights import Light, light_q
from tracker.models import Area, Chase, Evidence, Item, Unit
from tracker.selectors import overdue_q, today
from tracker.workflow import tracked_q

from .models import UnitRating


def rate(part: int, whole: int) -> Decimal | None:
    """``part / whole`` as a percentage with one decimal, or None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _counts(on: date) -> dict:
    """The aggregate expressions every breakdown uses: tracked work only, and beside it how
    many achievements the group holds (counted, never in a rate).

    They count ``status`` (never NULL), not the primary key: every column they read is in
    ``item_figures_idx``, so PostgreSQL answers from the index alone.
    """
    tracked = tracked_q()
    done = tracked & Q(status=ItemStatus.DONE)
    return {
        "total": Count("status", filter=tracked),
        "done": Count("status", filter=done),
        "overdue": Count("status", filter=tracked & overdue_q(on)),
        # The traffic lights of open work: red is overdue, counted above.
        "yellow": Count("status", filter=tracked & light_q(Light.YELLOW, on)),
        "green": Count("status", filter=tracked & light_q(Light.GREEN, on)),
        "returned": Count("status", filter=tracked & Q(status=ItemStatus.RETURNED)),
        "submitted": Count("status", filter=tracked & Q(status=ItemStatus.SUBMITTED)),
        "on_time": Count(
            "status", filter=done & (Q(due_on__isnull=True) | Q(done_at__date__lte=F("due_on")))
        ),
        "shortfalls": Count("status", filter=Q(kind=ItemKind.SHORTFALL)),
        "shortfalls_done": Count("status", filter=Q(kind=ItemKind.SHORTFALL) & done),
        "not_started": Count("status", filter=tracked & Q(status=ItemStatus.NOT_STARTED)),
        "in_progress": Count("status", filter=tracked & Q(status=ItemStatus.IN_PROGRESS)),
        "achievements": Count("status", filter=Q(kind=ItemKind.ACHIEVEMENT)),
    }


@dataclass
class Figures:
    """Counts for a group of items (a unit, an area, a year) and the rates drawn from them."""

    total: int = 0
    done: int = 0
    overdue: int = 0
    yellow: int = 0
    green: int = 0
    returned: int = 0
    submitted: int = 0
    on_time: int = 0
    shortfalls: int = 0
    shortfalls_done: int = 0
    not_started: int = 0
    in_progress: int = 0
    evidence: int = 0
    # Times the group's items were chased (催办).
    chased: int = 0
    # Not tracked work: the achievements a report records, shown beside the figures.
    achievements: int = 0

    @classmethod
    def from_row(cls, row: dict) -> Figures:
        return cls(**{name: row.get(name, 0) or 0 for name in cls.__dataclass_fields__})

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            **{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__}
        )

    def by_status(self) -> dict[str, int]:
        """``{status: count, ..., "total": n, "achievements": n}`` of tracked work (and the
        achievements beside it), as the home page's status table wants it."""
        return {
            **{status: getattr(self, status) for status in ItemStatus.values},
            "total": self.total,
            "achievements": self.achievements,
        }

    @property
    def red(self) -> int:
        """Red lights: the overdue items (tracker.lights)."""
        return self.overdue

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
    # None for a unit leading no tracked work in the year: it is not ranked.
    rank: int | None = None

    def sort_key(self):
        """The scoreboard's rank, the rule the page prints:

        1. fewer overdue items first: an overdue item is what the office chases, so a unit
           never ranks above a unit with fewer;
        2. then completion rate, higher first;
        3. then on-time rate, higher first;
        4. then name.

        A rate is "—" when there is nothing to divide by: a unit leading no tracked work has
        no completion rate, a unit that has finished nothing and has nothing overdue no
        on-time rate. "—" is no failure: such a unit takes its place by its overdue count
        (which step 1 settles first) and, among units with as many overdue items, comes
        after those with a rate. (Taking "—" as the lowest rate of all ranked a unit with an
        overdue item, on-time 0.0%, above one whose work was not yet due.)
        """
        f = self.figures

        def higher_first(rate):
            return (1, 0) if rate is None else (0, -rate)

        return (f.overdue, higher_first(f.completion_rate), higher_first(f.on_time_rate), self.unit.name)


@dataclass
class YearFigures:
    year: int
    figures: Figures
    by_area: list = field(default_factory=list)
    by_unit: list = field(default_factory=list)


def _government_id(government) -> int | None:
    return getattr(government, "pk", government)


def _of_government(rows, government, path: str = ""):
    """``rows`` narrowed to one government's (a Government or its id; None: every
    government's, for the command line and the tests of one government). ``path`` leads from
    the rows to an item ("item__")."""
    gid = _government_id(government)
    return rows if gid is None else rows.filter(**{f"{path}report__government_id": gid})


def _unit_counts(year: int, on: date, government=None) -> tuple[dict, dict]:
    """``({lead unit id: counts}, {lead unit id: evidence files})`` of a year of
    ``government``, the items without a lead unit under the key None; the counts hold
    ``chased``, how many times the unit's items were chased (催办). Three queries, cached until
    the ledger changes."""

    def count():
        rows = {
            row["lead_unit_id"]: row
            for row in _of_government(Item.objects.filter(year=year), government)
            .order_by()
            .values("lead_unit_id")
            .annotate(**_counts(on))
        }
        evidence = dict(
            _of_government(
                Evidence.objects.filter(tracked_q("item__"), item__year=year), government, "item__"
            )
            .order_by()
            .values_list("item__lead_unit_id")
            .annotate(n=Count("item_id"))
            .values_list("item__lead_unit_id", "n")
        )
        chased = (
            _of_government(Chase.objects.filter(tracked_q("item__"), item__year=year), government, "item__")
            .order_by()
            .values_list("item__lead_unit_id")
            .annotate(n=Count("pk"))
        )
        for unit_id, n in chased:
            rows.setdefault(unit_id, {"lead_unit_id": unit_id})["chased"] = n
        return rows, evidence

    return cached("unit_counts", year, on, _government_id(government), build=count)


def unit_scoreboard(
    *, year: int, report_id: int | None = None, on: date | None = None, government=None
) -> list[UnitRow]:
    """Every active unit of ``government`` (and any unit leading items that year) with its
    figures, ranked.

    Four queries whatever the number of units and items.
    """
    rows, evidence = _unit_counts(year, on or today(), government)
    ratings = {}
    if report_id is not None:
        ratings = {r.unit_id: r for r in UnitRating.objects.filter(report_id=report_id)}
    # A unit no longer active shows while it leads tracked work that year.
    leading = [pk for pk, row in rows.items() if row["total"] and pk is not None]
    units = Unit.objects.filter(Q(active=True) | Q(pk__in=leading)).order_by("kind", "order", "name", "pk")
    if _government_id(government) is not None:
        units = units.filter(government_id=_government_id(government))
    result = []
    for unit in units:
        figures = Figures.from_row(rows.get(unit.pk, {}))
        figures.evidence = evidence.get(unit.pk, 0)
        result.append(UnitRow(unit=unit, figures=figures, rating=ratings.get(unit.pk)))
    # A unit leading no tracked work this year has nothing to rank: it is listed after the
    # ranked units, by name, with no rank (None, "—").
    ranked = sorted((row for row in result if row.figures.total), key=UnitRow.sort_key)
    for rank, row in enumerate(ranked, start=1):
        row.rank = rank
    idle = sorted((row for row in result if not row.figures.total), key=lambda row: row.unit.name)
    for row in idle:
        row.rank = None
    return ranked + idle


def unassigned_figures(*, year: int, on: date | None = None, government=None) -> Figures | None:
    """The figures of the year's tracked work that has no lead unit yet (the scoreboard's
    last row, unranked), or None when every item has one. Counted with the units' figures
    (``unit_scoreboard``): no query of its own once they are."""
    rows, evidence = _unit_counts(year, on or today(), government)
    row = rows.get(None)
    if not row or not row["total"]:
        return None
    figures = Figures.from_row(row)
    figures.evidence = evidence.get(None, 0)
    return figures


def _area_order(pair) -> tuple:
    """(area, figures) pairs in the areas' order; items without an area last."""
    area = pair[0]
    return (area is None, *((area.framework, area.order) if area else ("", 0)))


def _unit_order(pair) -> tuple:
    """(unit, figures) pairs by items led, most first; items without a lead unit last."""
    unit, figures = pair
    return (unit is None, -figures.total, unit.name if unit else "")


def year_figures(*, year: int, on: date | None = None, items=None, government=None) -> YearFigures:
    """The dashboard's figures for one year: totals, by area, by lead unit (the items with
    none as a row of their own, unit None, last).

    One GROUP BY (area, lead unit) query, served by an index alone on PostgreSQL; the few
    hundred groups are added up here; the chases (催办) by lead unit in one more: four
    queries in all. ``items`` narrows the count (to what one person may see, for exports),
    ``government`` to one government's year.
    """
    on = on or today()
    items = _of_government(Item.objects.all() if items is None else items, government)
    rows = list(items.filter(year=year).order_by().values("area_id", "lead_unit_id").annotate(**_counts(on)))
    totals, areas_seen, units_seen = Figures(), {}, {}
    for row in rows:
        figures = Figures.from_row(row)
        totals = totals + figures
        if not figures.total:
            continue  # achievements only: no bar, no unit row of tracked work
        areas_seen[row["area_id"]] = areas_seen.get(row["area_id"], Figures()) + figures
        # Items without a lead unit make a row of their own (unit None), so that the rows
        # add up to the year's figures.
        units_seen[row["lead_unit_id"]] = units_seen.get(row["lead_unit_id"], Figures()) + figures
    areas = Area.objects.in_bulk([pk for pk in areas_seen if pk is not None])
    by_area = [(areas.get(pk), figures) for pk, figures in areas_seen.items()]
    by_area.sort(key=_area_order)
    chased = (
        Chase.objects.filter(tracked_q("item__"), item__in=items.filter(year=year))
        .order_by()
        .values_list("item__lead_unit_id")
        .annotate(n=Count("pk"))
    )
    for unit_id, n in chased:
        if unit_id in units_seen:
            units_seen[unit_id].chased = n
            totals.chased += n
    units = Unit.objects.in_bulk([pk for pk in units_seen if pk is not None])
    by_unit = [(units.get(pk), figures) for pk, figures in units_seen.items()]
    by_unit.sort(key=_unit_order)
    return YearFigures(year=year, figures=totals, by_area=by_area, by_unit=by_unit)


def figures_by_area(*, year: int, items=None, on: date | None = None) -> list[tuple[Area | None, Figures]]:
    """One year's figures by area, in the areas' order (no area last). One query."""
    on = on or today()
    items = Item.objects.all() if items is None else items
    fields = ("area_id", "area__code", "area__name", "area__framework", "area__order")
    rows = items.filter(year=year).order_by().values(*fields).annotate(**_counts(on))
    pairs = [
        (
            Area(pk=row["area_id"], code=row["area__code"], name=row["area__name"], framework=row["area__framework"],
                 order=row["area__order"]) if row["area_id"] is not None else None,
            Figures.from_row(row),
        )
        for row in rows
        if row["total"]  # an area holding achievements only has no tracked work to show
    ]  # fmt: skip
    pairs.sort(key=_area_order)
    return pairs


def figures_by_year(*, on: date | None = None, government=None) -> dict[int, Figures]:
    """The same totals for every year (of ``government``), for comparing with earlier years.
    One query."""
    on = on or today()
    return {
        row["year"]: Figures.from_row(row)
        for row in _of_government(Item.objects.all(), government)
        .order_by()
        .values("year")
        .annotate(**_counts(on))
        .order_by("-year")
    }
