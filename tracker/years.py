"""Closed years: the one place that says what a closed year refuses, and how.

A reviewer closes a year once its report is published (``reports.services.year_close``).
From then on whatever belongs to it (its record and outline, its items and their history,
links, extensions, instructions, its ratings) is read-only for everyone, in the pages, the
admin and the commands. Following an item stays possible: it changes nothing of the record.

Where a closed year is refused, each time through this module:

- every write service (``tracker/services.py``, ``reports/services.py``,
  ``reports/tasksheet_services.py``) calls ``refuse_closed`` before anything else, before
  asking who the user is: ``YearClosed``, with its one message, and nothing is written;
- every ``tracker.permissions.can_*`` about an item or a year asks ``is_open``, so that no
  page offers a form, and the admin no change, in a closed year;
- a view gates a write with ``require``, which says "closed" (``YearClosed``) where the
  permissions refused because of the year, instead of a bare 403;
- ``config.middleware.ConflictMiddleware`` answers a ``YearClosed`` that no view caught with
  a 400 page that says it, never a server error.

A report answers ``is_closed`` itself, and queries ask ``closed_q``, which the report model
builds (``reports.models``, the layer below tracker; tracker imports nothing else of reports).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from reports.models import AnnualReport


class YearClosed(ValidationError):
    """A write into a closed year. A ValidationError, so that the forms and views that show a
    service's refusals show this one too; its message is translated and names the year."""

    def __init__(self, year: int):
        super().__init__(
            _("The year %(year)s is closed; its record can no longer change.") % {"year": year},
            code="year_closed",
        )
        self.year = year

    def __str__(self):
        return self.messages[0]


def report_of(obj):
    """The annual report ``obj`` belongs to, or None: a report belongs to itself; items,
    sections and ratings to their report; metrics, follows, extensions and other rows to
    their item or section."""
    if obj is None:
        return None
    if hasattr(obj, "is_closed"):  # an AnnualReport
        return obj
    for name in ("report", "item", "section"):
        if getattr(obj, f"{name}_id", None) is not None:
            return report_of(getattr(obj, name))
    return None


def closed_year_of(obj) -> int | None:
    """The year of the closed report that ``obj`` belongs to, or None."""
    report = report_of(obj)
    return report.year if report is not None and report.is_closed else None


def is_open(obj) -> bool:
    """Whether what ``obj`` belongs to may still change (a row of no year may)."""
    return closed_year_of(obj) is None


def refuse_closed(obj) -> None:
    """YearClosed when ``obj`` belongs to a closed year."""
    year = closed_year_of(obj)
    if year is not None:
        raise YearClosed(year)


def closed_q(path: str = "report") -> Q:
    """Rows whose report, reached through the lookup ``path``, is closed ("report" for items
    and ratings, "item__report" for their history)."""

    return AnnualReport.closed_q(path)


def refuse_closed_items(item_ids: Iterable[int]) -> None:
    """YearClosed, naming the earliest closed year, when one of the items ``item_ids``
    belongs to one (for writes that reach items they did not load, as links do)."""
    from .models import Item

    ids = list(item_ids)
    if not ids:
        return
    year = Item.objects.filter(closed_q(), pk__in=ids).order_by("year").values_list("year", flat=True).first()
    if year is not None:
        raise YearClosed(year)


def require(allowed: bool, obj) -> None:
    """A view's gate before a write: PermissionDenied unless ``allowed``. The permissions
    refuse every write in a closed year; where that is why, the person is told so
    (YearClosed) rather than shown a bare 403."""
    if not allowed:
        refuse_closed(obj)
        raise PermissionDenied
