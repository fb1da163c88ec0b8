"""The item row is defined once (tracker/tables.py): the page and both files show the same
cells, in the same columns, in the order the list is sorted."""

import csv
import datetime
import io
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory, UnitFactory
from tracker.choices import ItemKind, ItemStatus
from tracker.models import Area

pytestmark = pytest.mark.django_db


def page_rows(page: str) -> list[list[str]]:
    """The list's body rows as the cell texts a person reads (tags dropped, spaces trimmed)."""
    body = page[page.index("<tbody") : page.index("</tbody>")]
    rows = []
    for row in re.split(r"<tr\b[^>]*>", body)[1:]:
        cells = re.findall(r"<td\b[^>]*>(.*?)</td>", row, flags=re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells])
    return rows


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def listed(lead_unit):
    report = AnnualReportFactory(year=2022)
    area = Area.objects.get(code="2015-functions")
    person = StaffFactory(units=[lead_unit], first_name="李华")
    helper = UnitFactory(name="县财政局", short_name="财政局")
    done = ItemFactory(
        report=report,
        area=area,
        lead_unit=lead_unit,
        title="甲 规范性文件备案审查",
        assignee=person,
        due_on=datetime.date(2022, 6, 30),
        status=ItemStatus.DONE,
        text="原文一",
    )
    done.cooperating_units.add(helper)
    ItemFactory(
        report=report,
        lead_unit=lead_unit,
        title="乙 推进行政执法公示",
        area=None,
        kind=ItemKind.SHORTFALL,
        responsible_name="王明",
        responsible_post="副局长",
        due_on=datetime.date(2020, 1, 31),
        text="原文二",
    )
    return report


def test_page_and_files_show_the_same_cells(reviewer_client, listed):
    url = reverse("tracker:items")
    shown = page_rows(reviewer_client.get(url, {"sort": "title"}).content.decode())
    filed = csv_rows(reviewer_client.get(url, {"sort": "title", "_export": "csv"}))
    sheet = xlsx_rows(reviewer_client.get(url, {"sort": "title", "_export": "xlsx"}))
    assert filed[0] == [str(value) for value in sheet[0]]
    assert filed[0] == (
        [
            "编号",
            "年度",
            "领域",
            "类型",
            "事项名称",
            "牵头单位",
            "配合单位",
            "责任人",
            "完成时限",
            "状态",
            "亮灯",
            "逾期",
            "催办次数",
            "最近更新",
            "原文",
        ]
    )
    # The page: a tick box (reviewers), then the files' columns without the ID and the text;
    # an empty cell reads — on the page and stays empty in the files.
    # an empty cell reads — on the page and stays empty in the files; cooperating units are
    # short names on the page, full names in the files.
    for on_page, in_csv, in_xlsx in zip(shown, filed[1:], sheet[1:], strict=True):
        # XLSX cells are typed (the deadline a date, the last update a date and time), CSV
        # holds them as the page prints them.
        assert in_xlsx[8].date().isoformat() == in_csv[8]
        assert in_xlsx[13].strftime("%Y-%m-%d %H:%M") == in_csv[13]
        assert in_xlsx[12] == 0 and in_csv[12] == "0"  # never chased: a number in the files
        del in_xlsx[13], in_xlsx[8]
        assert [str(value) for value in in_xlsx] == in_csv[:8] + in_csv[9:13] + in_csv[14:]
        page_cells = [cell if cell != "—" else "" for cell in on_page[1:]]
        file_cells = in_csv[1:-1]
        file_cells[9] = file_cells[9] and f"{file_cells[9]}灯"  # 红灯 on the page, 红 in the files
        file_cells[10] = file_cells[10] and "逾期"  # 逾期 badge on the page, 是 in the files
        file_cells[11] = "" if file_cells[11] == "0" else file_cells[11]  # the page leaves 0 out
        del page_cells[5], file_cells[5]
        assert page_cells == file_cells
    assert [row[4] for row in filed[1:]] == ["乙 推进行政执法公示", "甲 规范性文件备案审查"]
    first, second = filed[1], filed[2]
    assert first[3:12] == [
        "存在问题",
        "乙 推进行政执法公示",
        "县司法局",
        "",
        "王明（副局长）",
        "2020-01-31",
        "待整改",
        "红",
        "是",
    ]
    assert (
        second[2] == Area.objects.get(code="2015-functions").name
        and second[6:10]
        == [
            "县财政局",
            "李华",
            "2022-06-30",
            "已完成",
        ]
        and second[10] == ""
    )  # done: no light
    assert (first[-1], second[-1]) == ("原文二", "原文一")
    assert shown[1][6] == "财政局"  # the page shows a unit's short name, the files its full name


def test_the_xlsx_cells_are_typed_and_the_csv_is_text(reviewer_client, listed):
    """Issue 17: dates were text in XLSX. The ID and year are numbers, the deadline a date
    formatted yyyy-mm-dd, the last update a date and time; an ongoing item's deadline stays
    its word. CSV holds the same as text."""
    listed.items.filter(title__startswith="乙").update(due_on=None, ongoing=True)
    url = reverse("tracker:items")
    response = reviewer_client.get(url, {"sort": "title", "_export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    ongoing, dated = list(sheet.iter_rows(min_row=2))
    assert [cell.data_type for cell in dated[:2]] == ["n", "n"] and dated[1].value == 2022
    assert isinstance(dated[0].value, int)
    assert dated[8].is_date and dated[8].value == datetime.datetime(2022, 6, 30)
    assert dated[8].number_format == "yyyy-mm-dd"
    assert dated[13].is_date and dated[13].number_format == "yyyy-mm-dd hh:mm"
    assert dated[12].data_type == "n" and dated[12].value == 0  # chased: a count
    assert (ongoing[8].data_type, ongoing[8].value) == ("s", "长期坚持")
    filed = csv_rows(reviewer_client.get(url, {"sort": "title", "_export": "csv"}))
    assert filed[2][8] == "2022-06-30" and filed[1][8] == "长期坚持"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", filed[2][13])


def test_files_follow_the_list_sort(reviewer_client, listed):
    url = reverse("tracker:items")
    ascending = csv_rows(reviewer_client.get(url, {"sort": "title", "_export": "csv"}))
    descending = csv_rows(reviewer_client.get(url, {"sort": "-title", "_export": "csv"}))
    assert [row[4] for row in descending[1:]] == [row[4] for row in reversed(ascending[1:])]


def test_file_names_carry_the_day(reviewer_client, listed):
    response = reviewer_client.get(reverse("tracker:items"), {"_export": "xlsx"})
    assert re.search(r'filename="items-\d{4}-\d{2}-\d{2}\.xlsx"', response["Content-Disposition"])
    response = reviewer_client.get(reverse("tracker:items"), {"_export": "csv"})
    assert re.search(r'filename="items-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"])


def test_an_unknown_export_format_shows_the_list(reviewer_client, listed):
    response = reviewer_client.get(reverse("tracker:items"), {"_export": "pdf"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "乙 推进行政执法公示" in response.content.decode()


def test_achievements_get_no_tick_box(reviewer_client, listed):
    ItemFactory(report=listed, kind=ItemKind.ACHIEVEMENT, title="丙 成效")
    page = reviewer_client.get(reverse("tracker:items"), {"sort": "title"}).content.decode()
    body = page[page.index("<tbody") :]
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in re.split(r"<tr\b[^>]*>", body)[1:]}
    assert 'name="items"' not in rows["丙 成效"]
    assert 'name="items"' in rows["甲 规范性文件备案审查"]


def test_staff_get_no_tick_boxes(staff_client, listed):
    page = staff_client.get(reverse("tracker:items")).content.decode()
    assert "甲 规范性文件备案审查" in page and 'name="items"' not in page


class TableCells(HTMLParser):
    """The item table's cells as (header?, classes, colspan), row by row."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[tuple[str, set[str], int]]] = []
        self.inside = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "item-table" in (attrs.get("class") or ""):
            self.inside = True
        elif self.inside and tag == "tr":
            self.rows.append([])
        elif self.inside and tag in ("th", "td"):
            self.rows[-1].append(
                (tag, set((attrs.get("class") or "").split()), int(attrs.get("colspan") or 1))
            )

    def handle_endtag(self, tag):
        if tag == "table":
            self.inside = False


def table_widths(page: str) -> list[tuple[int, int]]:
    """Each row of the list's table (the header first): its cells on screen and on paper
    (less the cells print hides, ``d-print-none``)."""
    parser = TableCells()
    parser.feed(page)
    return [
        (
            sum(span for _, _, span in row),
            sum(span for _, classes, span in row if "d-print-none" not in classes),
        )
        for row in parser.rows
    ]


@pytest.mark.parametrize("role", ["lead", "coop", "other", "leader", "reviewer"])
def test_each_header_cell_has_its_column_of_cells_on_screen_and_on_paper(clients, item, other_unit, role):
    """Issue 17: a cell hidden in print in the body but not in the header (or the reverse)
    shifts every printed header one column off its cells."""
    ItemFactory(report=item.report, lead_unit=other_unit, title="另一单位的任务")
    page = clients[role].get(reverse("tracker:items"), {"year": "all", "scope": "all"}).content.decode()
    header, *rows = table_widths(page)
    assert rows and "没有符合筛选条件的事项" not in page
    assert all(row == header for row in rows)
    # The tick boxes of those who assign or chase (reviewers, leaders) are a column on screen only.
    assert header == ((14, 13) if role in ("reviewer", "leader") else (13, 13))
