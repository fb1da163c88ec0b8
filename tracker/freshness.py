"""Figures counted over many rows (the dashboard, the scoreboard, the list's status chips),
kept in the cache until the ledger changes.

A cached figure is filed under the ledger's version, which has two parts:

* ``LedgerStamp.version`` in the database, raised by one UPDATE after each committed
  transaction that wrote to a ledger table, so every worker process sees the change;
* a counter in this process, raised at once by each such write, so that the writer's own
  next page (and a test, whose transaction never commits) sees it before the commit.

Writes are noticed by a database execute wrapper that reads the statement's verb and table
(``INSERT INTO "tracker_item"``, ``UPDATE``, ``DELETE FROM``), so every path that goes
through Django counts: forms, services, bulk loads, the admin, loaddata. A write from outside
Django (psql) is not noticed; cached figures then live at most FRESH_SECONDS. The version is
read once per request (LedgerVersionMiddleware) and also carries the date, since "overdue"
changes at midnight.
"""

from __future__ import annotations

import contextvars
import hashlib
import itertools
import logging
import re

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from .selectors import today

logger = logging.getLogger(__name__)

FRESH_SECONDS = 300
WATCHED = frozenset(
    {
        "tracker_item",
        "tracker_item_cooperating_units",
        "tracker_item_addresses",
        "tracker_progressupdate",
        "tracker_evidence",
        "tracker_review",
        "tracker_extensionrequest",
        "reports_unitrating",
        "tracker_unit",
        "tracker_area",
        "tracker_metric",
        "reports_annualreport",
        "reports_section",
    }
)
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_BUMP = "UPDATE tracker_ledgerstamp SET version = version + 1 WHERE id = 1"

_local = itertools.count(1)
_local_version = 0
_request_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("ledger_version", default=None)


def _noticed_write(sql: str) -> bool:
    match = _WRITE.match(sql)
    return bool(match) and match.group(1) in WATCHED


def _bump_database(using):
    from django.db import connections

    conn = connections[using]
    if not getattr(conn, "_ledger_stamp_ready", False):
        # Before migration 0014 (data migrations write areas and groups) there is no stamp.
        if "tracker_ledgerstamp" not in conn.introspection.table_names():
            return
        conn._ledger_stamp_ready = True
    with conn.cursor() as cursor:
        cursor.execute(_BUMP)


def _after_commit(using):
    def bump():
        _bump_database(using)

    bump.ledger_bump = True
    return bump


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and _noticed_write(sql):
        global _local_version
        _local_version = next(_local)
        conn = context["connection"]
        if not conn.in_atomic_block:
            # Autocommit: the write is committed already. A failure here must not fail the
            # write (cached figures then live at most FRESH_SECONDS).
            try:
                _bump_database(conn.alias)
            except DatabaseError:
                logger.exception("could not raise the ledger version")
        elif not any(getattr(func, "ledger_bump", False) for _ids, func, _robust in conn.run_on_commit):
            # Once per transaction (a rolled-back savepoint drops it, and the next write
            # registers it again); robust: logged, never raised, after the commit.
            transaction.on_commit(_after_commit(conn.alias), using=conn.alias, robust=True)
    return result


@receiver(connection_created)
def _install(sender, connection, **kwargs):
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def ledger_version() -> str:
    """The version cached figures are filed under (one query; once per request)."""
    memo = _request_memo.get()
    if memo is not None and "version" in memo:
        return memo["version"]
    from .models import LedgerStamp

    stored = LedgerStamp.objects.filter(pk=1).values_list("version", flat=True).first()
    if stored is None:  # emptied by a flush: start again
        LedgerStamp.objects.get_or_create(pk=1)
        stored = 0
    version = _version_from(stored)
    if memo is not None:
        memo["version"] = version
    return version


def stored_version():
    """The stored version as a subquery, to read with a query a page makes anyway
    (``.annotate(ledger_version=stored_version())``, then ``note_version``)."""
    from django.db.models import Subquery

    from .models import LedgerStamp

    return Subquery(LedgerStamp.objects.filter(pk=1).values("version")[:1])


def note_version(stored: int | None) -> None:
    """The stored version, read alongside another query: this request needs no query of its own."""
    memo = _request_memo.get()
    if memo is not None and "version" not in memo and stored is not None:
        memo["version"] = _version_from(stored)


def _version_from(stored: int) -> str:
    """The stored version, this process's writes, and the date (overdue changes at midnight)."""
    return f"{stored}.{_local_version}.{today().isoformat()}"


def cached(name: str, *parts, build):
    """``build()``, or its value cached for the same ``parts`` at the same ledger version."""
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()
    key = f"ledger:{name}:{ledger_version()}:{digest}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:  # None is a value too (a search too wide to count)
        value = build()
        cache.set(key, value, FRESH_SECONDS)
    return value


_MISSING = object()


class LedgerVersionMiddleware:
    """Reads the ledger's version at most once per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            return self.get_response(request)
        finally:
            _request_memo.reset(token)
