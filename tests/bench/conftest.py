"""The benchmark app is no part of the product's settings: its tests add it, and its URLconf,
for the length of each test (what bench.settings does for a benchmark run)."""

import pytest


@pytest.fixture
def bench_app(settings):
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench.ledger_bench"]
    settings.ROOT_URLCONF = "bench.ledger_bench.urls"
