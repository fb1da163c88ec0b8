"""The benchmark app is no part of the product's settings: its tests run, one test at a time,
with what bench.settings adds (the app, and the URLconf that serves the floor)."""

import pytest

from bench import settings as bench_settings


@pytest.fixture
def bench_app(settings):
    settings.INSTALLED_APPS = bench_settings.INSTALLED_APPS
    settings.ROOT_URLCONF = bench_settings.ROOT_URLCONF
