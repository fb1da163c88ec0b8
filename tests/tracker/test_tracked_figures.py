"""Achievements are the year's record, not work: every figure counts tracked work only
(issue 14, point 1). A year holding four achievements (done, as its report says) and four
tracked items of which one is done has a completion rate of 25 %, not 62.5 %, everywhere a
rate, an overdue count, a submission count or a total by unit, area or status is printed.
"""

import html
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reports.scoreboard import figures_by_year, unit_scoreboard, year_figures
from tests.factories import AnnualReportFactory, ItemFactory, ProgressUpdateFactory, StaffFactory
from tracker.models import Area, Item
from tracker.workflow import TRACKED_KINDS, tracked_q

pytestmark = pytest.mark.django_db


@pytest.fixture
def mixed_year(lead_unit, other_unit):
    """2021: 县司法局 leads four achievements (done, each with a figure's worth of history)
    and four tracked items: a task done, a task overdue, a shortfall submitted for review,
    a measure not yet due. 县市场监督管理局 leads one achievement and nothing else."""
    today = timezone.localdate()
    report = AnnualReportFactory(year=2021, state="active")
    area = Area.objects.get(code="2021-rules")
    for n in range(4):
        ItemFactory(
            report=report,
            kind="achievement",
            status="done",
            title=f"报告所载成效{n}",
            lead_unit=lead_unit,
            area=area,
            due_on=today - timedelta(days=400),  # an old date on a record: never overdue
        )
    ItemFactory(report=report, kind="achievement", status="done", title="他单位成效", lead_unit=other_unit)
    ItemFactory(report=report, title="已办结任务", status="done", lead_unit=lead_unit, area=area)
    ItemFactory(
        report=report,
        title="逾期任务",
        status="in_progress",
        lead_unit=lead_unit,
        due_on=today - timedelta(days=3),
    )
    ItemFactory(report=report, kind="shortfall", title="待审核问题", status="submitted", lead_unit=lead_unit)
    ItemFactory(
        report=report,
        kind="measure",
        title="未到期措施",
        lead_unit=lead_unit,
        due_on=today + timedelta(days=30),
    )
    return report


def test_tracked_work_is_every_kind_but_achievements():
    assert set(TRACKED_KINDS) == {"task", "shortfall", "measure"}
    assert "achievement" not in TRACKED_KINDS
    assert str(tracked_q()) == str(tracked_q("")) and "item__kind__in" in str(tracked_q("item__"))


def test_year_figures_count_tracked_work_and_achievements_apart(mixed_year, lead_unit, other_unit):
    figures = year_figures(year=2021)
    f = figures.figures
    assert (f.total, f.done, f.overdue, f.submitted, f.achievements) == (4, 1, 1, 1, 5)
    assert str(f.completion_rate) == "25.0"
    assert (f.shortfalls, f.shortfalls_done) == (1, 0)
    # No area or unit row holds achievements only.
    assert [unit for unit, _f in figures.by_unit] == [lead_unit]
    assert sum(f.total for _area, f in figures.by_area) == 4
    assert figures_by_year()[2021].total == 4 and figures_by_year()[2021].achievements == 5


def test_scoreboard_ranks_units_on_tracked_work(mixed_year, lead_unit, other_unit, staff_client, pdf):
    achievement = Item.objects.filter(kind="achievement", lead_unit=lead_unit).first()
    # A file on an achievement (its history kept as evidence) is no evidence of tracked work.
    from tracker.models import Evidence

    update = ProgressUpdateFactory(item=achievement)
    Evidence.objects.create(
        update=update,
        item=achievement,
        file="x.pdf",
        original_name="x.pdf",
        size=1,
        content_type="a",
        sha256="0",
    )
    rows = {row.unit: row for row in unit_scoreboard(year=2021, report_id=mixed_year.pk)}
    justice, market = rows[lead_unit].figures, rows[other_unit].figures
    assert (justice.total, justice.done, justice.overdue, justice.evidence) == (4, 1, 1, 0)
    assert str(justice.completion_rate) == "25.0"
    assert (market.total, market.done, market.completion_rate) == (0, 0, None)
    page = staff_client.get(reverse("scoreboard") + "?year=2021").content.decode()
    assert "25.0%" in page and "62.5%" not in page


def test_dashboard_counts_tracked_work_and_names_the_achievements_apart(reviewer_client, mixed_year):
    page = reviewer_client.get(reverse("home") + "?year=2021").content.decode()
    assert 'data-kpi="total">4<' in page
    assert 'data-kpi="completion">25.0%<' in page
    assert 'data-kpi="overdue">1<' in page
    assert 'data-kpi="waiting">1<' in page
    assert "另有报告所载成效 5 项，不计入" in page
    # The figures link to exactly the items they count.
    total_link = html.unescape(re.search(r'href="([^"]*kind=tracked[^"]*)"', page).group(1))
    listed = reviewer_client.get(total_link)
    assert listed.context["total"] == 4
    assert "报告所载成效" not in listed.content.decode()
    rules = Area.objects.get(code="2021-rules").pk
    bar = html.unescape(re.search(rf'href="([^"]*area={rules})"', page).group(1))
    assert "kind=tracked" in bar and reviewer_client.get(bar).context["total"] == 1  # not its 4 achievements


def test_home_status_table_counts_tracked_work_with_achievements_apart(
    staff_client, reviewer_client, mixed_year
):
    for client in (staff_client, reviewer_client):
        page = client.get(reverse("home")).content.decode()
        row = re.search(r'<th scope="row">2021</th>(.*?)</tr>', page, re.S).group(1)
        cells = [
            int(n) for n in re.findall(r'class="text-end num[^"]*">(?:<a [^>]*>)?(\d+)(?:</a>)?</td>', row)
        ]
        # not started, in progress, submitted, returned, done, total, achievements
        expected_achievements = 4 if client is staff_client else 5  # staff: their unit's
        assert cells == [1, 1, 1, 0, 1, 4, expected_achievements]


def test_staff_home_lists_no_achievement_as_work(staff_client, mixed_year):
    page = staff_client.get(reverse("home")).content.decode()
    boxes = page[page.index('class="row g-3 mb-4 my-items"') :]
    assert "逾期任务" in boxes and "报告所载成效" not in boxes


def test_item_list_shows_achievements_with_their_own_badge_and_filters_tracked_work(
    reviewer_client, mixed_year
):
    page = reviewer_client.get(reverse("tracker:items"), {"year": 2021}).content.decode()
    assert page.count('<span class="badge kind-achievement">工作成效</span>') == 5
    assert reviewer_client.get(reverse("tracker:items"), {"year": 2021}).context["total"] == 9
    tracked = reviewer_client.get(reverse("tracker:items"), {"year": 2021, "kind": "tracked"})
    assert tracked.context["total"] == 4 and "kind-achievement" not in tracked.content.decode()
    achievements = reviewer_client.get(reverse("tracker:items"), {"year": 2021, "kind": "achievement"})
    assert achievements.context["total"] == 5
    assert "跟踪事项（不含工作成效）" in page  # the choice is offered


def test_year_page_figures_count_tracked_work(reviewer_client, mixed_year):
    page = reviewer_client.get(reverse("reports:detail", args=[2021])).content.decode()
    work = page[page.index('class="card shadow-sm mb-3 year-work"') :]
    work = work[: work.index("</section>")]
    assert 'data-kpi="total">4<' in work and 'data-kpi="completion">25.0%<' in work
    assert 'data-kpi="overdue">1<' in work and 'data-kpi="waiting">1<' in work
    assert "4项已完成1项(25.0%)" not in work  # one bar per area: 2021-rules holds 1 of the 4
    assert "1项已完成1项(100.0%)" in work


def test_a_year_of_achievements_only_has_no_rate_and_no_overdue(reviewer_client, lead_unit):
    report = AnnualReportFactory(year=2020, state="active")
    ItemFactory.create_batch(3, report=report, kind="achievement", status="done", lead_unit=lead_unit)
    page = reviewer_client.get(reverse("home") + "?year=2020").content.decode()
    assert 'data-kpi="total">0<' in page and 'data-kpi="completion">—<' in page
    assert 'data-kpi="overdue">0<' in page and "另有报告所载成效 3 项，不计入" in page
    assert "year-work" not in reviewer_client.get(reverse("reports:detail", args=[2020])).content.decode()


def test_no_reminder_names_an_achievement(mailoutbox, lead_unit):
    today = timezone.localdate()
    report = AnnualReportFactory(year=2021, state="active")
    StaffFactory(units=[lead_unit], email="sfj@example.gov.cn")
    ItemFactory(report=report, lead_unit=lead_unit, title="逾期任务", due_on=today - timedelta(days=2))
    # An achievement is recorded done; one set back by hand in the admin is still no work.
    ItemFactory(
        report=report,
        kind="achievement",
        status="in_progress",
        lead_unit=lead_unit,
        title="报告所载成效",
        due_on=today - timedelta(days=2),
    )
    call_command("send_reminders", "--days", "7", verbosity=0)
    (mail,) = mailoutbox
    assert "逾期任务" in mail.body and "报告所载成效" not in mail.body
