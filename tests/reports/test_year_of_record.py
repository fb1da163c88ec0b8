"""The year as the county lives it, after importing the report of 2020 (issue 14, point 6).

The report of 2020 records 21 achievements of 2020 (done) and states two problems and three
suggestions, work of 2021. The year page of 2020 reads as the county's year (本年度成效,
存在问题及整改情况, 下一年度工作), the page of 2021 as the year that rectifies them
(上年度问题整改情况) beside its own tasks; the XLSX ledger and the DOCX draft follow, and a
rollover never carries an achievement.
"""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from reports.models import AnnualReport
from reports.services import report_import, rollover_plan, year_rollover
from tests.factories import ItemFactory, MetricFactory, ProgressUpdateFactory
from tests.samples import XINXIANG
from tracker.models import Area, Item

pytestmark = pytest.mark.django_db

SHORTFALLS = ("部分行政执法单位和乡(镇)政府法制机构不健全", "队伍建设有待加强")
MEASURES = ("领导要重视法治建设", "定期开展执法培训", "要重视日常工作成果的上传工作")


@pytest.fixture
def county(lead_unit, other_unit):
    """The report of 2020 imported. 县司法局 (``staff_client``) leads both problems, the first
    two suggestions and the first three achievements; 县市场监督管理局 (``other_staff_client``)
    leads the third suggestion (linked by nobody: the importer could not tell its problem) and
    a second measure answering the first problem. 2021 also holds three tasks of 县司法局, as
    a 任务分解表 brings them: one done with a note, one overdue, one submitted."""
    today = timezone.localdate()
    report_import(text=XINXIANG)
    y2020 = AnnualReport.objects.get(year=2020)
    y2021 = y2020.next
    Item.objects.filter(report=y2020, order__lte=3).update(lead_unit=lead_unit)
    stated = Item.objects.filter(stated_in=y2020)
    stated.filter(title__in=[*SHORTFALLS, *MEASURES[:2]]).update(
        lead_unit=lead_unit, due_on=today + timedelta(30)
    )
    stated.filter(title=MEASURES[2]).update(lead_unit=other_unit, due_on=today + timedelta(30))
    other_measure = ItemFactory(
        report=y2021,
        kind="measure",
        stated_in=y2020,
        title="市场监管局配合整改",
        lead_unit=other_unit,
        status="done",
    )
    other_measure.addresses.add(stated.get(title=SHORTFALLS[0]))
    Item.objects.filter(title=MEASURES[1]).update(status="done")
    area = Area.objects.get(code="2021-rules")
    done = ItemFactory(
        report=y2021, title="开展行政执法人员培训", status="done", lead_unit=lead_unit, area=area
    )
    ProgressUpdateFactory(item=done, note="全年组织培训3场次，420人次参加")
    ItemFactory(
        report=y2021,
        title="开展规范性文件清理",
        status="in_progress",
        lead_unit=lead_unit,
        area=area,
        due_on=today - timedelta(days=5),
    )
    ItemFactory(report=y2021, title="推进综合执法改革", status="submitted", lead_unit=lead_unit, area=area)
    return y2020, y2021


def card(page: str, name: str) -> str:
    start = page.index(f'class="card shadow-sm mb-3 {name}"')
    return page[start : page.index("</section>", start)]


# -- the year page -------------------------------------------------------------------------


def test_year_page_of_2020_reads_as_its_record_problems_and_next_year(reviewer_client, county):
    page = reviewer_client.get(reverse("reports:detail", args=[2020])).content.decode()
    assert "下一年度：2021" in page and "上一年度" not in page  # the chain of years
    assert "year-work" not in page  # no tracked work in 2020: no rate to show
    record = card(page, "achievements")
    assert "2020年度成效" in record and "不计入办结率" in record
    assert "一、依法全面履行政府职能" in record and "着力推动“真联、真通、真办”" in record
    assert '<span class="metric-chip" title=' in record and "1202项" in record  # the report's figures
    assert record.count('<span class="badge kind-achievement">工作成效</span>') == 21
    assert "待整改" not in record and "八、工作中存在的问题及建议" not in record
    stated = card(page, "stated")
    assert "存在问题及整改情况" in stated and "八、工作中存在的问题及建议" in stated
    assert "2020年度报告提出的问题和建议是2021年度的工作" in stated
    first = stated[stated.index(SHORTFALLS[0]) : stated.index(SHORTFALLS[1])]
    assert "待整改" in first and "2021年整改" in first and "县司法局" in first
    assert MEASURES[0] in first and "市场监管局配合整改" in first and "已完成" in first
    second = stated[stated.index(SHORTFALLS[1]) :]
    assert MEASURES[1] in second[: second.index("</li>")]
    unlinked = stated[stated.index("未对应具体问题的措施和安排") :]
    assert MEASURES[2] in unlinked and "对应问题待确认" in unlinked
    following = card(page, "next-year")
    assert "下一年度（2021年）工作" in following
    assert "2021年度台账现有跟踪事项 9 项，已完成 3 项。" in following
    assert "其中 6 项由2020年度报告提出。" in following
    assert 'href="/reports/2021/"' in following and 'href="/items/?year=2021"' in following


def test_year_page_of_2021_rectifies_2020s_problems_beside_its_own_tasks(reviewer_client, county):
    page = reviewer_client.get(reverse("reports:detail", args=[2021])).content.decode()
    assert "上一年度：2020" in page
    work = card(page, "year-work")
    assert 'data-kpi="total">9<' in work and 'data-kpi="completion">33.3%<' in work
    assert 'data-kpi="overdue">1<' in work and 'data-kpi="waiting">1<' in work
    last_year = card(page, "last-year")
    assert "上年度(2020年度)问题整改情况" in last_year
    assert all(title in last_year for title in SHORTFALLS) and MEASURES[1] in last_year
    assert "2021年整改" not in last_year  # this year's work: no year to name
    assert "2021年度报告尚未导入" in card(page, "achievements")
    assert 'class="card shadow-sm mb-3 stated"' not in page  # its report states nothing yet
    items = card(page, "year-items")
    assert "2021年度跟踪事项" in items
    for title in ("开展行政执法人员培训", "开展规范性文件清理", "推进综合执法改革", *SHORTFALLS):
        assert title in items
    overdue = items[items.index("开展规范性文件清理") :]
    assert '<span class="badge text-bg-danger">逾期</span>' in overdue[: overdue.index("item-card")]


def test_staff_see_their_units_problems_and_only_a_count_of_another_units_measure(
    staff_client, other_staff_client, county
):
    page = staff_client.get(reverse("reports:detail", args=[2020])).content.decode()
    stated = card(page, "stated")
    assert SHORTFALLS[0] in stated and "其他单位事项 1 项" in stated
    assert "市场监管局配合整改" not in page and MEASURES[2] not in page
    theirs = Item.objects.filter(year=2020, kind="achievement", lead_unit__name="县司法局").count()
    assert 3 <= theirs < 21 and card(page, "achievements").count("kind-achievement") == theirs  # their unit's
    assert "2021年度台账现有跟踪事项 7 项" in card(page, "next-year")  # theirs only
    page = other_staff_client.get(reverse("reports:detail", args=[2020])).content.decode()
    assert all(title not in page for title in SHORTFALLS) and MEASURES[0] not in page
    assert MEASURES[2] in card(page, "stated")  # its own plan, linked to no problem
    page = other_staff_client.get(reverse("reports:detail", args=[2021])).content.decode()
    assert all(title not in page for title in SHORTFALLS) and "last-year" not in page


def test_year_page_query_count_does_not_grow_with_problems_and_measures(
    reviewer_client, staff_client, county, django_assert_max_num_queries
):
    y2020, y2021 = county
    for year in (2020, 2021):
        for client in (reviewer_client, staff_client):
            url = reverse("reports:detail", args=[year])
            with django_assert_max_num_queries(20) as before:
                client.get(url)
            for n in range(10):
                shortfall = ItemFactory(
                    report=y2021, kind="shortfall", stated_in=y2020, title=f"新问题{year}{n}"
                )
                ItemFactory(report=y2021, kind="measure", stated_in=y2020).addresses.add(shortfall)
                ItemFactory(report=y2021, kind="measure", stated_in=y2020, lead_unit=shortfall.lead_unit)
                ItemFactory(report=y2020, kind="achievement", status="done")
            with django_assert_max_num_queries(len(before.captured_queries)):
                assert client.get(url).status_code == 200


# -- the XLSX ledger -----------------------------------------------------------------------


def sheet(client, year: int, name: str) -> list[list]:
    response = client.get(reverse("reports:export", args=[year, "xlsx"]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in book[name].iter_rows(min_row=3, values_only=True)]


def test_ledger_of_2020_holds_its_achievements_with_figures_and_the_problems_it_stated(
    reviewer_client, county
):
    achievements = sheet(reviewer_client, 2020, "本年度成效")
    assert len(achievements) == 21
    assert achievements[0] == [
        1,
        "依法全面履行政府职能",
        "着力推动“真联、真通、真办”",
        "县司法局",
        "7个、1202项、100%",
    ]
    assert any(row[4] and "约1300人次" in row[4] for row in achievements)
    summary = sheet(reviewer_client, 2020, "汇总")
    assert summary[0][:4] == ["跟踪事项（工作任务、存在问题、整改措施）", 0, 0, 0]
    assert ["年度报告所载工作成效（不计入以上数字）", 21, None, None, None, None] in summary
    assert sheet(reviewer_client, 2020, "工作任务") == []
    gaps = sheet(reviewer_client, 2020, "问题整改")
    assert [(r[0], r[1], r[2], r[4]) for r in gaps] == [
        ("2020年度报告", 2021, SHORTFALLS[0], MEASURES[0]),
        ("2020年度报告", 2021, SHORTFALLS[0], "市场监管局配合整改"),
        ("2020年度报告", 2021, SHORTFALLS[1], MEASURES[1]),
        ("2020年度报告", 2021, "（未对应具体问题）", MEASURES[2]),  # a plan answering no one problem
    ]
    assert (gaps[-1][5], gaps[-1][7]) == ("县市场监督管理局", "未开始")


def test_ledger_of_2021_counts_its_tracked_work_and_names_who_stated_each_problem(
    reviewer_client, staff_client, county
):
    summary = sheet(reviewer_client, 2021, "汇总")
    assert summary[0][:4] == ["跟踪事项（工作任务、存在问题、整改措施）", 9, 3, 1]
    assert [row[2] for row in sheet(reviewer_client, 2021, "工作任务")] == [
        "开展行政执法人员培训",
        "开展规范性文件清理",
        "推进综合执法改革",
    ]
    assert sheet(reviewer_client, 2021, "本年度成效") == []
    gaps = sheet(staff_client, 2021, "问题整改")
    assert [r[:3] for r in gaps] == [
        ["2020年度报告", 2021, SHORTFALLS[0]],
        ["2020年度报告", 2021, SHORTFALLS[0]],
        ["2020年度报告", 2021, SHORTFALLS[1]],
    ]  # not 县市场监督管理局's plan answering no problem
    assert gaps[1][4] == "其他单位事项 1 项"
    units = {row[0]: row for row in sheet(reviewer_client, 2021, "按单位")}
    assert units["县司法局"][1:4] == [7, 2, 1] and units["县市场监督管理局"][1:3] == [2, 1]


def test_ledger_query_count_does_not_grow_with_achievements_and_problems(
    reviewer_client, county, django_assert_max_num_queries
):
    y2020, y2021 = county
    url = reverse("reports:export", args=[2020, "xlsx"])
    with django_assert_max_num_queries(30) as before:
        b"".join(reviewer_client.get(url).streaming_content)
    for n in range(20):
        MetricFactory(item=ItemFactory(report=y2020, kind="achievement", status="done"), value=n)
        ItemFactory(report=y2021, kind="measure", stated_in=y2020).addresses.add(
            ItemFactory(report=y2021, kind="shortfall", stated_in=y2020)
        )
        ItemFactory(report=y2021, kind="measure", stated_in=y2020)  # answering no problem
    with django_assert_max_num_queries(len(before.captured_queries)):
        assert len(sheet(reviewer_client, 2020, "本年度成效")) == 41


# -- the DOCX draft ------------------------------------------------------------------------


def draft(client, year: int) -> str:
    response = client.get(reverse("reports:export", args=[year, "docx"]))
    return "\n".join(p.text for p in Document(io.BytesIO(b"".join(response.streaming_content))).paragraphs)


def part(text: str, heading: str, following: str) -> str:
    return text[text.index(heading) : text.index(following)]


def test_draft_of_2021_takes_its_results_from_2021s_work_done_and_2020s_problems(reviewer_client, county):
    text = draft(reviewer_client, 2021)
    assert text.startswith("新乡县人民政府2021年度法治政府建设工作报告（初稿）\n")  # not "…工作台账"
    results = part(text, "一、主要举措和成效", "二、上年度问题整改情况")
    assert "1. 开展行政执法人员培训。由县司法局牵头，全年组织培训3场次，420人次参加。" in results
    assert "着力推动" not in text  # 2020's achievements are 2020's report, not this one's
    assert "开展规范性文件清理" not in results and MEASURES[1] not in results
    rectification = part(text, "二、上年度问题整改情况", "三、")
    assert (
        f"1. {SHORTFALLS[0]}：尚未开始整改。{MEASURES[0]}，尚未启动；市场监管局配合整改，已完成。"
        in rectification
    )
    assert f"2. {SHORTFALLS[1]}：尚未开始整改。{MEASURES[1]}，已完成。" in rectification
    shortfalls = part(text, "四、存在的不足和原因", "五、")
    assert "开展规范性文件清理，正在推进，已超过" in shortfalls and "的完成时限。" in shortfalls
    assert SHORTFALLS[0] in shortfalls and "推进综合执法改革" not in shortfalls  # on time, waiting
    plans = part(text, "五、下一年度主要安排", "六、")
    assert "推进综合执法改革，由县司法局牵头。" in plans and "开展行政执法人员培训" not in plans
    assert f"继续整改“{SHORTFALLS[0]}”问题，由县司法局牵头。" in plans
    assert "牵头单位：" not in text and "状态：" not in text and "—" not in text


def test_draft_of_2021_for_staff_names_another_units_measure_only_as_a_count(staff_client, county):
    text = draft(staff_client, 2021)
    line = next(line for line in text.splitlines() if line.startswith(f"1. {SHORTFALLS[0]}"))
    assert "其他单位事项 1 项" in line and "市场监管局配合整改" not in text


def test_draft_of_2020_lays_out_what_its_report_recorded_and_where_its_problems_stand(
    reviewer_client, staff_client, county
):
    """2020 holds no tracked work, only its report's record: the draft is that report in the
    official layout (achievements by area, the report's own words without their numbering),
    its problems and plans with where each stands in 2021; never a draft of "无。" throughout."""
    text = draft(reviewer_client, 2020)
    assert text.startswith("新乡县2020年度法治政府建设工作报告\n")
    results = part(text, "一、主要举措和成效", "二、上年度问题整改情况")
    assert "（一）依法全面履行政府职能" in results
    assert "4. 法律援助服务困难群体。全年共办理各类法律援助案件213起" in results
    assert "(四)法律援助" not in results  # the report's own numbering is not kept twice
    shortfalls = part(text, "四、存在的不足和原因", "五、")
    assert f"1. {SHORTFALLS[0]}（2021年：尚未开始整改）。" in shortfalls
    plans = part(text, "五、下一年度主要安排", "六、")
    assert f". {MEASURES[1]}（2021年：已完成）。" in plans
    assert "市场监管局配合整改" in plans
    # Staff read their units' part of it; another unit's problems and plans only as a count.
    staff_text = draft(staff_client, 2020)
    assert MEASURES[2] not in staff_text and "其他单位事项 2 项" in staff_text


# -- rollover ------------------------------------------------------------------------------


def test_rollover_never_carries_an_achievement(reviewer_client, county):
    plan = rollover_plan(from_year=2020, to_year=2021)
    assert plan.carried == []  # 21 achievements, all the year's record
    year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    assert not Item.objects.filter(carried_from__kind="achievement").exists()
    assert Item.objects.filter(year=2021, kind="achievement").count() == 0


def test_problems_stated_in_2020_left_open_in_2021_carry_into_2022_as_they_were_stated(
    reviewer_client, county
):
    y2020, _y2021 = county
    open_shortfall = Item.objects.get(title=SHORTFALLS[0])
    Item.objects.filter(pk=open_shortfall.pk).update(
        responsible_name="李明", responsible_post="副局长", responsible_phone="0373-5551234", ongoing=True
    )
    Item.objects.filter(title=SHORTFALLS[1]).update(status="done")
    year_rollover(from_year=2021, to_year=2022, user=reviewer_client.user)
    carried = Item.objects.get(carried_from=open_shortfall)
    assert (carried.year, carried.kind, carried.stated_in) == (2022, "shortfall", y2020)
    assert (carried.responsible_name, carried.responsible_post, carried.responsible_phone) == (
        "李明",
        "副局长",
        "0373-5551234",
    )
    assert carried.ongoing and carried.status == "not_started"
    assert not Item.objects.filter(carried_from__title=SHORTFALLS[1]).exists()  # closed out
    # Its open measure goes with it and still answers it; the done one stays.
    measure = Item.objects.get(carried_from__title=MEASURES[0])
    assert list(measure.addresses.all()) == [carried] and measure.stated_in == y2020
    assert not Item.objects.filter(carried_from__title=MEASURES[1]).exists()
    # 2021 shows where each problem went; 2022 does not list the copy as stated last year.
    page = reviewer_client.get(reverse("reports:detail", args=[2021])).content.decode()
    last_year = card(page, "last-year")
    line = last_year[last_year.index(SHORTFALLS[0]) :]
    assert "已结转至2022年" in line[: line.index("</li>")]
    page = reviewer_client.get(reverse("reports:detail", args=[2022])).content.decode()
    assert "last-year" not in page and SHORTFALLS[0] in card(page, "year-items")
    # And stated 2020's problems once each on 2020's page, the copy not among them.
    stated = card(reviewer_client.get(reverse("reports:detail", args=[2020])).content.decode(), "stated")
    assert stated.count(f">{SHORTFALLS[0]}</a>") == 1
