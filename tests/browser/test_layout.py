"""Each role's main pages at the widths county offices use (issue 17): no page scrolls
sideways, every menu entry stays reachable (behind the menu button where the bar does not fit,
by keyboard too), the year selector's 查看 stays on one line beside it, the rating comment
shows all its text, and the item page's forms take a phone's whole width."""

import pytest
from django.urls import reverse

from tests.browser.conftest import log_in
from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    LeaderFactory,
    ReviewerFactory,
    StaffFactory,
    UnitFactory,
)
from tests.tracker.steering import submit
from tracker.choices import ItemKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
LONG_TITLES = [
    "全面推行行政执法公示制度、执法全过程记录制度和重大执法决定法制审核制度并建立健全配套工作机制",
    "深化“放管服”改革，优化营商环境，推进政务服务事项“一网通办”“跨省通办”和“最多跑一次”",
    "健全重大行政决策程序制度，落实公众参与、专家论证、风险评估、合法性审查和集体讨论决定",
    "加强行政复议和行政应诉工作，推动行政机关负责人出庭应诉率达到百分之百并做好败诉案件分析",
    "部分乡镇和部门法治宣传教育针对性不强，以案释法、普法责任制落实不到位，群众参与度有待提高",
]
# What each role's menu holds, wherever it is drawn (name: the user menu's toggle).
MENUS = {
    "staff": ["home", "tracker:items", "reports:list", "scoreboard", "tracker:inbox", "password_change"],
    "leader": ["home", "tracker:items", "reports:list", "scoreboard", "tracker:inbox", "password_change"],
    "reviewer": [
        "home",
        "tracker:items",
        "reports:list",
        "tracker:review",
        "scoreboard",
        "reports:import",
        "tracker:inbox",
        "admin:index",
        "password_change",
    ],
}
MENU_LINKS = "nav.navbar a.nav-link:not(.dropdown-toggle), nav.navbar a.dropdown-item"
MENU_BUTTONS = "nav.navbar button.dropdown-item"  # 中文, English, 退出


@pytest.fixture
def ledger():
    """Two years (so that pages offer a year selector), a unit with a long name, and items
    with long Chinese titles; one submitted, so that the review queue has a card."""
    unit = UnitFactory(name="县市场监督管理局综合行政执法支队", short_name="市场监管局")
    AnnualReportFactory(year=2020, state="active")
    report = AnnualReportFactory(year=2021, state="active")
    staff = StaffFactory(username="staff", first_name="欧阳经办", units=[unit])
    items = [
        ItemFactory(report=report, title=title, lead_unit=unit, kind=kind)
        for title, kind in zip(LONG_TITLES, [*[ItemKind.TASK] * 4, ItemKind.SHORTFALL], strict=True)
    ]
    ItemFactory(report=AnnualReportFactory(year=2020), title=LONG_TITLES[0], lead_unit=unit)
    submit(items[0], staff)
    ReviewerFactory(username="reviewer", first_name="李审核", is_staff=True)
    LeaderFactory(username="leader", first_name="张县长")
    return {"item": items[1], "year": 2021}


def main_pages(role, ledger):
    pages = [
        "/",
        "/items/",
        f"/items/{ledger['item'].pk}/",
        "/reports/",
        f"/reports/{ledger['year']}/",
        "/units/",
        "/accounts/password_change/",
        "/inbox/",
    ]
    if role == "reviewer":
        pages += ["/review/", "/reports/import/"]
    return pages


def assert_no_sideways_scroll(page, where):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{where}: the page is {scroll} px wide in a {inner} px window"


def open_menus(page):
    """Opens the collapsed menu (if the bar is collapsed) and the user's menu."""
    toggler = page.locator("nav.navbar .navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        page.locator("#main-menu.show").wait_for()
    page.locator("nav.navbar .dropdown-toggle").click()
    page.locator("#user-menu.show").wait_for()


def menu_hrefs(page):
    """Every menu entry's href, after checking that it is visible and would take a click."""
    links = page.locator(MENU_LINKS)
    hrefs = []
    for i in range(links.count()):
        links.nth(i).click(trial=True)  # visible, enabled, not covered: waits, else fails
        hrefs.append(links.nth(i).get_attribute("href"))
    buttons = page.locator(MENU_BUTTONS)
    assert buttons.count() == 3
    for i in range(buttons.count()):
        buttons.nth(i).click(trial=True)
    return hrefs


def keyboard_hrefs(page):
    """The menu's hrefs as a keyboard user reaches them: Tab from the top of the page, Enter
    on the menu button and on the user's name, until the focus leaves the bar."""
    page.evaluate("document.activeElement.blur()")
    hrefs = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """(links) => { const e = document.activeElement;
                            return {inNav: !!e.closest('nav.navbar'), entry: e.matches(links),
                                    href: e.getAttribute('href'), toggles: e.hasAttribute('data-bs-toggle'),
                                    expanded: e.getAttribute('aria-expanded')}; }""",
            MENU_LINKS,
        )
        if not focused["inNav"]:
            if hrefs:
                break
            continue
        if focused["toggles"] and focused["expanded"] != "true":
            page.keyboard.press("Enter")
            page.wait_for_function("document.activeElement.getAttribute('aria-expanded') === 'true'")
        elif focused["entry"]:
            hrefs.append(focused["href"])
    return hrefs


@pytest.mark.parametrize("role", ["staff", "reviewer", "leader"])
def test_main_pages_fit_every_width_and_the_menu_stays_reachable(browser, live_server, ledger, role):
    expected = [reverse(name) for name in MENUS[role]]
    context = browser.new_context(viewport={"width": 1920, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10000)
    log_in(page, role, PASSWORD)

    # The wide bar: every entry in it, none behind a menu button.
    assert not page.locator("nav.navbar .navbar-toggler").is_visible()
    page.locator("nav.navbar .dropdown-toggle").click()
    assert menu_hrefs(page) == expected
    page.keyboard.press("Escape")

    for language, widths in (("zh-hans", (1093, 1024, 390)), ("en", (1366, 1093))):
        if language == "en":
            page.set_viewport_size({"width": 1920, "height": 900})
            page.goto("/")
            open_menus(page)
            page.click("nav.navbar button[lang=en]")
            page.wait_for_selector("html[lang=en]")
        for width in widths:
            page.set_viewport_size({"width": width, "height": 900})
            for path in main_pages(role, ledger):
                page.goto(path)
                assert_no_sideways_scroll(page, f"{path} at {width} px ({language})")
            # Where the Chinese bar is whole on a 1,366 px laptop at 125 % (1,093 px), it stays
            # one row; narrower, the entries move behind the menu button.
            toggler = page.locator("nav.navbar .navbar-toggler")
            if language == "zh-hans":
                assert toggler.is_visible() == (width < 992), width
            if not toggler.is_visible():
                assert page.locator("nav.navbar").bounding_box()["height"] < 70
            open_menus(page)
            assert menu_hrefs(page) == expected, f"{width} px ({language})"
            assert_no_sideways_scroll(page, f"the open menu at {width} px ({language})")

    for width in (390, 1920):  # behind the menu button, and on the whole bar
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/units/")
        assert keyboard_hrefs(page) == expected, f"by keyboard at {width} px"
    context.close()


def test_without_javascript_the_menus_open_as_anchors(browser, live_server, ledger):
    """Should Bootstrap's JS fail to load, the toggles still open their menus."""
    expected = [reverse(name) for name in MENUS["reviewer"]]
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    log_in(page, "reviewer", PASSWORD)
    for width in (390, 1093):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto("/items/")
        assert not page.locator(MENU_LINKS).last.is_visible()
        if width < 992:
            page.click("nav.navbar .navbar-toggler")
        page.click("nav.navbar .dropdown-toggle")
        assert menu_hrefs(page) == expected
        assert_no_sideways_scroll(page, f"the open menu at {width} px without JS")
    context.close()


def test_the_year_buttons_stay_beside_their_selectors(browser, live_server, ledger):
    context = browser.new_context(viewport={"width": 1093, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "leader", PASSWORD)
    for width in (1366, 1093, 390, 360):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/", "/units/"):
            page.goto(path)
            form = page.locator("form:has(select[name=year])")
            assert form.count() == 1, path
            select = form.locator("select").bounding_box()
            button = form.locator("button[type=submit]").bounding_box()
            assert abs(button["y"] - select["y"]) < 4 and button["x"] > select["x"], (path, width)
            assert button["height"] < 40, f"查看 wraps on {path} at {width} px"
    context.close()


def test_a_long_rating_comment_is_shown_whole(browser, live_server, ledger):
    context = browser.new_context(viewport={"width": 1093, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "reviewer", PASSWORD)
    page.goto("/units/")
    comment = page.locator("#ratings textarea[name^=comment_]").first
    text = "台账更新及时，佐证材料齐全；但两项整改措施逾期未完成，需在下一年度第一季度内补齐并报法治办备案。"
    comment.fill(text)
    for width in (1093, 390):
        page.set_viewport_size({"width": width, "height": 900})
        box = comment.evaluate(
            "e => ({scroll: e.scrollHeight, client: e.clientHeight, lines: e.clientHeight / parseFloat(getComputedStyle(e).lineHeight)})"
        )
        assert box["scroll"] <= box["client"] and box["lines"] > 2, (width, box)
        assert_no_sideways_scroll(page, f"ratings at {width} px")
    context.close()


def test_the_item_page_and_the_staff_home_suit_a_phone(browser, live_server, ledger):
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "staff", PASSWORD)
    page.goto(f"/items/{ledger['item'].pk}/")
    fields = page.locator(
        "main form textarea:visible, main form select:visible, main form input[type=file]:visible"
    )
    assert fields.count() >= 3
    for i in range(fields.count()):
        assert fields.nth(i).bounding_box()["width"] >= 300, fields.nth(i).get_attribute("name")
    buttons = page.locator("main form button[type=submit]:visible")
    assert buttons.count() >= 2
    for i in range(buttons.count()):
        assert buttons.nth(i).bounding_box()["height"] >= 36
    for path in ("/", f"/items/{ledger['item'].pk}/"):
        page.goto(path)
        assert_no_sideways_scroll(page, path)
        # No squeezed column: no cell stacks its text one or two characters a line.
        squeezed = page.evaluate(
            """() => [...document.querySelectorAll('main td, main th')].filter(cell => {
                 const text = cell.innerText.trim(), tops = [];
                 const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
                 while (walker.nextNode()) {
                   const range = document.createRange();
                   range.selectNodeContents(walker.currentNode);
                   for (const r of range.getClientRects()) tops.push(r.top);
                 }
                 tops.sort((a, b) => a - b);
                 const gap = parseFloat(getComputedStyle(cell).fontSize) / 2;
                 const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > gap).length;
                 return text.length > 2 && lines > 1 && text.length / lines <= 2;
               }).map(cell => cell.innerText.trim())"""
        )
        assert not squeezed, (path, squeezed)
    context.close()
