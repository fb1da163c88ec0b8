"""Printed pages (static/css/print.css): Chromium prints each page to PDF as a person's
browser would, and the PDF's text and page sizes are read back with pypdf.

Every printed page starts with the ledger's header: the page's title, what it shows (the item
list's filters), today's date and who printed it. Wide tables print on landscape pages and
repeat their header row on every page; nothing to press or fill in reaches the paper.
"""

import datetime
import io
import unicodedata

import pytest
from django.utils import timezone

from reports.models import UnitRating
from tests.browser.conftest import log_in
from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    ReviewerFactory,
    SectionFactory,
    StaffFactory,
)
from tracker.choices import Grade

pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed (requirements-dev.txt)")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
ROWS = 40  # long titles: more than one landscape page


def plain(text: str) -> str:
    """Text as compared here: NFKC (the PDF's CJK font maps some characters to their Kangxi
    radical forms, 工 as ⼯; full-width colons become ASCII) and no white space (the PDF
    breaks lines where the paper did)."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def printed(page, url: str) -> list:
    """``url`` printed on A4 as the page's own CSS lays it out: pypdf's pages."""
    page.goto(url)
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    return pypdf.PdfReader(io.BytesIO(pdf)).pages


def text_of(pages) -> list[str]:
    return [plain(sheet.extract_text()) for sheet in pages]


def is_landscape(sheet) -> bool:
    return sheet.mediabox.width > sheet.mediabox.height


def without_header(text: str) -> str:
    """``text`` less the header's words (打印人, 打印时间), to look for the page's own."""
    return text.replace(plain("打印人"), "").replace(plain("打印时间"), "")


def today() -> str:
    return timezone.localdate().isoformat()


@pytest.fixture
def ledger(lead_unit, other_unit):
    """A year of 2021 with ROWS overdue tasks of 县司法局 under one section, another unit's
    task, a rating, a reviewer (李审核) and a staff member of 县司法局 (王经办)."""
    report = AnnualReportFactory(year=2021, state="active", title="测试县2021年度法治政府建设工作台账")
    section = SectionFactory(report=report, number="二、", heading="严格规范公正文明执法")
    items = [
        ItemFactory(
            report=report,
            section=section,
            lead_unit=lead_unit,
            title=f"推进第{n}批行政执法案卷评查，整改发现的问题并按季度向县法治办报送整改情况",
            due_on=datetime.date(2021, 6, 30),
        )
        for n in range(1, ROWS + 1)
    ]
    ItemFactory(report=report, lead_unit=other_unit, title="市场监管领域的另一项任务")
    UnitRating.objects.create(report=report, unit=lead_unit, grade=Grade.EXCELLENT, comment="按期报送")
    return {
        "report": report,
        "item": items[0],
        "reviewer": ReviewerFactory(username="reviewer", first_name="李审核"),
        "staff": StaffFactory(username="staff1", first_name="王经办", units=[lead_unit]),
    }


def assert_header(text: str, *, title: str, person: str) -> None:
    """The first page's header: the ledger, the page's title, who printed it, and today."""
    assert plain("法治政府建设台账") in text
    assert plain(title) in text
    assert plain(f"打印人：{person}") in text
    assert plain(f"打印时间：{today()}") in text


def test_the_printed_item_list_names_its_filters_and_repeats_its_header_on_landscape_pages(
    page, ledger, lead_unit
):
    log_in(page, "reviewer", PASSWORD)
    url = f"/items/?year=2021&lead_unit={lead_unit.pk}&overdue=yes&status=not_started&per_page=100"
    pages = printed(page, url)
    texts = text_of(pages)

    assert len(pages) >= 2
    assert all(is_landscape(sheet) for sheet in pages)
    assert_header(texts[0], title=f"台账事项 共 {ROWS} 项", person="李审核（审核人）")
    assert plain("筛选条件：年度 2021 · 状态 未开始 · 牵头单位 县司法局 · 逾期 仅逾期") in texts[0]
    # Every page starts its table with the header row; the page of the screen's header, once.
    for text in texts:
        assert (
            plain(
                "年度 领域 类型 事项名称 牵头单位 配合单位 责任人 完成时限 状态 亮灯 逾期 催办次数 最近更新"
            )
            in text
        )
    assert sum(text.count(plain("打印时间")) for text in texts) == 1
    everything = "".join(texts)
    assert "市场监管领域的另一项任务" not in everything
    assert everything.count("按季度向县法治办报送整改情况") == ROWS  # no row lost or printed twice
    # No buttons, exports, status chips (no item is 推进中 or 已退回) or bulk assignment on paper.
    for words in ("导出", "打印", "推进中", "已退回", "批量分工"):
        assert plain(words) not in without_header(everything)


def test_print_all_opens_every_row_and_prints_once(page, ledger):
    """打印全部 on a list of several pages: the list with up to 200 rows, printed as it loads;
    the address then loses #print, so a reload does not print again."""
    page.add_init_script("window.print = () => { window.printed = (window.printed || 0) + 1; };")
    log_in(page, "reviewer", PASSWORD)
    page.goto("/items/?year=2021&per_page=10")
    page.click("[data-print-all]")
    page.wait_for_function("window.printed === 1")
    assert page.locator("tbody tr").count() == ROWS + 1
    assert "#print" not in page.url and "per_page=200" in page.url
    page.reload()
    page.wait_for_load_state("load")
    assert page.evaluate("window.printed") is None


def test_the_reviewers_printed_item_table_keeps_each_header_over_its_cells(page, ledger):
    """The reviewer's tick boxes are a column of the screen only: on paper each header stays
    above its own column (issue 17: the headers were one column off)."""
    log_in(page, "reviewer", PASSWORD)
    page.goto("/items/?year=2021")
    page.emulate_media(media="print")
    columns = page.evaluate(
        """() => {
          const shown = (cell) => getComputedStyle(cell).display !== 'none';
          const lefts = (cells) => [...cells].filter(shown).map((cell) => Math.round(cell.getBoundingClientRect().left));
          const table = document.querySelector('table.item-table');
          return {
            header: lefts(table.querySelectorAll('thead th')),
            rows: [...table.querySelectorAll('tbody tr')].map((row) => lefts(row.children)),
            boxes: [...table.querySelectorAll('input[type=checkbox]')].filter((box) => box.offsetParent).length,
          };
        }"""
    )
    assert len(columns["header"]) == 13
    assert columns["rows"] and all(row == columns["header"] for row in columns["rows"])
    assert columns["boxes"] == 0


@pytest.mark.parametrize(
    ("url", "title", "context", "landscape", "shown", "not_shown"),
    [
        ("/", "工作概览", "年度 2021 · 全部单位", False, ["办结率", "县司法局"], ["您好"]),
        # The rating form is the screen's; the paper shows the rating saved.
        ("/units/", "单位考核", "年度 2021", True, ["县司法局", "优 按期报送"], ["保存考核等次", "打印"]),
        (
            "/reports/2021/",
            "2021年度",
            "状态 进行中",
            False,
            ["测试县2021年度法治政府建设工作台账"],
            ["导出", "关闭本年度"],
        ),
    ],
    ids=["dashboard", "scoreboard", "year"],
)
def test_a_reviewers_printed_page_has_its_title_date_and_printer(
    page, ledger, url, title, context, landscape, shown, not_shown
):
    log_in(page, "reviewer", PASSWORD)
    pages = printed(page, url)
    texts = text_of(pages)

    assert_header(texts[0], title=title, person="李审核（审核人）")
    assert plain(context) in texts[0]
    assert all(is_landscape(sheet) == landscape for sheet in pages)
    everything = without_header("".join(texts))
    assert all(plain(words) in everything for words in shown)
    assert not any(plain(words) in everything for words in not_shown)


def test_a_staff_members_printed_item_page_has_its_year_section_and_no_forms(page, ledger):
    item = ledger["item"]
    log_in(page, "staff1", PASSWORD)
    pages = printed(page, f"/items/{item.pk}/")
    texts = text_of(pages)

    assert not any(is_landscape(sheet) for sheet in pages)
    assert_header(texts[0], title="2021年度台账事项", person="王经办（县司法局 · 经办人）")
    assert plain("二、严格规范公正文明执法") in texts[0]
    assert plain(item.title) in texts[0]
    everything = "".join(texts)
    assert plain("县司法局") in everything and plain("2021-06-30") in everything  # the facts
    for form in ("保存进展", "提交审核", "申请延期", "关注"):
        assert plain(form) not in everything
