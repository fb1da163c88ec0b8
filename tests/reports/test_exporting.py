"""The annual summary exports, opened as a person would: sheets, headings, counts, values."""

import csv
import io
from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import AnnualReportFactory, ItemFactory, MetricFactory
from tracker.models import Area

pytestmark = pytest.mark.django_db

SHEETS = ["汇总", "按单位", "本年度成效", "工作任务", "问题整改", "指标"]


@pytest.fixture
def year(lead_unit, other_unit, coop_unit):
    """2021 (previous: 2020): three tasks (one of 县市场监督管理局, one titled =1+1), a
    shortfall with two measures, metrics compared with 2020's."""
    last = AnnualReportFactory(year=2020, issuer="新乡县人民政府")
    report = AnnualReportFactory(year=2021, issuer="新乡县人民政府", previous=last)
    area = Area.objects.get(code="2021-rules")
    old = ItemFactory(report=last, title="规范性文件审查", lead_unit=lead_unit)
    MetricFactory(item=old, label="审查规范性文件", value=40, unit="件")
    MetricFactory(
        item=ItemFactory(report=last, lead_unit=lead_unit), label="培训执法人员", value=300, unit="人次"
    )
    carried = ItemFactory(
        report=report, title="规范性文件审查", lead_unit=lead_unit, area=area, carried_from=old, order=1
    )
    carried.cooperating_units.add(coop_unit)
    MetricFactory(item=carried, label="审查规范性文件", value=52, unit="件")
    ItemFactory(report=report, title="=1+1", lead_unit=lead_unit, area=area, status="done", order=2)
    other = ItemFactory(report=report, title="市场监管执法", lead_unit=other_unit, area=area, order=3)
    MetricFactory(item=other, label="培训执法人员", value=320, unit="人次")
    gap = ItemFactory(
        report=report, kind="shortfall", title="执法人员不足", lead_unit=lead_unit, order=4, area=None
    )
    for n, title in enumerate(["充实执法力量", "加强执法培训"]):
        ItemFactory(
            report=report,
            kind="measure",
            title=title,
            lead_unit=lead_unit,
            order=5 + n,
            area=None,
            due_on=date(2021, 12, 31),
        ).addresses.add(gap)
    return report


def workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(sheet):
    return [list(row) for row in sheet.iter_rows(min_row=3, values_only=True)]


def test_xlsx_ledger_has_six_sheets_titles_headers_counts_and_values(reviewer_client, year):
    response = reviewer_client.get(reverse("reports:export", args=[2021, "xlsx"]))
    assert response.status_code == 200
    book = workbook(response)
    assert book.sheetnames == SHEETS
    summary = book["汇总"]
    assert summary["A1"].value == "新乡县人民政府 2021年度法治政府建设台账 · 汇总"
    assert [c.value for c in summary[2]] == ["分组", "合计", "已完成", "逾期", "办结率", "按期完成率"]
    assert rows(summary)[0][:3] == ["跟踪事项（工作任务、存在问题、整改措施）", 6, 1]
    assert summary.freeze_panes == "A3" and summary.auto_filter.ref == "A2:F2"
    tasks = rows(book["工作任务"])
    assert [row[2] for row in tasks] == ["规范性文件审查", "=1+1", "市场监管执法"]
    assert tasks[0][3] == "县司法局" and tasks[0][4] == "县财政局"
    gaps = rows(book["问题整改"])
    assert [(r[2], r[4]) for r in gaps] == [
        ("执法人员不足", "充实执法力量"),
        ("执法人员不足", "加强执法培训"),
    ]
    assert [r[:2] for r in gaps] == [["2021年度台账", 2021]] * 2  # stated by no report: the year's own
    metrics = {row[1]: row for row in rows(book["指标"])}
    assert metrics["审查规范性文件"][2] == 52 and metrics["审查规范性文件"][5] == 40  # carried item
    assert metrics["培训执法人员"][5] == 300  # same label and unit last year
    units = {row[0]: row for row in rows(book["按单位"])}
    assert units["县司法局"][1:3] == [5, 1] and units["县市场监督管理局"][1] == 1


def test_formula_cells_stay_text_in_xlsx_and_csv(reviewer_client, year):
    book = workbook(reviewer_client.get(reverse("reports:export", args=[2021, "xlsx"])))
    cell = next(c for row in book["工作任务"].iter_rows(min_row=3) for c in row if c.value == "=1+1")
    assert cell.data_type == "s"
    content = b"".join(reviewer_client.get(reverse("reports:export", args=[2021, "csv"])).streaming_content)
    assert content.startswith("\ufeff".encode())
    titles = [row[4] for row in csv.reader(io.StringIO(content.decode("utf-8-sig")))]
    assert "'=1+1" in titles and "=1+1" not in titles


def test_staff_exports_hold_only_their_units_rows(other_staff_client, year):
    book = workbook(other_staff_client.get(reverse("reports:export", args=[2021, "xlsx"])))
    assert [row[2] for row in rows(book["工作任务"])] == ["市场监管执法"]
    assert rows(book["问题整改"]) == []
    assert rows(book["汇总"])[0][1] == 1
    content = b"".join(
        other_staff_client.get(reverse("reports:export", args=[2021, "csv"])).streaming_content
    )
    assert "市场监管执法" in content.decode("utf-8-sig") and "规范性文件审查" not in content.decode(
        "utf-8-sig"
    )


EXPORT = {"anonymous": "login", "other": 200, "lead": 200, "coop": 200, "leader": 200, "reviewer": 200}


@pytest.mark.parametrize("role", list(EXPORT))
def test_export_permissions(clients, year, role):
    response = clients[role].get(reverse("reports:export", args=[2021, "xlsx"]))
    if EXPORT[role] == "login":
        assert response.status_code == 302 and "/accounts/login/" in response.url
    else:
        assert response.status_code == 200


def test_unknown_format_and_year_are_404(reviewer_client, year):
    assert reviewer_client.get(reverse("reports:export", args=[2021, "pdf"])).status_code == 404
    assert reviewer_client.get(reverse("reports:export", args=[1999, "xlsx"])).status_code == 404


def test_export_query_counts_do_not_grow_with_rows(
    reviewer_client, year, lead_unit, django_assert_max_num_queries
):
    url_xlsx = reverse("reports:export", args=[2021, "xlsx"])
    url_csv = reverse("reports:export", args=[2021, "csv"])
    with django_assert_max_num_queries(30) as first_xlsx:
        workbook(reviewer_client.get(url_xlsx))
    with django_assert_max_num_queries(30) as first_csv:
        b"".join(reviewer_client.get(url_csv).streaming_content)
    for n in range(30):
        item = ItemFactory(report=year, title=f"任务{n}", lead_unit=lead_unit, order=100 + n)
        MetricFactory(item=item, label=f"指标{n}", value=n, unit="项")
    with django_assert_max_num_queries(len(first_xlsx.captured_queries)):
        assert len(rows(workbook(reviewer_client.get(url_xlsx))["工作任务"])) == 33
    with django_assert_max_num_queries(len(first_csv.captured_queries)):
        b"".join(reviewer_client.get(url_csv).streaming_content)


def test_export_summary_command_writes_the_files(year, tmp_path):
    call_command(
        "export_summary", "2021", "--format", "xlsx", "--output", str(tmp_path / "l.xlsx"), verbosity=0
    )
    assert load_workbook(tmp_path / "l.xlsx").sheetnames == SHEETS
    call_command(
        "export_summary", "2021", "--format", "csv", "--output", str(tmp_path / "l.csv"), verbosity=0
    )
    text = (tmp_path / "l.csv").read_text(encoding="utf-8")
    assert text.startswith("\ufeff") and text.count("\n") == 7  # header and six items


def docx_of(response):
    from docx import Document

    return Document(io.BytesIO(b"".join(response.streaming_content)))


def test_docx_draft_follows_the_five_contents_in_official_layout(reviewer_client, year, lead_unit):
    gap_2020 = ItemFactory(
        report=year.previous, kind="shortfall", title="复议应诉能力不足", lead_unit=lead_unit
    )
    ItemFactory(
        report=year.previous, kind="measure", title="开展应诉培训", status="done", lead_unit=lead_unit
    ).addresses.add(gap_2020)
    document = docx_of(reviewer_client.get(reverse("reports:export", args=[2021, "docx"])))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "新乡县人民政府2021年度法治政府建设工作报告（初稿）"  # no report of 2021 yet
    headings = [t for t in texts if len(t) > 2 and t[1] == "、" and t[0] in "一二三四五六"]
    assert headings == [
        "一、主要举措和成效",
        "二、上年度问题整改情况",
        "三、党政主要负责人履行推进法治建设第一责任人职责情况",
        "四、存在的不足和原因",
        "五、下一年度主要安排",
        "六、其他需要报告的情况",
    ]
    body = "\n".join(texts)
    assert "（一）依法行政制度体系" in body and "规范性文件审查" in body and "市场监管执法" in body
    assert "1. 复议应诉能力不足：尚未开始整改。开展应诉培训，已完成。" in body
    assert body.index("执法人员不足") > body.index("四、存在的不足和原因")
    plans = body[body.index("五、下一年度主要安排") :]
    assert "充实执法力量，由县司法局牵头。" in plans
    # Plain sentences: no "（牵头单位：—；状态：…）" after each line.
    assert "牵头单位：" not in body and "状态：" not in body and "—" not in body
    section = document.sections[0]
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    east_asian = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"

    def font_of(text):
        style = next(p for p in document.paragraphs if p.text == text).style
        return style.element.rPr.rFonts.get(east_asian), style.font.size.pt

    assert font_of(texts[0]) == ("方正小标宋简体", 22)
    assert font_of("一、主要举措和成效") == ("黑体", 16)
    assert font_of("（一）依法行政制度体系") == ("楷体_GB2312", 16)
    body_style = next(p for p in document.paragraphs if "规范性文件审查" in p.text).style
    assert body_style.element.rPr.rFonts.get(east_asian) == "仿宋_GB2312"
    assert body_style.paragraph_format.line_spacing.pt == 28


def test_staff_docx_holds_only_their_units_items(other_staff_client, year):
    body = "\n".join(
        p.text
        for p in docx_of(other_staff_client.get(reverse("reports:export", args=[2021, "docx"]))).paragraphs
    )
    assert "市场监管执法" in body and "规范性文件审查" not in body and "执法人员不足" not in body


def test_docx_query_count_does_not_grow_with_rows(
    reviewer_client, year, lead_unit, django_assert_max_num_queries
):
    url = reverse("reports:export", args=[2021, "docx"])
    with django_assert_max_num_queries(30) as first:
        docx_of(reviewer_client.get(url))
    ItemFactory.create_batch(30, report=year, lead_unit=lead_unit)
    with django_assert_max_num_queries(len(first.captured_queries)):
        docx_of(reviewer_client.get(url))


def test_year_page_compares_figures_with_last_year_and_shows_completion_by_area(reviewer_client, year):
    page = reviewer_client.get(reverse("reports:detail", args=[2021])).content.decode()
    assert '52件 <span class="text-body-secondary">(上年 40件)</span>' in page  # carried item
    assert '320人次 <span class="text-body-secondary">(上年 300人次)</span>' in page  # same label and unit
    chart = page[page.index('id="chart-area"') :]
    assert "依法行政制度体系" in chart and "3项已完成1项(33.3%)" in chart


def test_xlsx_ledger_cells_are_typed_and_its_csv_is_text(reviewer_client, year):
    """Issue 17: dates and rates were text. Counts are numbers, rates numbers formatted 0.0%
    (1 of 6 done: 0.167, not "16.7%"), deadlines dates formatted yyyy-mm-dd; items without a
    lead unit are a row of their own on the by-unit sheet. Words stay text, =1+1 too."""
    ItemFactory(report=year, title="无牵头单位", lead_unit=None, order=9)
    book = workbook(reviewer_client.get(reverse("reports:export", args=[2021, "xlsx"])))
    tracked = next(book["汇总"].iter_rows(min_row=3))
    assert [cell.value for cell in tracked[1:4]] == [7, 1, 2]  # the measures are past due
    assert all(isinstance(cell.value, int) for cell in tracked[1:4])
    completion = tracked[4]
    assert completion.data_type == "n" and completion.value == pytest.approx(1 / 7, abs=0.0005)
    assert completion.number_format == "0.0%"
    units = {row[0].value: row for row in book["按单位"].iter_rows(min_row=3)}
    justice = units["县司法局"]
    assert justice[5].value == pytest.approx(0.2) and justice[5].number_format == "0.0%"
    assert [cell.value for cell in units["未明确牵头单位"][1:3]] == [1, 0]
    measure = next(book["问题整改"].iter_rows(min_row=3))
    assert measure[6].is_date and measure[6].value == datetime(2021, 12, 31)
    assert measure[6].number_format == "yyyy-mm-dd"
    assert measure[1].value == 2021 and isinstance(measure[1].value, int)
    formula = next(c for row in book["工作任务"].iter_rows(min_row=3) for c in row if c.value == "=1+1")
    assert formula.data_type == "s"
    # The year's CSV (the item list's file) is text as the page prints it.
    content = b"".join(reviewer_client.get(reverse("reports:export", args=[2021, "csv"])).streaming_content)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert "2021-12-31" in [row[8] for row in rows]


def test_the_xlsx_ledger_gives_each_task_and_measure_its_light(reviewer_client, year):
    """Tasks and measures carry today's light (红 / 黄 / 绿, none when done) beside their status."""
    book = workbook(reviewer_client.get(reverse("reports:export", args=[2021, "xlsx"])))
    tasks = book["工作任务"]
    assert [c.value for c in tasks[2]][7:10] == ["状态", "亮灯", "最新进展"]
    # No deadline: green; done: no light.
    assert {row[2]: row[8] or "" for row in rows(tasks)} == {
        "规范性文件审查": "绿",
        "=1+1": "",
        "市场监管执法": "绿",
    }
    gaps = book["问题整改"]
    assert [c.value for c in gaps[2]][7:10] == ["措施状态", "亮灯", "最新进展"]
    assert [row[8] for row in rows(gaps)] == ["红", "红"]  # due 2021-12-31, not done: overdue


def test_the_by_unit_sheet_counts_each_units_chases(reviewer_client, year, lead_unit):
    from tracker.models import Item
    from tracker.services import items_chase

    led = list(Item.objects.filter(report=year, lead_unit=lead_unit).exclude(status="done")[:2])
    items_chase(items=led, user=reviewer_client.user, note="请加快进度")
    items_chase(items=led[:1], user=reviewer_client.user, note="再次催办")
    sheet = workbook(reviewer_client.get(reverse("reports:export", args=[2021, "xlsx"])))["按单位"]
    assert [c.value for c in sheet[2]][-1] == "催办次数"
    units = {row[0]: row for row in rows(sheet)}
    assert units["县司法局"][-1] == 3 and units["县市场监督管理局"][-1] == 0
