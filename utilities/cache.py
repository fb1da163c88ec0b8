"""Values kept in Django's cache under a version: raising the version empties them all at once.

Domain-free: what the version is, and who raises it, is the caller's business (the ledger's is
``tracker/ledger_cache.py``). A value is filed under ``prefix:name:version:hash(parts)``, so an
old version's values are simply never asked for again and age out of the cache; nothing is
ever deleted key by key.

``request_memo()`` is a dict that lives as long as one request (``RequestMemoMiddleware``), for
a version that costs a query to read and need not be read twice while a page is drawn.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache

_MISSING = object()
_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("request_memo", default=None)


def cache_key(prefix: str, name: str, version: str, parts: tuple) -> str:
    """The key of one value: readable up to the version, the parts hashed (they may be long,
    and memcached refuses keys over 250 characters or with spaces)."""
    digest = hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()
    return f"{prefix}:{name}:{version}:{digest}"


class VersionedCache:
    """Values built by callers, kept until ``version()`` gives another answer (or, at the
    latest, ``timeout`` seconds: a change the version never heard of is not kept forever)."""

    def __init__(self, prefix: str, *, version: Callable[[], str], timeout: int):
        self.prefix = prefix
        self.version = version
        self.timeout = timeout

    def cached(self, name: str, *parts, build: Callable[[], Any]) -> Any:
        """``build()``, or its value kept for the same ``name`` and ``parts`` at this version.
        ``parts`` must have a stable ``repr`` (numbers, strings, dates, tuples of them)."""
        key = cache_key(self.prefix, name, self.version(), parts)
        value = cache.get(key, _MISSING)
        if value is _MISSING:  # None is a value too
            value = build()
            cache.set(key, value, self.timeout)
        return value


def request_memo() -> dict | None:
    """This request's memo (empty at its start), or None outside a request (commands, tests
    calling code directly): then nothing is remembered."""
    return _memo.get()


class RequestMemoMiddleware:
    """Gives each request an empty ``request_memo()``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
