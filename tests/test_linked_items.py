"""Linked items seen from one side only (issue 13, point 3).

A measure answers a shortfall; an item carried into the next year points back at last
year's. Each end may belong to a different unit. Wherever a linked item shows (the item page,
the year page's 上年度问题整改情况 and figures, the XLSX ledger, the DOCX draft), a person sees
its title, status, unit and notes only if he or she may see that item; otherwise a neutral
"其他单位事项 N 项". The scene is the ``linked`` fixture (tests/conftest.py): A = 县司法局
(``staff_client``), B = 县市场监督管理局 (``other_staff_client``), C = 县财政局
(``coop_staff_client``).
"""

import io

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from tests.factories import ItemFactory

pytestmark = pytest.mark.django_db

OTHERS_ONE = "其他单位事项 1 项"
B_SECRETS = ("B单位内部整改措施", "B单位内部进展", "已约谈三名责任人")
C_SECRETS = ("C单位接续审查任务", "C单位内部进展")


def links_card(page: str) -> str:
    """The item page's "关联事项" card."""
    start = page.index("关联事项")
    return page[start : page.index("</ul>", start)]


def last_year_section(page: str) -> str:
    start = page.index('class="card shadow-sm mb-3 last-year"')
    return page[start : page.index("</section>", start)]


def stated_section(page: str) -> str:
    """The year page's "存在问题及整改情况": the problems its report stated."""
    start = page.index('class="card shadow-sm mb-3 stated"')
    return page[start : page.index("</section>", start)]


def sheet_rows(client, year: int, sheet: str) -> list[list]:
    response = client.get(reverse("reports:export", args=[year, "xlsx"]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book[sheet].iter_rows(min_row=3, values_only=True)]


def docx_text(client, year: int) -> str:
    response = client.get(reverse("reports:export", args=[year, "docx"]))
    document = Document(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(p.text for p in document.paragraphs)


def assert_none_of(secrets, text: str) -> None:
    leaked = [secret for secret in secrets if secret in text]
    assert not leaked, f"leaked: {leaked}"


# -- the item page -------------------------------------------------------------------------


def test_lead_unit_sees_its_shortfall_and_only_a_count_of_another_units_measure(clients, linked):
    page = clients["lead"].get(linked.shortfall.get_absolute_url()).content.decode()
    assert_none_of(B_SECRETS, page)
    card = links_card(page)
    assert "A单位充实执法力量" in card  # its own measure, as before
    assert OTHERS_ONE in card
    assert linked.measure.get_absolute_url() not in card
    assert "已退回" not in card and "县市场监督管理局" not in card  # no state, no unit
    for role in ("leader", "reviewer"):  # both ends, no count
        card = links_card(clients[role].get(linked.shortfall.get_absolute_url()).content.decode())
        assert "A单位充实执法力量" in card and "B单位内部整改措施" in card and "已退回" in card
        assert "其他单位事项" not in card


def test_measure_unit_sees_its_measure_and_only_a_count_of_the_shortfall(clients, linked):
    page = clients["other"].get(linked.measure.get_absolute_url()).content.decode()
    assert "B单位内部整改措施" in page
    card = links_card(page)
    assert "A单位执法人员不足" not in page
    assert OTHERS_ONE in card and linked.shortfall.get_absolute_url() not in card
    assert "整改中" not in card  # the shortfall's state
    for role in ("leader", "reviewer"):
        card = links_card(clients[role].get(linked.measure.get_absolute_url()).content.decode())
        assert "A单位执法人员不足" in card and "其他单位事项" not in card


def test_carried_from_and_to_show_only_an_item_the_viewer_may_see(
    staff_client, coop_staff_client, reviewer_client, linked
):
    # A's task went to C in 2021: A sees that it was carried, not what it became.
    card = links_card(staff_client.get(linked.task.get_absolute_url()).content.decode())
    assert "结转至" in card and OTHERS_ONE in card
    assert_none_of(C_SECRETS, card)
    assert linked.carried_task.get_absolute_url() not in card and "2021" not in card
    # C sees where its task came from, not last year's item of A.
    page = coop_staff_client.get(linked.carried_task.get_absolute_url()).content.decode()
    card = links_card(page)
    assert "结转自" in card and OTHERS_ONE in card
    assert "A单位规范性文件审查" not in page and linked.task.get_absolute_url() not in page
    # Both ends for a reviewer.
    card = links_card(reviewer_client.get(linked.task.get_absolute_url()).content.decode())
    assert "C单位接续审查任务" in card and "其他单位事项" not in card


def test_item_page_with_hidden_links_keeps_its_query_count(
    staff_client, linked, django_assert_max_num_queries
):
    url = linked.shortfall.get_absolute_url()
    staff_client.get(url)
    with django_assert_max_num_queries(
        14
    ) as few:  # +1: the menu bar's unread count; +1: the person's government (issue 19)
        staff_client.get(url)
    for n in range(10):
        ItemFactory(report=linked.shortfall.report, kind="measure", title=f"他单位措施{n}").addresses.add(
            linked.shortfall
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = staff_client.get(url).content.decode()
    assert "其他单位事项 11 项" in links_card(page) and "他单位措施" not in page


# -- the year page -------------------------------------------------------------------------


def test_year_page_last_years_shortfalls_show_another_units_measure_as_a_count(clients, linked):
    url = reverse("reports:detail", args=[2021])
    page = clients["lead"].get(url).content.decode()
    assert_none_of(B_SECRETS, page)
    section = last_year_section(page)
    assert "A单位执法人员不足" in section and "A单位充实执法力量" in section
    assert OTHERS_ONE in section
    assert "县市场监督管理局" not in section and "已退回" not in section
    assert linked.measure.get_absolute_url() not in section
    assert linked.carried_measure.get_absolute_url() not in section
    # B, whose measure answers A's shortfall, sees nothing of the shortfall.
    page = clients["other"].get(url).content.decode()
    assert "A单位执法人员不足" not in page and "A单位充实执法力量" not in page
    for role in ("leader", "reviewer"):  # the whole of it
        section = last_year_section(clients[role].get(url).content.decode())
        assert "B单位内部整改措施" in section and "县市场监督管理局" in section and "已退回" in section
        assert "其他单位事项" not in section


def test_year_page_problems_stated_show_another_units_measure_as_a_count(clients, linked):
    """2020's page: the problems its report stated (存在问题及整改情况), each with its measures,
    of another unit's only how many; and the next year's work counted over what one may see."""
    url = reverse("reports:detail", args=[2020])
    page = clients["lead"].get(url).content.decode()
    assert_none_of(B_SECRETS + C_SECRETS, page)
    section = stated_section(page)
    assert "A单位执法人员不足" in section and "A单位充实执法力量" in section and OTHERS_ONE in section
    assert "县市场监督管理局" not in section and "已退回" not in section
    # Where the measures went: its own into 2021 (seen), B's into 2021 (not seen: not even a link).
    assert linked.carried_measure.get_absolute_url() not in section
    assert "已结转至2021年" in section
    next_year = page[page.index('class="card shadow-sm mb-3 next-year"') :]
    assert "2021年度台账现有跟踪事项 2 项" in next_year  # A's shortfall and measure, not C's task
    page = clients["other"].get(url).content.decode()
    assert "A单位执法人员不足" not in page and "A单位充实执法力量" not in page
    for role in ("leader", "reviewer"):
        section = stated_section(clients[role].get(url).content.decode())
        assert "B单位内部整改措施" in section and "县市场监督管理局" in section and "已退回" in section
        assert "其他单位事项" not in section


def test_year_page_names_a_measures_unit_beside_it_not_beside_what_another_unit_carried_it_into(
    staff_client, coop_unit, linked
):
    """Last year's measure of A, carried into an item that C now leads: "县司法局" must not read
    as the unit of "其他单位事项 1 项"."""
    from tracker.models import Item

    Item.objects.filter(carried_from=linked.own_measure).update(lead_unit=coop_unit)
    section = last_year_section(staff_client.get(reverse("reports:detail", args=[2021])).content.decode())
    line = section[section.index("A单位充实执法力量") :]
    line = line[: line.index("</div>")]
    assert OTHERS_ONE in line
    assert line.index("县司法局") < line.index("已结转至下一年度") < line.index(OTHERS_ONE)


def test_year_page_compares_a_figure_only_with_last_years_item_the_viewer_may_see(
    coop_staff_client, reviewer_client, linked
):
    # The carried item's figure of 2020 belongs to A's item: hidden from C, shown to reviewers.
    page = coop_staff_client.get(reverse("reports:detail", args=[2021])).content.decode()
    assert "52件" in page and "上年 40件" not in page
    page = reviewer_client.get(reverse("reports:detail", args=[2021])).content.decode()
    assert "上年 40件" in page


def test_year_page_with_hidden_measures_keeps_its_query_count(
    staff_client, linked, django_assert_max_num_queries
):
    url = reverse("reports:detail", args=[2021])
    with django_assert_max_num_queries(20) as few:
        staff_client.get(url)
    for n in range(10):
        ItemFactory(report=linked.shortfall.report, kind="measure", title=f"他单位措施{n}").addresses.add(
            linked.shortfall
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = staff_client.get(url).content.decode()
    assert "其他单位事项 11 项" in last_year_section(page)


# -- the XLSX ledger -----------------------------------------------------------------------


def test_xlsx_shortfalls_sheet_shows_another_units_measure_as_a_count(clients, linked):
    for year in (2020, 2021):  # the shortfall, and its carried copy with the carried measures
        rows = sheet_rows(clients["lead"], year, "问题整改")
        assert_none_of(B_SECRETS, repr(rows))
        assert [row[2] for row in rows] == ["A单位执法人员不足", "A单位执法人员不足"]
        assert rows[0][4] == "A单位充实执法力量"
        assert rows[1][4:] == [
            OTHERS_ONE,
            None,
            None,
            None,
            None,
            None,
        ]  # no unit, deadline, state, light, note
        assert sheet_rows(clients["other"], year, "问题整改") == []  # B: not A's shortfall
    for role in ("leader", "reviewer"):
        rows = sheet_rows(clients[role], 2020, "问题整改")
        measure = next(row for row in rows if row[4] == "B单位内部整改措施")
        assert measure[5] == "县市场监督管理局" and measure[7] == "已退回"
        assert measure[9] == "B单位内部进展：已约谈三名责任人"
        assert "其他单位事项" not in repr(rows)


def test_xlsx_metrics_sheet_gives_last_years_value_only_from_an_item_the_viewer_may_see(
    coop_staff_client, reviewer_client, linked
):
    (row,) = sheet_rows(coop_staff_client, 2021, "指标")
    assert row[0] == "C单位接续审查任务" and row[2] == 52 and row[5] is None
    (row,) = [r for r in sheet_rows(reviewer_client, 2021, "指标") if r[0] == "C单位接续审查任务"]
    assert row[5] == 40


# -- the DOCX draft ------------------------------------------------------------------------


def test_docx_last_years_shortfalls_show_another_units_measure_as_a_count(clients, linked):
    text = docx_text(clients["lead"], 2021)
    assert_none_of(B_SECRETS, text)
    line = next(line for line in text.splitlines() if line.startswith("1. A单位执法人员不足"))
    assert "A单位充实执法力量" in line and OTHERS_ONE in line and "验收未通过" not in line
    for year in (2020, 2021):  # B: nothing of A's shortfall
        text = docx_text(clients["other"], year)
        assert "A单位执法人员不足" not in text and "A单位充实执法力量" not in text
    for role in ("leader", "reviewer"):
        text = docx_text(clients[role], 2021)
        line = next(line for line in text.splitlines() if line.startswith("1. A单位执法人员不足"))
        assert "B单位内部整改措施，验收未通过，正在完善" in line and "其他单位事项" not in line
