# ruff: noqa: F811 - "counties" is the fixture imported from tests/test_government_walk.py
"""Two sibling counties under one city, walked in Chromium as their people see them (issue 19):
each county's staff, reviewer and leader find their own county's items and nothing of the
sibling's on the pages they use; the city's reviewer sees both, side by side in the roll-up.
Screenshots go to $BROWSER_SHOTS (default: the test's temporary folder)."""

import os

import pytest

from tests.test_government_walk import DISTINCT, counties  # noqa: F401 - the fixture

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # tests/factories.py's
PAGES = ("/", "/items/?year=all", "/reports/2020/", "/inbox/", "/review/")
SIBLING = {"a": "b", "b": "a"}


def shots(tmp_path):
    folder = os.environ.get("BROWSER_SHOTS") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    return folder


def test_each_countys_people_see_their_county_and_nothing_of_the_siblings(
    browser, live_server, counties, tmp_path
):
    folder = shots(tmp_path)
    for key, other in SIBLING.items():
        for role, user in counties[key]["people"].items():
            context = browser.new_context(viewport={"width": 1093, "height": 900}, base_url=live_server.url)
            page = context.new_page()
            page.set_default_timeout(15000)
            log_in(page, user.username, PASSWORD)
            for path in PAGES:
                page.goto(path)
                text = page.inner_text("body")
                leaked = [secret for secret in DISTINCT[other] if secret in text]
                assert not leaked, (key, role, path, leaked)
                if path.startswith("/items/"):
                    assert DISTINCT[key][0] in text, (key, role, "own task missing from the list")
                    page.screenshot(path=f"{folder}/county-{key}-{role}-items.png", full_page=True)
            # The government switch is a supervisor's: no county person is offered the sibling.
            assert (
                page.locator("select[name=government]").count() == 0
                or not page.locator(
                    f"select[name=government] option[value='{counties[other]['government'].pk}']"
                ).count()
            )
            context.close()


def test_the_citys_reviewer_sees_both_counties_in_the_rollup_and_the_list(
    browser, live_server, counties, tmp_path
):
    folder = shots(tmp_path)
    for width in (1093, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server.url)
        page = context.new_page()
        page.set_default_timeout(15000)
        log_in(page, counties["city_reviewer"].username, PASSWORD)
        page.goto("/governments/?year=2020")
        rollup = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
        assert "新乡县" in rollup and "获嘉县" in rollup
        page.screenshot(path=f"{folder}/city-rollup-{width}.png", full_page=True)
        page.goto("/items/?year=all")
        listed = page.inner_text("body")
        assert DISTINCT["a"][0] in listed and DISTINCT["b"][0] in listed
        # Each row says its county: the two 县…局 rows are told apart.
        assert page.locator("td.column-government").count() >= 2
        page.screenshot(path=f"{folder}/city-items-{width}.png", full_page=True)
        context.close()
