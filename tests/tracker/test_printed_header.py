"""The printed pages' header (partials/print_header.html and each page's print_context block):
who printed the page and when, the page's title, and what narrows the item list, in words."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AnnualReportFactory, ItemFactory, SectionFactory, StaffFactory
from tracker.choices import ItemKind, ItemStatus
from tracker.models import Area

pytestmark = pytest.mark.django_db


class ElementText(HTMLParser):
    """The text of the first element whose class list holds ``css_class``."""

    VOID = {"br", "img", "input", "meta", "link", "hr"}

    def __init__(self, css_class: str):
        super().__init__()
        self.css_class, self.depth, self.found, self.parts = css_class, 0, False, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth:
            self.depth += 1
        elif not self.found and self.css_class in (dict(attrs).get("class") or "").split():
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def printed(page: str, css_class: str) -> str:
    """The words of the page's element of ``css_class`` (print-header, print-context)."""
    parser = ElementText(css_class)
    parser.feed(page)
    assert parser.found, f"no {css_class} on the page"
    return " ".join("".join(parser.parts).split())


@pytest.fixture
def listed(lead_unit, other_unit):
    report = AnnualReportFactory(year=2021, state="active")
    AnnualReportFactory(year=2020, state="closed")
    section = SectionFactory(report=report, number="二、", heading="严格规范公正文明执法")
    return ItemFactory(
        report=report,
        section=section,
        lead_unit=lead_unit,
        title="行政执法案卷评查",
        status=ItemStatus.RETURNED,
    )


@pytest.mark.parametrize(
    ("role", "about"),
    [("lead", "（县司法局 · 经办人）"), ("reviewer", "（审核人）"), ("leader", "（领导）")],
)
def test_the_printed_header_names_the_printer_with_their_role_and_the_day(clients, listed, role, about):
    client = clients[role]
    page = client.get(reverse("home")).content.decode()
    header = printed(page, "print-header")
    name = client.user.first_name
    assert f"打印人：{name}{about}" in header
    assert f"打印时间：{timezone.localdate().isoformat()}" in header
    assert 'class="print-header d-none d-print-flex"' in page  # on paper only


def test_the_printed_item_list_names_every_filter_in_force_in_words(reviewer_client, listed, lead_unit):
    person = StaffFactory(first_name="李华", units=[lead_unit])
    area = Area.objects.get(code="2015-functions")
    query = {
        "year": "2021",
        "status": "returned",
        "q": "执法",
        "kind": ItemKind.TASK,
        "lead_unit": lead_unit.pk,
        "area": area.pk,
        "assignee": person.pk,
        "due_after": "2021-01-01",
        "overdue": "no",
        "section": listed.section_id,
    }
    page = reviewer_client.get(reverse("tracker:items"), query).content.decode()
    context = printed(page, "print-context")
    assert context.startswith("台账事项 共 0 项")
    assert (
        "筛选条件：关键词 “执法” · 年度 2021 · 状态 已退回 · 领域 "
        f"{area.name} · 类型 工作任务 · 牵头单位 县司法局 · 责任人 李华 · 时限不早于 2021-01-01 · "
        "逾期 未逾期 · 章节 2021 二、严格规范公正文明执法"
    ) in context


def test_the_printed_item_list_says_the_year_it_opened_on_and_the_staffs_scope(staff_client, listed):
    page = staff_client.get(reverse("tracker:items")).content.decode()
    assert "筛选条件：年度 2021 · 显示范围 本单位牵头" in printed(page, "print-context")
    page = staff_client.get(reverse("tracker:items"), {"scope": "all", "year": "all"}).content.decode()
    assert "筛选条件：年度 全部年度 · 显示范围 全部可见" in printed(page, "print-context")


def test_a_refused_filter_is_left_out_of_the_printed_filters(reviewer_client, listed):
    page = reviewer_client.get(
        reverse("tracker:items"), {"year": "2021", "due_after": "soon"}
    ).content.decode()
    context = printed(page, "print-context")
    assert "年度 2021" in context and "时限不早于" not in context


def test_a_list_of_several_pages_says_which_rows_are_printed(reviewer_client, listed, lead_unit):
    for n in range(4):
        ItemFactory(report=listed.report, lead_unit=lead_unit, title=f"任务{n}")
    page = reviewer_client.get(reverse("tracker:items"), {"per_page": 2, "page": 2}).content.decode()
    assert "第3–4项：列表第2页，共3页" in printed(page, "print-context")


def test_a_list_of_several_pages_offers_to_print_every_row_with_its_filters(
    reviewer_client, listed, lead_unit
):
    for n in range(4):
        ItemFactory(report=listed.report, lead_unit=lead_unit, title=f"任务{n}")
    page = reviewer_client.get(
        reverse("tracker:items"), {"per_page": 2, "status": "not_started"}
    ).content.decode()
    assert "打印全部（最多200项）" in page
    href = page[page.index("data-print-all") - 200 : page.index("data-print-all")]
    assert "per_page=200" in href and "status=not_started" in href and "#print" in href
    whole = reviewer_client.get(reverse("tracker:items"), {"per_page": 200}).content.decode()
    assert "打印全部" not in whole  # one page: the 打印 button prints it all
