"""Years that link: rollover carries exactly the unfinished items and open shortfalls'
measures, once; a closed year refuses every write."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse

from reports.models import AnnualReport
from reports.services import ImportRefused, rollover_plan, year_close, year_rollover
from tests.factories import AnnualReportFactory, ItemFactory, LeaderFactory, StaffFactory, UnitFactory
from tracker.models import Area, Item
from tracker.services import extension_request, instruction_add, item_add_progress, item_review, items_assign

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def year_2020(lead_unit, coop_unit):
    """2020: a task done, a task in progress, an open shortfall with two measures (one done),
    a closed-out shortfall with its done measure."""
    report = AnnualReportFactory(year=2020, state="active")
    area = Area.objects.get(code="2015-rules")

    def make(title, kind="task", status="not_started", **kw):
        return ItemFactory(
            report=report, title=title, kind=kind, status=status, lead_unit=lead_unit, area=area, **kw
        )

    make("已完成的任务", status="done")
    ongoing = make("推进中的任务", status="in_progress", due_on=date(2020, 12, 31))
    ongoing.cooperating_units.add(coop_unit)
    open_gap = make("执法人员不足", kind="shortfall", status="in_progress")
    closed_gap = make("制度不健全", kind="shortfall", status="done")
    done_measure = make("加强执法培训", kind="measure", status="done")
    open_measure = make("充实执法力量", kind="measure", status="in_progress", due_on=date(2020, 2, 29))
    finished = make("完善制度", kind="measure", status="done")
    done_measure.addresses.add(open_gap)
    open_measure.addresses.add(open_gap)
    finished.addresses.add(closed_gap)
    return report


def carried_titles(year):
    return sorted(Item.objects.filter(year=year).values_list("title", "kind"))


def test_rollover_carries_unfinished_items_and_open_shortfalls_measures_once(year_2020, reviewer_client):
    plan = year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    assert plan.created_report
    assert carried_titles(2021) == sorted(
        [
            ("推进中的任务", "task"),
            ("执法人员不足", "shortfall"),
            ("加强执法培训", "task"),  # a done measure of an open shortfall: the work goes on
            ("充实执法力量", "task"),
        ]
    )
    report = AnnualReport.objects.get(year=2021)
    assert report.previous == year_2020 and report.state == "draft"
    again = year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    assert again.carried == [] and again.already == 4
    assert Item.objects.filter(year=2021).count() == 4


def test_carried_items_keep_units_and_move_deadline_and_area(
    year_2020, reviewer_client, lead_unit, coop_unit
):
    year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    task = Item.objects.get(year=2021, title="推进中的任务")
    assert task.carried_from.title == "推进中的任务" and task.carried_from.year == 2020
    assert task.lead_unit == lead_unit and list(task.cooperating_units.all()) == [coop_unit]
    assert task.due_on == date(2021, 12, 31) and task.status == "not_started"
    assert task.area.code == "2021-rules"  # the same area in the 2021-2025 framework
    assert Item.objects.get(year=2021, title="充实执法力量").due_on == date(2021, 2, 28)
    assert task.updates.get().text == "Carried over from 2020."


def test_rollover_can_keep_statuses(year_2020, reviewer_client):
    year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user, keep_status=True)
    assert Item.objects.get(year=2021, title="推进中的任务").status == "in_progress"


def test_rollover_into_an_existing_record_links_it(year_2020, reviewer_client):
    existing = AnnualReportFactory(year=2021)
    plan = year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    assert not plan.created_report
    existing.refresh_from_db()
    assert existing.previous == year_2020 and existing.items.count() == 4


def test_rollover_is_refused_to_other_roles_and_other_years(year_2020, staff_client):
    with pytest.raises(PermissionDenied):
        year_rollover(from_year=2020, to_year=2021, user=staff_client.user)
    with pytest.raises(ImportRefused):
        rollover_plan(from_year=2020, to_year=2022)
    with pytest.raises(ImportRefused):
        rollover_plan(from_year=1999, to_year=2000)


def test_rollover_command_previews_then_carries(year_2020, reviewer_client, capsys):
    call_command("rollover", "2020", "2021", "--dry-run", "--user", reviewer_client.user.username)
    assert "would carry 4 items (3 tasks, 1 shortfalls, 0 measures)" in capsys.readouterr().out
    assert not Item.objects.filter(year=2021).exists()
    call_command("rollover", "2020", "2021", "--user", reviewer_client.user.username)
    assert "carried 4 items" in capsys.readouterr().out
    call_command("rollover", "2020", "2021", "--user", reviewer_client.user.username)
    out = capsys.readouterr().out
    assert "carried 0 items" in out and "4 carried before" in out


ROLL = {"anonymous": "login", "other": 403, "lead": 403, "coop": 403, "leader": 403, "reviewer": 200}


@pytest.mark.parametrize("role", list(ROLL))
def test_rollover_page_permissions(clients, year_2020, role):
    response = clients[role].get(reverse("reports:rollover", args=[2020]))
    if ROLL[role] == "login":
        assert response.status_code == 302 and "/accounts/login/" in response.url
    else:
        assert response.status_code == ROLL[role]
    if ROLL[role] == 200:
        assert "推进中的任务" in response.content.decode()
        assert not Item.objects.filter(year=2021).exists()  # the preview writes nothing


def test_rollover_page_confirm_writes(reviewer_client, year_2020):
    response = reviewer_client.post(reverse("reports:rollover", args=[2020]), {"keep_status": "1"})
    assert response.status_code == 302 and response.url == reverse("reports:detail", args=[2021])
    assert Item.objects.get(year=2021, title="推进中的任务").status == "in_progress"


# -- closing a year ------------------------------------------------------------------------


@pytest.fixture
def closed_item(item, staff_client, reviewer_client):
    item_add_progress(item=item, user=staff_client.user, status="in_progress", note="x", expected_version=1)
    item.refresh_from_db()
    item_add_progress(item=item, user=staff_client.user, status="submitted", note="y", expected_version=2)
    item.refresh_from_db()
    year_close(report=item.report, user=reviewer_client.user)
    item.report.refresh_from_db()
    return item


def test_a_closed_year_refuses_every_write_in_the_services(
    closed_item, staff_client, reviewer_client, other_unit
):
    item = closed_item
    leader = LeaderFactory()
    attempts = [
        lambda: item_add_progress(item=item, user=staff_client.user, note="z", expected_version=item.version),
        lambda: item_review(item=item, user=reviewer_client.user, decision="approve"),
        lambda: extension_request(item=item, user=staff_client.user, new_due_on=date(2099, 1, 1), reason="r"),
        lambda: items_assign(items=[item], user=reviewer_client.user, changes={"lead_unit": other_unit}),
        lambda: instruction_add(item=item, user=leader, text="t"),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError, match="closed"):
            attempt()
    item.refresh_from_db()
    assert item.status == "submitted" and item.version == 3


def test_a_closed_year_refuses_writes_over_http_and_says_so(
    closed_item, staff_client, reviewer_client, other_unit
):
    item = closed_item
    closed = f"{item.year} 年度已关闭，不能再修改。"
    # A form sent from a page opened before the year was closed: refused, and told why.
    response = staff_client.post(item.get_absolute_url(), {"note": "z", "version": item.version})
    assert response.status_code == 400 and closed in response.content.decode()
    for url, data in [
        (reverse("tracker:item_review", args=[item.pk]), {"decision": "approve"}),
        (
            reverse("tracker:item_assign", args=[item.pk]),
            {"lead_unit": other_unit.pk, "version": item.version},
        ),
    ]:
        response = reviewer_client.post(url, data)
        assert response.status_code == 400 and closed in response.content.decode()
    page = staff_client.get(item.get_absolute_url()).content.decode()
    assert "本年度已关闭" in page or "年度已关闭" in page
    assert 'id="progress"' not in page
    item.refresh_from_db()
    assert item.status == "submitted"


CLOSE = {"anonymous": "login", "other": 403, "lead": 403, "coop": 403, "leader": 403, "reviewer": 302}


@pytest.mark.parametrize("role", list(CLOSE))
def test_close_permissions(clients, item, role):
    response = clients[role].post(reverse("reports:close", args=[2020]))
    if CLOSE[role] == "login":
        assert response.status_code == 302 and "/accounts/login/" in response.url
    else:
        assert response.status_code == CLOSE[role]
    item.report.refresh_from_db()
    assert item.report.is_closed == (CLOSE[role] == 302)


def test_year_page_shows_what_became_of_last_years_shortfalls(year_2020, reviewer_client, staff_client):
    year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    page = reviewer_client.get(reverse("reports:detail", args=[2021])).content.decode()
    section = page[page.index('class="card shadow-sm mb-3 last-year"') :]
    section = section[: section.index("</section>")]
    for title in ("执法人员不足", "制度不健全", "加强执法培训", "充实执法力量", "完善制度"):
        assert title in section
    assert "已销号" in section  # 制度不健全 was closed out
    carried = Item.objects.get(year=2021, title="执法人员不足")
    assert carried.get_absolute_url() in section  # where the open shortfall stands this year
    # Staff of another unit see none of it.
    other = StaffFactory(units=[UnitFactory()])
    staff_client.force_login(other)
    assert "last-year" not in staff_client.get(reverse("reports:detail", args=[2021])).content.decode()


def test_year_page_query_count_does_not_grow_with_last_years_shortfalls(
    year_2020, reviewer_client, lead_unit, django_assert_max_num_queries
):
    year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    url = reverse("reports:detail", args=[2021])
    with django_assert_max_num_queries(20) as first:
        reviewer_client.get(url)
    for n in range(10):
        gap = ItemFactory(report=year_2020, kind="shortfall", title=f"问题{n}", lead_unit=lead_unit)
        ItemFactory(report=year_2020, kind="measure", title=f"措施{n}", lead_unit=lead_unit).addresses.add(
            gap
        )
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert reviewer_client.get(url).status_code == 200


def test_carried_measures_answer_the_carried_shortfall(year_2020, reviewer_client):
    year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    gap = Item.objects.get(year=2021, title="执法人员不足")
    assert sorted(gap.measures.values_list("title", flat=True)) == ["充实执法力量", "加强执法培训"]


def test_closed_years_leave_the_review_queue(closed_item, reviewer_client):
    page = reviewer_client.get(reverse("tracker:review")).content.decode()
    assert closed_item.title not in page


def test_a_database_error_midway_through_a_rollover_writes_nothing(year_2020, reviewer_client, monkeypatch):
    from django.db import DatabaseError

    from tracker.models import ProgressUpdate

    real_create = ProgressUpdate.objects.create
    calls = {"n": 0}

    def fail_on_third(**kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise DatabaseError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(ProgressUpdate.objects, "create", fail_on_third)
    with pytest.raises(DatabaseError):
        year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    assert not AnnualReport.objects.filter(year=2021).exists()
    assert not Item.objects.filter(year=2021).exists()
