"""The monthly 通报 (/reports/<year>/circular/?month=YYYY-MM): its figures are the dashboard's
and the scoreboard's as of the month's last day; the month's chases, the overdue items and the
instructions open at the month's end are listed; only reviewers get it."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from docx import Document

from reports.scoreboard import unit_scoreboard, year_figures
from tests.factories import AnnualReportFactory, ItemFactory, ProgressUpdateFactory
from tracker.choices import ItemKind, ItemStatus, UpdateKind
from tracker.models import Chase, Instruction, ProgressUpdate
from tracker.services import instruction_add, items_chase

pytestmark = pytest.mark.django_db

D = datetime.date
END = D(2021, 9, 30)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def chase_on(item, user, day, note="请加快进度") -> Chase:
    (chase,) = items_chase(items=[item], user=user, note=note)
    Chase.objects.filter(pk=chase.pk).update(created_at=at(day))
    ProgressUpdate.objects.filter(pk=chase.update_id).update(created_at=at(day))
    return chase


def instruct_on(item, user, day, text, handled=None) -> Instruction:
    instruction = instruction_add(item=item, user=user, text=text)
    Instruction.objects.filter(pk=instruction.pk).update(
        created_at=at(day), handled_at=at(handled) if handled else None
    )
    return instruction


@pytest.fixture
def year(lead_unit, other_unit, coop_unit, reviewer_client, leader_client):
    """2021: 县司法局 leads three tasks (one done on time, one done late, one overdue since
    2021-08-31); 县市场监督管理局 two (one overdue, one due in December); 县财政局 one done;
    an achievement, counted in nothing. Chases in August, September (one answered, one not)
    and October; instructions open, handled before the month's end, handled after it, and
    given after it."""
    report = AnnualReportFactory(year=2021, state="active", issuer="新乡县人民政府")
    make = ItemFactory
    make(
        report=report,
        lead_unit=lead_unit,
        title="规范性文件备案审查",
        status=ItemStatus.DONE,
        due_on=D(2021, 6, 30),
        done_at=at(D(2021, 6, 1)),
    )
    make(
        report=report,
        lead_unit=lead_unit,
        title="行政复议体制改革",
        status=ItemStatus.DONE,
        due_on=D(2021, 6, 30),
        done_at=at(D(2021, 7, 15)),
    )
    staffing = make(
        report=report,
        lead_unit=lead_unit,
        title="充实执法人员力量",
        status=ItemStatus.IN_PROGRESS,
        due_on=D(2021, 8, 31),
    )
    permits = make(
        report=report,
        lead_unit=other_unit,
        title="优化营商环境许可事项",
        status=ItemStatus.NOT_STARTED,
        due_on=D(2021, 9, 10),
    )
    license_ = make(
        report=report,
        lead_unit=other_unit,
        title="证照分离改革全覆盖",
        status=ItemStatus.IN_PROGRESS,
        due_on=D(2021, 12, 31),
    )
    make(
        report=report,
        lead_unit=coop_unit,
        title="预算绩效管理",
        status=ItemStatus.DONE,
        due_on=None,
        done_at=at(D(2021, 5, 1)),
    )
    make(report=report, lead_unit=coop_unit, title="已获评法治政府建设示范县", kind=ItemKind.ACHIEVEMENT)
    leader = leader_client.user
    chase_on(staffing, leader, D(2021, 8, 20), note="八月催办")
    answered = chase_on(staffing, leader, D(2021, 9, 5))
    ProgressUpdateFactory(item=staffing, kind=UpdateKind.PROGRESS, note="已报送编制申请")
    ProgressUpdate.objects.filter(note="已报送编制申请").update(created_at=at(D(2021, 9, 12)))
    chase_on(permits, leader, D(2021, 9, 25))
    # Answered only after the month's end: not answered as of 2021-09-30.
    ProgressUpdateFactory(item=permits, kind=UpdateKind.PROGRESS, note="十月进展")
    ProgressUpdate.objects.filter(note="十月进展").update(created_at=at(D(2021, 10, 3)))
    chase_on(license_, leader, D(2021, 10, 8), note="十月催办")
    instruct_on(staffing, leader, D(2021, 9, 1), "请月底前报告进展")
    instruct_on(permits, leader, D(2021, 7, 1), "七月批示已办结", handled=D(2021, 8, 1))
    instruct_on(license_, leader, D(2021, 8, 10), "十月才办结的批示", handled=D(2021, 10, 9))
    instruct_on(license_, leader, D(2021, 10, 2), "十月的新批示")
    return {"report": report, "answered": answered}


def circular(client, month="2021-09", year=2021):
    response = client.get(f"/reports/{year}/circular/", {"month": month})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].endswith("wordprocessingml.document")
    return Document(io.BytesIO(b"".join(response.streaming_content)))


def paragraphs(document) -> list[str]:
    return [p.text for p in document.paragraphs]


def table(document, first: str, last: str) -> list[list[str]]:
    """The rows (header left out) of the table whose header runs from ``first`` to ``last``."""
    for candidate in document.tables:
        rows = [[cell.text for cell in row.cells] for row in candidate.rows]
        if (rows[0][0], rows[0][-1]) == (first, last):
            return rows[1:]
    raise AssertionError(f"no table headed {first} … {last}")


def section_text(document, heading: str) -> str:
    """The paragraphs under ``heading`` up to the next heading, joined."""
    texts = paragraphs(document)
    start = texts.index(heading) + 1
    end = next(
        (n for n in range(start, len(texts)) if re.match("^[一二三四五六七八九十]、", texts[n])), len(texts)
    )
    return "\n".join(texts[start:end])


def rate(value) -> str:
    return "—" if value is None else f"{value}%"


def test_the_circular_gives_the_dashboards_figures_as_of_the_months_last_day(reviewer_client, year):
    document = circular(reviewer_client)
    figures = year_figures(year=2021, on=END).figures
    assert (figures.total, figures.done, figures.overdue) == (6, 3, 2)  # the fixture's story
    texts = paragraphs(document)
    assert texts[0] == "关于2021年9月法治政府建设工作推进情况的通报"
    assert "法治通报〔2021〕第9期" in texts
    overall = section_text(document, "一、总体情况")
    assert "截至2021年9月30日" in overall
    assert (
        f"共跟踪事项{figures.total}项，已办结{figures.done}项，办结率{rate(figures.completion_rate)}"
        in overall
    )
    assert f"按期完成率{rate(figures.on_time_rate)}" in overall
    assert f"逾期未办结{figures.overdue}项" in overall
    # The issuer is the year's report's, dated the day the figures stand at.
    assert texts[-2:] == ["新乡县人民政府", "2021年9月30日"]


def test_the_units_are_ranked_as_the_scoreboard_ranks_them_on_that_day(reviewer_client, year):
    rows = table(circular(reviewer_client), "排名", "逾期")
    board = [row for row in unit_scoreboard(year=2021, report_id=year["report"].pk, on=END) if row.rank]
    assert rows == [
        [
            str(row.rank),
            row.unit.name,
            str(row.figures.total),
            str(row.figures.done),
            rate(row.figures.completion_rate),
            rate(row.figures.on_time_rate),
            str(row.figures.overdue),
        ]
        for row in board
    ]
    # Fewer overdue first: 县财政局 (none overdue, all done) above the two with one each.
    assert [row[1] for row in rows] == ["县财政局", "县司法局", "县市场监督管理局"]


def test_overdue_items_are_listed_by_unit_with_days_overdue_and_add_up(reviewer_client, year):
    document = circular(reviewer_client)
    rows = table(document, "单位", "逾期天数")
    assert rows == [
        ["县司法局", "充实执法人员力量", "2021-08-31", "30"],
        ["县市场监督管理局", "优化营商环境许可事项", "2021-09-10", "20"],
    ]
    assert len(rows) == year_figures(year=2021, on=END).figures.overdue
    # An item due in December is not overdue in September's circular.
    assert "证照分离改革全覆盖" not in [row[1] for row in rows]


def test_the_months_chases_are_listed_with_whether_the_unit_answered_by_its_end(reviewer_client, year):
    document = circular(reviewer_client)
    rows = table(document, "事项", "反馈情况")
    assert rows == [
        ["充实执法人员力量", "县司法局", "2021-09-05", "已反馈"],
        ["优化营商环境许可事项", "县市场监督管理局", "2021-09-25", "未反馈"],
    ]
    assert "本月共催办2次，截至2021年9月30日，已反馈1次，未反馈1次。" in paragraphs(document)
    # August's and October's chases are in their own months' circulars.
    assert [row[2] for row in table(circular(reviewer_client, "2021-08"), "事项", "反馈情况")] == [
        "2021-08-20"
    ]
    assert [row[2] for row in table(circular(reviewer_client, "2021-10"), "事项", "反馈情况")] == [
        "2021-10-08"
    ]


def test_the_instructions_open_at_the_months_end_are_listed_with_their_age(reviewer_client, year):
    document = circular(reviewer_client)
    assert table(document, "事项", "已历时") == [
        ["证照分离改革全覆盖", "十月才办结的批示", "县市场监督管理局", "2021-08-10", "51天"],
        ["充实执法人员力量", "请月底前报告进展", "县司法局", "2021-09-01", "29天"],
    ]
    assert "截至2021年9月30日，尚未办结的领导批示2件：" in paragraphs(document)


def test_a_quiet_month_says_so_in_each_part(reviewer_client, year):
    document = circular(reviewer_client, "2021-01")
    texts = paragraphs(document)
    assert "无逾期事项。" in texts
    assert "本月未开展催办。" in texts
    assert "领导批示均已办结。" in texts
    assert texts.index("六、下一步工作要求") > texts.index("五、领导批示办理情况")


def test_the_current_months_circular_equals_the_dashboard_and_the_scoreboard_pages(
    reviewer_client, lead_unit, other_unit
):
    """While a month runs its figures stand at today: the dashboard's cards and the
    scoreboard's order, as the pages show them."""
    now = timezone.localdate()
    report = AnnualReportFactory(year=now.year, state="active")
    ItemFactory(
        report=report, lead_unit=lead_unit, status=ItemStatus.DONE, due_on=now, done_at=timezone.now()
    )
    ItemFactory(report=report, lead_unit=other_unit, due_on=now - datetime.timedelta(days=3))
    ItemFactory(report=report, lead_unit=other_unit, due_on=now + datetime.timedelta(days=30))
    document = circular(reviewer_client, f"{now:%Y-%m}", now.year)
    page = reviewer_client.get("/", {"year": now.year}).content.decode()

    def kpi(name):
        return re.search(rf'data-kpi="{name}">([^<]+)<', page).group(1)

    overall = section_text(document, "一、总体情况")
    assert f"共跟踪事项{kpi('total')}项" in overall
    assert f"办结率{kpi('completion')}" in overall
    assert f"逾期未办结{kpi('overdue')}项" in overall
    assert (kpi("total"), kpi("completion"), kpi("overdue")) == ("3", "33.3%", "1")
    scoreboard = reviewer_client.get("/units/", {"year": now.year}).content.decode()
    units = [row[1] for row in table(document, "排名", "逾期")]
    assert units == ["县司法局", "县市场监督管理局"]
    assert scoreboard.index("县司法局") < scoreboard.index("县市场监督管理局")


@pytest.mark.parametrize(
    ("month", "error"),
    [
        ("", "请选择月份，例如 2021-09。"),
        ("2021-13", "“2021-13”不是有效的月份"),
        ("九月", "“九月”不是有效的月份"),
        ("2020-09", "请选择2021年内的月份。"),
    ],
)
def test_a_missing_or_bad_month_gives_the_picker_again_with_the_error(reviewer_client, year, month, error):
    response = reviewer_client.get("/reports/2021/circular/", {"month": month})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-testid="circular-error"' in text and error in text
    assert 'type="month"' in text


def test_a_month_not_yet_begun_is_refused(reviewer_client):
    now = timezone.localdate()
    AnnualReportFactory(year=now.year + 1)
    response = reviewer_client.get(f"/reports/{now.year + 1}/circular/", {"month": f"{now.year + 1}-12"})
    assert response.status_code == 400
    assert f"{now.year + 1}-12尚未开始。" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("other", 403), ("lead", 403), ("coop", 403), ("leader", 403), ("reviewer", 200)],
)
def test_only_reviewers_get_the_circular(clients, year, role, status):
    response = clients[role].get("/reports/2021/circular/", {"month": "2021-09"})
    assert response.status_code == status
    if status == 302:
        assert response.url.startswith("/accounts/login/")


def test_the_year_page_offers_the_month_picker_to_reviewers_only(clients, year):
    picker = 'action="/reports/2021/circular/"'
    assert picker in clients["reviewer"].get("/reports/2021/").content.decode()
    for role in ("leader", "lead", "other"):
        assert picker not in clients[role].get("/reports/2021/").content.decode()


def test_unknown_year_is_404(reviewer_client):
    assert reviewer_client.get("/reports/1999/circular/", {"month": "1999-09"}).status_code == 404


@pytest.mark.parametrize("n", [3, 30])
def test_the_circulars_queries_do_not_grow_with_its_rows(
    reviewer_client, leader_client, lead_unit, django_assert_max_num_queries, n
):
    report = AnnualReportFactory(year=2021, state="active")
    for _ in range(n):
        item = ItemFactory(report=report, lead_unit=lead_unit, due_on=D(2021, 8, 31))
        chase_on(item, leader_client.user, D(2021, 9, 5))
        instruct_on(item, leader_client.user, D(2021, 9, 1), "请报告进展")
    with django_assert_max_num_queries(18):  # +1: the person's government (issue 19)
        document = circular(reviewer_client)
    assert len(table(document, "单位", "逾期天数")) == n
    assert len(table(document, "事项", "反馈情况")) == n
    assert len(table(document, "事项", "已历时")) == n


def test_work_with_no_lead_unit_closes_the_unit_table_as_on_the_scoreboard(reviewer_client, year):
    ItemFactory(report=year["report"], lead_unit=None, title="尚未分办的任务", due_on=D(2021, 9, 1))
    document = circular(reviewer_client)
    units = table(document, "排名", "逾期")
    assert units[-1] == ["—", "未明确牵头单位", "1", "0", "0.0%", "0.0%", "1"]
    figures = year_figures(year=2021, on=END).figures
    assert sum(int(row[2]) for row in units) == figures.total == 7
    assert sum(int(row[6]) for row in units) == figures.overdue == 3
    assert table(document, "单位", "逾期天数")[-1] == ["未明确牵头单位", "尚未分办的任务", "2021-09-01", "29"]


def test_the_picker_offers_the_years_months_that_have_begun(reviewer_client, year):
    page = reviewer_client.get("/reports/2021/").content.decode()
    assert re.search(
        r'<input type="month" name="month" value="2021-12"[^>]* min="2021-01" max="2021-12"', page
    )
    now = timezone.localdate()
    AnnualReportFactory(year=now.year)
    page = reviewer_client.get(f"/reports/{now.year}/").content.decode()
    assert f'max="{now:%Y-%m}"' in page and f'value="{now:%Y-%m}"' in page


# -- the 通报 written by a job (POST /reports/<year>/circular/job/) ------------------------------


def start_circular_job(client, month="2021-09"):
    from jobs.models import Job

    response = client.post("/reports/2021/circular/job/", {"month": month})
    assert response.status_code == 303
    match = re.fullmatch(r"/jobs/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return Job.objects.get(pk=match[1])


def docx_of(response) -> Document:
    return Document(io.BytesIO(b"".join(response.streaming_content)))


def test_the_circular_job_writes_the_same_docx_as_the_page(reviewer_client, year):
    from jobs.models import JobState

    job = start_circular_job(reviewer_client)
    # No queue (no REDIS_URL): the job ran at once.
    assert job.state == JobState.DONE and job.error == ""
    assert job.params["report"] == year["report"].pk and job.params["month"] == 9
    page = reviewer_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "2021-09" in page and f'href="/jobs/{job.pk}/download/"' in page
    download = reviewer_client.get(f"/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert "%E9%80%9A%E6%8A%A5-2021-09.docx" in download["Content-Disposition"]  # 通报-2021-09.docx
    from_job = docx_of(download)
    from_page = circular(reviewer_client, "2021-09")
    assert paragraphs(from_job) == paragraphs(from_page)
    assert [[[cell.text for cell in row.cells] for row in t.rows] for t in from_job.tables] == [
        [[cell.text for cell in row.cells] for row in t.rows] for t in from_page.tables
    ]
    assert len(from_job.tables) >= 2


def test_only_the_owner_downloads_the_circular(clients, year):
    job = start_circular_job(clients["reviewer"])
    for role in ("other", "lead", "coop", "leader"):
        for path in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/download/"):
            assert clients[role].get(path).status_code == 404, (role, path)
    assert clients["anonymous"].get(f"/jobs/{job.pk}/download/").status_code == 302


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("other", 403), ("lead", 403), ("coop", 403), ("leader", 403), ("reviewer", 303)],
)
def test_only_reviewers_start_the_circular_job(clients, year, role, status):
    from jobs.models import Job

    response = clients[role].post("/reports/2021/circular/job/", {"month": "2021-09"})
    assert response.status_code == status
    assert Job.objects.filter(kind="circular").count() == (1 if role == "reviewer" else 0)


def test_the_circular_job_is_post_only_and_a_bad_month_starts_nothing(reviewer_client, year):
    from jobs.models import Job

    assert reviewer_client.get("/reports/2021/circular/job/", {"month": "2021-09"}).status_code == 405
    response = reviewer_client.post("/reports/2021/circular/job/", {"month": "2021-13"})
    assert response.status_code == 400
    text = response.content.decode()
    assert 'data-testid="circular-error"' in text and "“2021-13”不是有效的月份" in text
    assert reviewer_client.post("/reports/1999/circular/job/", {"month": "1999-09"}).status_code == 404
    assert not Job.objects.exists()


def test_the_year_page_offers_the_circular_job_to_reviewers_only(clients, year):
    button = 'action="/reports/2021/circular/job/"'
    page = clients["reviewer"].get("/reports/2021/").content.decode()
    assert button in page and "生成通报" in page
    for role in ("leader", "lead", "other"):
        assert button not in clients[role].get("/reports/2021/").content.decode()
