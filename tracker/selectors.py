"""Reads: every query a page makes about items goes through here."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q, QuerySet

from . import permissions
from .choices import ItemStatus
from .models import Item


def items_visible_to(user) -> QuerySet[Item]:
    """The items ``user`` may see: all for reviewers and leaders, their units' for staff."""
    items = Item.objects.all()
    if permissions.sees_all_items(user):
        return items
    units = permissions.unit_ids(user)
    if not units:
        return items.none()
    return items.filter(Q(lead_unit_id__in=units) | Q(cooperating_units__in=units)).distinct()


def status_counts_by_report(user) -> dict[int, dict[str, int]]:
    """``{report_id: {status: count, ..., "total": n}}`` over the items ``user`` may see.

    One aggregate query whatever the number of items or years.
    """
    visible = items_visible_to(user)
    if not permissions.sees_all_items(user):
        # Aggregate over ids so that the join with cooperating units cannot double-count.
        visible = Item.objects.filter(pk__in=visible.values("pk"))
    rows = visible.values("report_id", "status").annotate(n=Count("pk")).order_by()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys([*ItemStatus.values, "total"], 0))
    for row in rows:
        bucket = counts[row["report_id"]]
        bucket[row["status"]] = row["n"]
        bucket["total"] += row["n"]
    return dict(counts)
