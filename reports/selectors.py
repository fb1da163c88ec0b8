"""Reads about annual reports."""

from __future__ import annotations

from tracker import permissions
from tracker.choices import ItemStatus
from tracker.models import Unit
from tracker.selectors import status_counts_by_report

from .models import AnnualReport


def reports_with_status_counts(user) -> list[AnnualReport]:
    """Every year, newest first, with the counts of the items ``user`` may see.

    Each report gets ``.counts`` (by status, plus ``total``) and ``.status_cells`` (the
    counts in status order). Two queries whatever the number of years and items.
    """
    counts = status_counts_by_report(user)
    empty = dict.fromkeys([*ItemStatus.values, "total"], 0)
    reports = list(AnnualReport.objects.order_by("-year").only("pk", "year", "title", "state", "issuer"))
    for report in reports:
        report.counts = counts.get(report.pk, empty)
        report.status_cells = [report.counts[status] for status in ItemStatus.values]
    return reports


def units_of(user) -> list[Unit]:
    """The units ``user`` belongs to, for the home page header."""
    return list(Unit.objects.filter(pk__in=permissions.unit_ids(user)).order_by("name"))
