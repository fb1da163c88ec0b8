"""Reads: every query a page makes about items goes through here."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q, QuerySet
from django.utils import timezone

from . import permissions
from .choices import ItemStatus
from .models import Evidence, Item, ProgressUpdate, Review

DUE_SOON_DAYS = 14


def today() -> date:
    return timezone.localdate()


def overdue_q(on: date | None = None) -> Q:
    """Overdue: the deadline is past and the item is not done. Derived, never stored."""
    return Q(due_on__lt=on or today()) & ~Q(status=ItemStatus.DONE)


def items_visible_to(user) -> QuerySet[Item]:
    """The items ``user`` may see: all for reviewers and leaders; for staff, those their
    units lead or cooperate on. No DISTINCT: cooperation is matched by a subquery."""
    items = Item.objects.all()
    if permissions.sees_all_items(user):
        return items
    units = permissions.unit_ids(user)
    if not units:
        return items.none()
    cooperating = Item.cooperating_units.through.objects.filter(unit_id__in=units).values("item_id")
    return items.filter(Q(lead_unit_id__in=units) | Q(pk__in=cooperating))


def items_for_list(user, *, own_units_only: bool = False) -> QuerySet[Item]:
    """Items for the list page and its exports, with what each row shows.

    ``own_units_only`` narrows staff to the items their units lead (the default view);
    it changes nothing for reviewers and leaders.
    """
    items = items_visible_to(user)
    if own_units_only and not permissions.sees_all_items(user):
        items = items.filter(lead_unit_id__in=permissions.unit_ids(user))
    return (
        items.select_related("report", "area", "lead_unit", "assignee")
        .prefetch_related("cooperating_units")
        .annotate(is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))
    )


def status_counts(items: QuerySet[Item]) -> dict[str, int]:
    """``{status: count}`` over ``items`` in one GROUP BY query."""
    counts = dict.fromkeys(ItemStatus.values, 0)
    for row in items.order_by().values("status").annotate(n=Count("*")):
        counts[row["status"]] = row["n"]
    return counts


def status_counts_by_report(user) -> dict[int, dict[str, int]]:
    """``{report_id: {status: count, ..., "total": n}}`` over the items ``user`` may see.

    One aggregate query whatever the number of items or years.
    """
    rows = items_visible_to(user).values("report_id", "status").annotate(n=Count("pk")).order_by()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys([*ItemStatus.values, "total"], 0))
    for row in rows:
        bucket = counts[row["report_id"]]
        bucket[row["status"]] = row["n"]
        bucket["total"] += row["n"]
    return dict(counts)


def item_for_page(user, pk: int) -> Item:
    """One item with everything its page shows; Item.DoesNotExist when ``user`` may not see it."""
    return (
        items_visible_to(user)
        .select_related(
            "report",
            "area",
            "lead_unit",
            "assignee",
            "carried_from__report",
            "section__parent__parent__parent",
        )
        .prefetch_related(
            "cooperating_units",
            "metrics",
            Prefetch("addresses", queryset=Item.objects.only("pk", "title", "kind", "status")),
            Prefetch("measures", queryset=Item.objects.only("pk", "title", "kind", "status")),
        )
        .annotate(is_overdue=ExpressionWrapper(overdue_q(), output_field=BooleanField()))
        .get(pk=pk)
    )


def item_carried_to(item: Item) -> Item | None:
    return Item.objects.select_related("report").filter(carried_from=item).first()


def section_path(item: Item) -> list:
    """The item's sections from the top: 二、 › (一) › 一是."""
    path, section = [], item.section
    while section is not None:
        path.append(section)
        section = section.parent
    return list(reversed(path))


def item_timeline(item: Item) -> list[dict]:
    """Progress updates (with their evidence) and reviews, newest first. Two queries."""
    updates = (
        ProgressUpdate.objects.filter(item=item)
        .select_related("author")
        .prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("pk")))
    )
    reviews = Review.objects.filter(item=item).select_related("reviewer")
    entries = [{"kind": "update", "at": u.created_at, "pk": u.pk, "update": u} for u in updates]
    entries += [{"kind": "review", "at": r.created_at, "pk": r.pk, "review": r} for r in reviews]
    entries.sort(key=lambda e: (e["at"], e["pk"]), reverse=True)
    return entries


def evidence_visible_to(user, pk: int) -> Evidence:
    """One evidence file if ``user`` may see its item; Evidence.DoesNotExist otherwise."""
    return Evidence.objects.select_related("update__item").get(pk=pk, update__item__in=items_visible_to(user))


def my_items(user, *, limit: int = 8) -> dict[str, list[Item]]:
    """The staff home page's lists: due soon, overdue, returned to the unit, recently updated."""
    units = permissions.unit_ids(user)
    mine = items_visible_to(user).select_related("report", "lead_unit")
    now = today()
    open_items = mine.exclude(status=ItemStatus.DONE)
    return {
        "overdue": list(open_items.filter(due_on__lt=now).order_by("due_on", "pk")[:limit]),
        "due_soon": list(
            open_items.filter(due_on__gte=now, due_on__lte=now + timedelta(days=DUE_SOON_DAYS)).order_by(
                "due_on", "pk"
            )[:limit]
        ),
        "returned": list(
            mine.filter(status=ItemStatus.RETURNED, lead_unit_id__in=units).order_by("-updated_at", "pk")[
                :limit
            ]
        ),
        "recent": list(mine.order_by("-updated_at", "-pk")[:limit]),
    }
