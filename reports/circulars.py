"""What the monthly 通报 (a circular on how the year's work stands) says for one month: read
from the ledger, its figures taken from the dashboard's and the scoreboard's own functions
(``year_figures``, ``unit_scoreboard``) as of the month's last day (today while the month runs),
so that the paper and the pages agree. The DOCX is written by ``reports.exporting.circular``.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from tracker.choices import UpdateKind
from tracker.models import Chase, Instruction, Item, ProgressUpdate
from tracker.selectors import overdue_q, today
from tracker.workflow import tracked_q

from .models import AnnualReport
from .scoreboard import Figures, UnitRow, unassigned_figures, unit_scoreboard, year_figures


@dataclass
class Circular:
    report: AnnualReport
    year: int
    month: int
    # The day the figures stand at: the month's last day, or today while the month runs.
    on: datetime.date
    figures: Figures
    # The scoreboard's ranked units (those leading tracked work), in its order.
    units: list[UnitRow]
    # The tracked work with no lead unit yet (the scoreboard's last row, unranked), or None.
    unassigned: Figures | None
    # Overdue items as of ``on``, by unit in the scoreboard's order (no lead unit last), each
    # with ``days_overdue``.
    overdue: list[Item]
    # The chases (催办) of the month, oldest first, each with ``answered`` (a progress entry
    # or submission on its item after it, by ``on``).
    chases: list[Chase]
    # Leaders' instructions given by ``on`` and not handled by then, oldest first, each with
    # ``age_days`` and ``replies`` (replies by ``on``).
    instructions: list[Instruction]


def month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _moment(day: datetime.date) -> datetime.datetime:
    """The first moment of ``day`` in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def month_circular(*, report: AnnualReport, month: int) -> Circular:
    """The 通报 of ``month`` (1..12) of ``report``'s year."""
    year = report.year
    on = min(month_end(year, month), today())
    start, cutoff = _moment(datetime.date(year, month, 1)), _moment(on + datetime.timedelta(days=1))
    government = report.government_id  # the figures of that government's year only
    figures = year_figures(year=year, on=on, government=government).figures
    units = [
        row
        for row in unit_scoreboard(year=year, report_id=report.pk, on=on, government=government)
        if row.rank is not None
    ]
    place = {row.unit.pk: row.rank for row in units}

    overdue = list(
        Item.objects.filter(tracked_q(), overdue_q(on), report=report)
        .select_related("lead_unit")
        .order_by("due_on", "pk")
    )
    overdue.sort(key=lambda item: place.get(item.lead_unit_id, len(place) + 1))
    for item in overdue:
        item.days_overdue = (on - item.due_on).days

    answer = ProgressUpdate.objects.filter(
        item_id=OuterRef("item_id"),
        kind=UpdateKind.PROGRESS,
        created_at__gt=OuterRef("created_at"),
        created_at__lt=cutoff,
    )
    chases = list(
        Chase.objects.filter(item__report=report, created_at__gte=start, created_at__lt=cutoff)
        .select_related("item__lead_unit")
        .annotate(answered=Exists(answer))
        .order_by("created_at", "pk")
    )

    instructions = list(
        Instruction.objects.filter(item__report=report, created_at__lt=cutoff)
        .filter(Q(handled_at__isnull=True) | Q(handled_at__gte=cutoff))
        .select_related("item__lead_unit")
        .annotate(
            replies=Count("updates", filter=Q(updates__kind=UpdateKind.REPLY, updates__created_at__lt=cutoff))
        )
        .order_by("created_at", "pk")
    )
    for instruction in instructions:
        instruction.age_days = (on - timezone.localdate(instruction.created_at)).days
    return Circular(
        report=report,
        year=year,
        month=month,
        on=on,
        figures=figures,
        units=units,
        unassigned=unassigned_figures(year=year, on=on, government=government),
        overdue=overdue,
        chases=chases,
        instructions=instructions,
    )
