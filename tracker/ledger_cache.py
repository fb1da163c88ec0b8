"""Where the ledger's cached figures are emptied: ``ledger_changed()``, and nowhere else.

Figures counted over many rows (the dashboard, the scoreboard, the year page's outline and
work, the list's status chips, the review queue's length) are kept in Django's cache
(``utilities.cache``) under the ledger's version, and read only by selectors (``cached``
below). Every path that writes to the ledger says so by calling ``ledger_changed()``, which
raises the version; nothing reads SQL to guess it. The callers: each write service of
``tracker/services.py``, ``reports/services.py`` and ``reports/tasksheet_services.py`` (the
importers and the rollover among them), the admin (``tracker.admin.LedgerChangedAdminMixin``),
a restore (``reports/backup.py``) and the commands that load data (``reports/demo.py`` for
load_demo, seed_scale). ``tests/tracker/test_ledger_cache.py`` fails for a write service or
a ledger model's admin that forgets. A write that never says so (psql, a script) is seen
after ``FRESH_SECONDS`` at most, when the figures expire.

The version has three parts:

* ``LedgerStamp.version``, one row in the database, raised by ``ledger_changed`` in
  ``transaction.on_commit`` (robust: a failure is logged and never fails the write; nothing
  is raised for a transaction rolled back). Every worker process reads it once per request
  (``utilities.cache.request_memo``), so every worker sees a change on its next page. It
  lives in the database and not in the cache because the default cache, LocMemCache, is each
  worker's own: a version kept there would be raised in the writer's process only, and a
  deployment with several gunicorn workers and no Redis would serve stale figures. With
  ``REDIS_URL`` the figures are shared (each change is counted once, not once per worker)
  but the version stays in the database all the same: one code path, one cheap read of a
  one-row table per page (the year page reads it alongside a query it makes anyway:
  ``stored_version`` / ``note_version``), and a restored database carries its own version,
  which the cache could not know (reports/backup.py moves it past the old one).
* this thread's changes not yet committed: a number that ``ledger_changed`` sets at once (so
  the writer's own reads inside its transaction, and a test, whose transaction never
  commits, see the change), and that the commit sets back to 0 once the stored version has
  risen. So, committed, every worker files the figures under the same key and, with Redis,
  shares them. It belongs to the thread, as the database connection does: another thread's
  pending write is not another request's business. A transaction rolled back after it said
  so leaves the number set, and this thread on keys of its own, until its next commit (the
  services say so last, after their writes, so that figures are rarely read in between).
* today's date: "overdue" changes at midnight without any write.
"""

from __future__ import annotations

import itertools
import threading

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import BigIntegerField, F, Subquery, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from utilities.cache import VersionedCache, request_memo

from .models import LedgerStamp

FRESH_SECONDS = 300
_MEMO_KEY = "ledger_stored_version"

_numbers = itertools.count(1)
_pending = threading.local()


def ledger_changed(*, past: int = 0, using: str = DEFAULT_DB_ALIAS) -> None:
    """Say that the ledger changed (items, their history, units, areas, reports, ratings):
    every cached figure is counted again on its next read, in every worker process once the
    current transaction commits, in this one at once.

    ``past``: the stored version must end above it too (a restore replaced the database, and
    the stored version with it, which may now be one that figures were cached under before)."""
    _pending.number = next(_numbers)
    transaction.on_commit(lambda: _committed(past, using), using=using, robust=True)


def _committed(past: int, using: str) -> None:
    _raise_stored(past, using)
    # The stored version tells every process now; if raising it failed, this thread keeps
    # its own keys (and sees its change) until the next commit.
    _pending.number = 0


def _raise_stored(past: int, using: str) -> None:
    stamps = LedgerStamp.objects.using(using).filter(pk=1)
    if not stamps.update(version=Greatest(F("version"), Value(past), output_field=BigIntegerField()) + 1):
        LedgerStamp.objects.using(using).get_or_create(pk=1, defaults={"version": past + 1})


def ledger_version() -> str:
    """The version cached figures are filed under (one query, at most once per request)."""
    memo = request_memo()
    stored = memo.get(_MEMO_KEY) if memo is not None else None
    if stored is None:
        stored = LedgerStamp.objects.filter(pk=1).values_list("version", flat=True).first()
        if stored is None:  # emptied by a flush: start again
            LedgerStamp.objects.get_or_create(pk=1)
            stored = 0
        if memo is not None:
            memo[_MEMO_KEY] = stored
    # The figures count overdue and due-soon items as of today, and the lights by the yellow
    # days set: either changing files them anew.
    day = timezone.localdate().isoformat()
    return f"{stored}.{getattr(_pending, 'number', 0)}.{day}.y{settings.LEDGER_LIGHT_YELLOW_DAYS}"


def stored_version() -> Subquery:
    """The stored version as a subquery, to read with a query a page makes anyway
    (``.annotate(ledger_version=stored_version())``, then ``note_version``)."""
    return Subquery(LedgerStamp.objects.filter(pk=1).values("version")[:1])


def note_version(stored: int | None) -> None:
    """The stored version, read alongside another query: this request needs no query of its own."""
    memo = request_memo()
    if memo is not None and stored is not None:
        memo.setdefault(_MEMO_KEY, stored)


_figures = VersionedCache("ledger", version=ledger_version, timeout=FRESH_SECONDS)
#: ``cached(name, *parts, build=...)``: for selectors only.
cached = _figures.cached
