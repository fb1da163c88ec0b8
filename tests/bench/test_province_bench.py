"""bench/province_bench.py's helpers that need no server: finding the roll-up page."""

import pytest

from bench import province_bench

pytestmark = [pytest.mark.usefixtures("bench_app")]


def test_the_rollup_page_is_found_by_its_url_name_with_the_year():
    assert province_bench._rollup_path("", 2024) == "/governments/?year=2024"
    assert province_bench._named_path("rollup_shortfalls", 2024) == "/governments/shortfalls/?year=2024"


def test_a_given_rollup_path_wins_and_keeps_its_own_year():
    assert province_bench._rollup_path("/elsewhere/", 2024) == "/elsewhere/?year=2024"
    assert province_bench._rollup_path("/elsewhere/?year=2019", 2024) == "/elsewhere/?year=2019"


def test_a_missing_name_gives_no_path():
    assert province_bench._named_path("no_such_page", 2024) == ""
