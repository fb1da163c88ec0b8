"""The searchable selects in a browser: a reviewer types two characters in the lead unit
filter, sees the matching units, chooses one and applies the filters; on an item, choosing a
lead unit offers only that unit's people as responsible person. At 1366 and 390 px wide.

Set SCREENSHOTS to a folder to keep the screenshots (they go to pytest's tmp_path otherwise).
"""

import os
from pathlib import Path

import pytest

from tests.browser.conftest import log_in
from tests.factories import AnnualReportFactory, ItemFactory, ReviewerFactory, StaffFactory, UnitFactory
from tracker.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ledger():
    units = [UnitFactory(name=f"县第{n:02d}局") for n in range(40)]
    justice = UnitFactory(name="县司法局", short_name="司法局")
    UnitFactory(name="县司法鉴定中心")
    StaffFactory(first_name="张司法", units=[justice])
    StaffFactory(first_name="李其他", units=[units[0]])
    ReviewerFactory(username="reviewer", password="correct-horse-battery")
    report = AnnualReportFactory(year=2021, state="active")
    ItemFactory(report=report, lead_unit=justice, title="司法局的事项")
    for n in range(5):
        ItemFactory(report=report, lead_unit=units[n], title=f"其他单位的事项{n}")
    return {"justice": justice}


def expect(locator):
    """Playwright's retrying assertions (imported here: the browser fixture skips without it)."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("width", [1366, 390])
def test_a_reviewer_filters_the_list_by_a_unit_found_by_typing(browser, live_server, ledger, tmp_path, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, "reviewer", "correct-horse-battery")
    page.goto("/items/")
    page.click("summary:has-text('筛选')")
    # Tom Select has taken over the plain select, which carries no list of the 42 units.
    assert page.locator("#id_lead_unit-ts-control").is_visible()
    assert page.locator("select#id_lead_unit option").count() <= 2
    page.click("#id_lead_unit-ts-control")
    page.keyboard.type("司法")
    options = page.locator("#id_lead_unit-ts-dropdown .option")
    expect(options).to_have_text(["县司法局", "县司法鉴定中心"])  # by name, nothing else
    page.screenshot(path=str(shots(tmp_path) / f"filter-typed-{width}.png"), full_page=True)
    options.filter(has_text="县司法局").first.click()
    page.click("form.filter-form button[type=submit]")
    page.wait_for_url(f"**lead_unit={ledger['justice'].pk}**")
    assert page.locator("table tbody tr").count() == 1
    assert "司法局的事项" in page.locator("table").inner_text()
    # The filters stay open with the unit chosen shown in its box.
    expect(page.locator(".filter-form .ts-wrapper:has(#id_lead_unit-ts-control) .item")).to_have_text(
        "县司法局"
    )
    page.screenshot(path=str(shots(tmp_path) / f"filter-applied-{width}.png"), full_page=True)
    context.close()


def test_the_responsible_person_is_searched_among_the_lead_units_people(
    browser, live_server, ledger, tmp_path
):
    item = Item.objects.get(title="其他单位的事项0")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, "reviewer", "correct-horse-battery")
    page.goto(item.get_absolute_url())
    page.click("#assign summary")
    # A unit is chosen already (its name stands in the box): click the box, then type.
    page.click("#assign .ts-wrapper:has(#id_lead_unit-ts-control) .ts-control")
    page.keyboard.type("司法局")
    page.locator("#id_lead_unit-ts-dropdown .option", has_text="县司法局").click()
    page.fill("#id_responsible_name", "王科长")  # an official first; then a user after all
    page.click("#assign .ts-wrapper:has(#id_assignee-ts-control) .ts-control")
    people = page.locator("#id_assignee-ts-dropdown .option")
    expect(people).to_have_text(["张司法"])  # not 李其他, of another unit
    people.first.click()
    expect(page.locator("#id_responsible_name")).to_have_value("")  # one or the other
    page.screenshot(path=str(shots(tmp_path) / "item-assign-1366.png"), full_page=True)
    page.click("#assign button[type=submit]")
    page.wait_for_url(f"**/items/{item.pk}/")
    item.refresh_from_db()
    assert item.lead_unit == ledger["justice"] and item.assignee.first_name == "张司法"
    context.close()


def test_the_lead_unit_filter_offers_the_items_without_one(browser, live_server, ledger, tmp_path):
    """The figures count the items without a lead unit in a row of their own; the filter
    offers them too, among the units loaded and while what is typed matches its words."""
    ItemFactory(report=AnnualReportFactory(year=2021), lead_unit=None, title="尚无牵头单位的事项")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, "reviewer", "correct-horse-battery")
    page.goto("/items/")
    page.click("summary:has-text('筛选')")
    page.click("#id_lead_unit-ts-control")
    options = page.locator("#id_lead_unit-ts-dropdown .option")
    expect(options.filter(has_text="未明确牵头单位")).to_have_count(1)
    page.keyboard.type("牵头")
    expect(options).to_have_text(["未明确牵头单位"])
    options.first.click()
    page.click("form.filter-form button[type=submit]")
    page.wait_for_url("**lead_unit=none**")
    assert page.locator("table tbody tr").count() == 1
    assert "尚无牵头单位的事项" in page.locator("table").inner_text()
    page.screenshot(path=str(shots(tmp_path) / "filter-no-lead-unit.png"), full_page=True)
    context.close()
