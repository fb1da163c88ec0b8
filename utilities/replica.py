"""Reads of the heavy pages from a read replica, when one is configured (``DATABASE_REPLICA_URL``).

The block and the view decorator live here (the bottom layer, which both apps may import);
the router that reads them is ``config/routers.py``.

The router sends a query to the ``replica`` alias only while ``replica_reads()`` is active in
the current context (a contextvar: a thread's or a task's own) and the replica is switched on
(``settings.LEDGER_READ_REPLICA``, set with ``DATABASE_REPLICA_URL``). Every write, and every
read outside such a block, goes to ``default``. Without a replica nothing changes.

Which pages read from the replica: those that only read and count over many rows, the
dashboard (the home page), the scoreboard, the year page and the year's exports (the views
carry ``@replica_view``). A replica lags its primary by a moment, so a person who has just
saved something and opens one of these pages may see the figures of a moment before; the
item pages, lists and forms, which must show one's own write at once, read from ``default``.
The ledger's version (tracker/ledger_cache.py) is read on the replica too on those pages, so
the cached figures are never older than the version they are filed under.

Decided here: a decorator rather than middleware, so that a POST (and the session and
messages writes after any view) never runs inside the block; and a streamed response (the
CSV export, whose rows are read while the body is sent) keeps reading from the replica.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError
from django.http import FileResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar("ledger_replica_reads", default=False)


@contextmanager
def replica_reads():
    """Inside this block, reads go to the replica (when one is configured); writes never do.
    Also a decorator (``@replica_reads()``)."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reading_from_replica() -> bool:
    """Whether a read made now goes to the replica."""
    return _replica_reads.get() and replica_in_use()


# A replica found not answering is left alone for this long (seconds, per process): its pages
# read from default meanwhile, without waiting for it on every request.
REPLICA_RETRY_SECONDS = 30
_replica_down_until = 0.0


def replica_in_use() -> bool:
    """Whether a replica is configured and was not found down in the last seconds."""
    return getattr(settings, "LEDGER_READ_REPLICA", False) and time.monotonic() >= _replica_down_until


def replica_view(view):
    """A view whose reads go to the replica, including those a streamed body makes later.

    A replica that does not answer costs no page: the view runs again on default (these views
    only read), and the replica is left alone for ``REPLICA_RETRY_SECONDS``. A database error
    while the replica answers is the view's own and is raised as it is."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not replica_in_use():
            return view(request, *args, **kwargs)
        try:
            with replica_reads():
                response = view(request, *args, **kwargs)
        except DatabaseError:
            if replica_answers():
                raise
            _mark_replica_down()
            logger.warning("The read replica does not answer: %s reads from the primary", request.path)
            return view(request, *args, **kwargs)
        if getattr(response, "streaming", False) and not isinstance(response, FileResponse):
            response.streaming_content = _in_replica_block(response.streaming_content)
        return response

    return wrapped


def replica_answers() -> bool:
    """Whether the replica answers ``SELECT 1`` now (a connection that broke is opened again)."""
    from django.db import connections

    connection = connections[REPLICA]
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _mark_replica_down() -> None:
    global _replica_down_until
    _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS


def replica_back() -> None:
    """Forget that the replica was found down (tests; its retry time passing does the same)."""
    global _replica_down_until
    _replica_down_until = 0.0


def _in_replica_block(chunks):
    iterator = iter(chunks)
    while True:
        with replica_reads():
            chunk = next(iterator, _END)
        if chunk is _END:
            return
        yield chunk


_END = object()
