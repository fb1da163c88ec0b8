"""utilities.cache: values kept under a version, and a memo that lasts one request."""

import ast
from pathlib import Path

from django.test import RequestFactory

import utilities.cache
from utilities.cache import RequestMemoMiddleware, VersionedCache, cache_key, request_memo


def test_a_value_is_built_once_per_version_and_parts():
    version = ["1"]
    calls = []
    figures = VersionedCache("t", version=lambda: version[0], timeout=60)

    def build():
        calls.append(1)
        return len(calls)

    assert figures.cached("n", 2020, build=build) == 1
    assert figures.cached("n", 2020, build=build) == 1
    assert figures.cached("n", 2021, build=build) == 2  # other parts, other value
    version[0] = "2"  # a new version: every value is built again
    assert figures.cached("n", 2020, build=build) == 3


def test_keys_are_short_and_free_of_spaces_whatever_the_parts():
    key = cache_key("ledger", "status_counts", "3.0.2026-01-01", ("all", "q=行政 执法" * 100))
    assert " " not in key and len(key) < 100
    assert key.startswith("ledger:status_counts:3.0.2026-01-01:")


def test_the_memo_lasts_one_request():
    seen = []

    def view(request):
        memo = request_memo()
        seen.append(dict(memo))
        memo["version"] = 7
        return None

    middleware = RequestMemoMiddleware(view)
    middleware(RequestFactory().get("/"))
    middleware(RequestFactory().get("/"))
    assert seen == [{}, {}]
    assert request_memo() is None  # outside a request nothing is remembered


def test_the_bottom_layer_knows_neither_app():
    tree = ast.parse(Path(utilities.cache.__file__).read_text())
    imported = {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.split(".")[0] in {"tracker", "reports"}}
