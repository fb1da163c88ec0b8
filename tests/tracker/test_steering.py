"""The rule-of-law office steers: review queue, decisions, extensions, assignment, leaders'
instructions and follows, the unit scoreboard and ratings, the dashboard, reminders."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    ReviewerFactory,
    StaffFactory,
    UnitFactory,
)
from tracker.models import (
    Evidence,
    ExtensionRequest,
    Follow,
    Instruction,
    Item,
    ProgressUpdate,
    ReminderLog,
    Review,
    UnitRating,
)
from tracker.scoreboard import unit_scoreboard
from tracker.services import (
    extension_decide,
    extension_request,
    instruction_add,
    item_add_progress,
    item_review,
    items_assign,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

ROLES = ["anonymous", "other", "lead", "coop", "leader", "reviewer"]


def submit(item, user, note="已完成，请审核", files=()):
    """Move ``item`` to submitted as ``user`` (through in progress when needed)."""
    item.refresh_from_db()
    if item.status in ("not_started", "returned"):
        item_add_progress(
            item=item, user=user, status="in_progress", note="推进中", expected_version=item.version
        )
        item.refresh_from_db()
    item_add_progress(
        item=item, user=user, status="submitted", note=note, files=files, expected_version=item.version
    )
    item.refresh_from_db()
    return item


def assert_status(response, expected):
    if expected == "login":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == expected


# -- review decisions ----------------------------------------------------------------------


def test_approving_marks_done_with_a_review_and_a_history_entry(item, staff_client, reviewer_client):
    submit(item, staff_client.user)
    review = item_review(item=item, user=reviewer_client.user, decision="approve")
    item.refresh_from_db()
    assert item.status == "done" and item.done_at is not None
    assert review.update.status_from == "submitted" and review.update.status_to == "done"
    assert review.update.kind == "review"


def test_nobody_approves_his_or_her_own_submission(item, reviewer_client):
    submit(item, reviewer_client.user)
    with pytest.raises(PermissionDenied):
        item_review(item=item, user=reviewer_client.user, decision="approve")
    item.refresh_from_db()
    assert item.status == "submitted" and not Review.objects.exists()


def test_return_without_comment_is_refused(item, staff_client, reviewer_client):
    submit(item, staff_client.user)
    with pytest.raises(ValidationError, match="Say why"):
        item_review(item=item, user=reviewer_client.user, decision="return", comment="  ")
    item.refresh_from_db()
    assert item.status == "submitted" and not Review.objects.exists()


def test_only_submitted_items_are_decided(item, reviewer_client):
    with pytest.raises(ValidationError, match="not waiting for review"):
        item_review(item=item, user=reviewer_client.user, decision="approve")


def test_returned_item_shows_on_the_submitters_home_with_the_comment(item, staff_client, reviewer_client):
    submit(item, staff_client.user)
    reviewer_client.post(
        reverse("tracker:item_review", args=[item.pk]),
        {"decision": "return", "comment": "缺少会议纪要", "next": "queue"},
    )
    item.refresh_from_db()
    assert item.status == "returned"
    page = staff_client.get(reverse("home")).content.decode()
    assert "全面推行法律风险防控制度" in page and "缺少会议纪要" in page


def test_a_returned_item_shows_on_the_lead_units_home_not_on_a_cooperating_units(
    item, staff_client, coop_staff_client, reviewer_client
):
    submit(item, staff_client.user)
    item_review(item=item, user=reviewer_client.user, decision="return", comment="缺少会议纪要")
    lead_home = staff_client.get(reverse("home")).content.decode()
    coop_home = coop_staff_client.get(reverse("home")).content.decode()
    assert "缺少会议纪要" in lead_home
    # The cooperating unit sees the item, but it was not returned to that unit.
    assert "缺少会议纪要" not in coop_home


REVIEW_QUEUE = {"anonymous": "login", "other": 403, "lead": 403, "coop": 403, "leader": 403, "reviewer": 200}


@pytest.mark.parametrize("role", ROLES)
def test_review_queue_permissions(clients, item, staff_client, role):
    submit(item, staff_client.user)
    response = clients[role].get(reverse("tracker:review"))
    assert_status(response, REVIEW_QUEUE[role])
    if REVIEW_QUEUE[role] == 200:
        assert "全面推行法律风险防控制度" in response.content.decode()


DECIDE = {"anonymous": "login", "other": 404, "lead": 403, "coop": 403, "leader": 403, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_review_decision_permissions(clients, item, staff_client, role):
    submit(item, staff_client.user)
    response = clients[role].post(reverse("tracker:item_review", args=[item.pk]), {"decision": "approve"})
    assert_status(response, DECIDE[role])
    item.refresh_from_db()
    assert (item.status == "done") == (DECIDE[role] == 302)


def test_queue_shows_the_submission_note_and_evidence_oldest_first(
    reviewer_client, staff_client, lead_unit, pdf, django_assert_max_num_queries
):
    report = AnnualReportFactory(year=2020)
    first, second = (
        ItemFactory(report=report, lead_unit=lead_unit, title=t) for t in ("先提交的事项", "后提交的事项")
    )
    submit(first, staff_client.user, note="第一份说明", files=[pdf("纪要.pdf")])
    submit(second, staff_client.user, note="第二份说明")
    page = reviewer_client.get(reverse("tracker:review")).content.decode()
    assert page.index("先提交的事项") < page.index("后提交的事项")
    assert "第一份说明" in page and "纪要.pdf" in page
    for _n in range(20):
        submit(ItemFactory(report=report, lead_unit=lead_unit), staff_client.user, files=[pdf()])
    with django_assert_max_num_queries(12):
        assert reviewer_client.get(reverse("tracker:review")).status_code == 200


def test_own_submission_shows_no_decision_buttons(reviewer_client, item):
    submit(item, reviewer_client.user)
    page = reviewer_client.get(reverse("tracker:review")).content.decode()
    assert "须由其他审核人审核" in page
    assert f'action="{reverse("tracker:item_review", args=[item.pk])}"' not in page


def test_item_page_offers_the_decision_to_every_reviewer_but_the_last_submitter(
    reviewer_client, staff_client, item
):
    second = ReviewerFactory(username="reviewer2")
    other_reviewer = Client()
    other_reviewer.force_login(second)
    url, action = item.get_absolute_url(), f'action="{reverse("tracker:item_review", args=[item.pk])}"'
    submit(item, reviewer_client.user)
    page = reviewer_client.get(url).content.decode()
    assert "须由其他审核人审核" in page and action not in page
    assert action in other_reviewer.get(url).content.decode()
    # Returned, then submitted again by the unit: the latest submission is the one that counts.
    item.refresh_from_db()
    item_review(item=item, user=second, decision="return", comment="补充材料")
    submit(item, staff_client.user)
    page = reviewer_client.get(url).content.decode()
    assert action in page and "须由其他审核人审核" not in page


# -- extensions ----------------------------------------------------------------------------


def test_granted_extension_moves_the_deadline_and_overdue_follows(item, staff_client, reviewer_client):
    today = timezone.localdate()
    Item.objects.filter(pk=item.pk).update(due_on=today - timedelta(days=3))
    item.refresh_from_db()
    overdue_url = reverse("tracker:items") + "?year=2020&overdue=yes"
    assert "全面推行法律风险防控制度" in reviewer_client.get(overdue_url).content.decode()
    request = extension_request(
        item=item, user=staff_client.user, new_due_on=today + timedelta(days=30), reason="等待上级文件"
    )
    extension_decide(extension=request, user=reviewer_client.user, grant=True)
    item.refresh_from_db()
    assert item.due_on == today + timedelta(days=30)
    assert "全面推行法律风险防控制度" not in reviewer_client.get(overdue_url).content.decode()
    page = reviewer_client.get(item.get_absolute_url()).content.decode()
    original = (today - timedelta(days=3)).strftime("%Y-%m-%d")
    assert f"原定{original}，已调整1次" in page
    assert ProgressUpdate.objects.filter(item=item, kind="extension").count() == 2


def test_the_review_queue_lists_only_extension_requests_still_waiting(
    item, staff_client, reviewer_client, lead_unit
):
    decided = extension_request(
        item=item,
        user=staff_client.user,
        new_due_on=timezone.localdate() + timedelta(days=30),
        reason="已批过的理由",
    )
    extension_decide(extension=decided, user=reviewer_client.user, grant=True)
    waiting_item = ItemFactory(report=item.report, lead_unit=lead_unit, title="另一项任务")
    extension_request(
        item=waiting_item,
        user=staff_client.user,
        new_due_on=timezone.localdate() + timedelta(days=40),
        reason="等待中的理由",
    )
    page = reviewer_client.get(reverse("tracker:review")).content.decode()
    assert "等待中的理由" in page
    assert "已批过的理由" not in page


def test_refused_extension_keeps_the_deadline_and_needs_a_comment(item, staff_client, reviewer_client):
    due = timezone.localdate() + timedelta(days=5)
    Item.objects.filter(pk=item.pk).update(due_on=due)
    item.refresh_from_db()
    request = extension_request(
        item=item, user=staff_client.user, new_due_on=due + timedelta(days=9), reason="人手不足"
    )
    with pytest.raises(ValidationError, match="why the extension is refused"):
        extension_decide(extension=request, user=reviewer_client.user, grant=False)
    extension_decide(extension=request, user=reviewer_client.user, grant=False, comment="按期完成")
    item.refresh_from_db()
    assert item.due_on == due
    assert ExtensionRequest.objects.get().decision == "refused"


def test_extension_requests_are_checked(item, staff_client, coop_staff_client, reviewer_client):
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        extension_request(
            item=item, user=coop_staff_client.user, new_due_on=today + timedelta(days=9), reason="x"
        )
    with pytest.raises(ValidationError, match="later than"):
        extension_request(item=item, user=staff_client.user, new_due_on=today, reason="x")
    request = extension_request(
        item=item, user=staff_client.user, new_due_on=today + timedelta(days=9), reason="x"
    )
    with pytest.raises(ValidationError, match="already waiting"):
        extension_request(
            item=item, user=staff_client.user, new_due_on=today + timedelta(days=19), reason="y"
        )
    with pytest.raises(PermissionDenied):
        extension_decide(extension=request, user=staff_client.user, grant=True)


EXTENSION = {"anonymous": "login", "other": 404, "lead": 302, "coop": 403, "leader": 403, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_extension_request_permissions(clients, item, role):
    new_due = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = clients[role].post(
        reverse("tracker:item_extension", args=[item.pk]), {"new_due_on": new_due, "reason": "需要协调"}
    )
    assert_status(response, EXTENSION[role])
    assert ExtensionRequest.objects.exists() == (EXTENSION[role] == 302)


GRANT = {"anonymous": "login", "other": 404, "lead": 403, "coop": 403, "leader": 403, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_extension_decision_permissions(clients, item, staff_client, role):
    request = extension_request(
        item=item, user=staff_client.user, new_due_on=timezone.localdate() + timedelta(days=20), reason="x"
    )
    response = clients[role].post(reverse("tracker:extension_decide", args=[request.pk]), {"grant": "yes"})
    assert_status(response, GRANT[role])
    request.refresh_from_db()
    assert (request.decision == "granted") == (GRANT[role] == 302)


def test_an_extension_refused_on_the_page_keeps_what_was_typed(staff_client, item):
    response = staff_client.post(
        reverse("tracker:item_extension", args=[item.pk]),
        {"new_due_on": "2000-01-01", "reason": "原因写在这里"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "必须晚于" in page and "原因写在这里" in page


# -- assignment ----------------------------------------------------------------------------


def test_bulk_assignment_writes_one_history_entry_per_item(reviewer_client, lead_unit, other_unit):
    report = AnnualReportFactory(year=2020)
    items = ItemFactory.create_batch(3, report=report, lead_unit=lead_unit)
    person = StaffFactory(units=[other_unit])
    due = timezone.localdate() + timedelta(days=60)
    response = reviewer_client.post(
        reverse("tracker:bulk_assign"),
        {
            "items": [i.pk for i in items],
            "lead_unit": other_unit.pk,
            "assignee": person.pk,
            "due_on": due.isoformat(),
            "next": "/items/?year=2020",
        },
    )
    assert response.status_code == 302 and response.url == "/items/?year=2020"
    for item in items:
        item.refresh_from_db()
        assert (item.lead_unit, item.assignee, item.due_on, item.version) == (other_unit, person, due, 2)
        entries = ProgressUpdate.objects.filter(item=item, kind="assignment")
        assert entries.count() == 1 and "县市场监督管理局" in entries.get().note


def test_bulk_assignment_rolls_back_whole_when_one_item_is_invalid(reviewer_client, lead_unit, other_unit):
    report = AnnualReportFactory(year=2020)
    good = ItemFactory(report=report, lead_unit=lead_unit)
    bad = ItemFactory(report=report, lead_unit=lead_unit, title="已有配合单位的事项")
    bad.cooperating_units.add(other_unit)
    response = reviewer_client.post(
        reverse("tracker:bulk_assign"), {"items": [good.pk, bad.pk], "lead_unit": other_unit.pk}, follow=True
    )
    page = response.content.decode()
    assert "已有配合单位的事项" in page and "未作任何修改" in page
    for item in (good, bad):
        item.refresh_from_db()
        assert item.lead_unit == lead_unit and item.version == 1
    assert not ProgressUpdate.objects.exists()


def test_assignee_must_belong_to_the_lead_unit(reviewer_client, item, other_unit):
    outsider = StaffFactory(units=[other_unit])
    with pytest.raises(ValidationError, match="not a member of the lead unit"):
        items_assign(items=[item], user=reviewer_client.user, changes={"assignee": outsider})


def test_a_closed_year_refuses_assignment(reviewer_client, lead_unit, other_unit):
    item = ItemFactory(report=AnnualReportFactory(year=2019, state="closed"), lead_unit=lead_unit)
    with pytest.raises(ValidationError, match="closed"):
        items_assign(items=[item], user=reviewer_client.user, changes={"lead_unit": other_unit})


ASSIGN = {"anonymous": "login", "other": 404, "lead": 403, "coop": 403, "leader": 403, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_item_assignment_permissions(clients, item, other_unit, role):
    response = clients[role].post(
        reverse("tracker:item_assign", args=[item.pk]), {"lead_unit": other_unit.pk, "version": item.version}
    )
    assert_status(response, ASSIGN[role])
    item.refresh_from_db()
    assert (item.lead_unit == other_unit) == (ASSIGN[role] == 302)


@pytest.mark.parametrize("role", ["lead", "leader"])
def test_only_reviewers_assign_in_bulk(clients, item, other_unit, role):
    response = clients[role].post(
        reverse("tracker:bulk_assign"), {"items": [item.pk], "lead_unit": other_unit.pk}
    )
    assert response.status_code == 403


def test_item_assignment_from_an_old_page_is_refused(reviewer_client, item, other_unit):
    response = reviewer_client.post(
        reverse("tracker:item_assign", args=[item.pk]), {"lead_unit": other_unit.pk, "version": 0}
    )
    assert response.status_code == 409
    assert "此事项已被他人更新" in response.content.decode()
    item.refresh_from_db()
    assert item.lead_unit != other_unit


def test_a_review_decided_on_an_old_page_is_answered_as_a_conflict(item, staff_client, reviewer_client):
    submit(item, staff_client.user)
    opened = item.version
    # Meanwhile the unit adds a note: the reviewer's page is out of date.
    item_add_progress(item=item, user=staff_client.user, note="补充说明", expected_version=opened)
    response = reviewer_client.post(
        reverse("tracker:item_review", args=[item.pk]),
        {"decision": "approve", "comment": "", "version": opened},
    )
    assert response.status_code == 409
    assert "此事项已被他人更新" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "submitted" and not item.reviews.exists()


# -- instructions and follows --------------------------------------------------------------

INSTRUCT = {"anonymous": "login", "other": 404, "lead": 403, "coop": 403, "leader": 302, "reviewer": 403}


@pytest.mark.parametrize("role", ROLES)
def test_instruction_permissions(clients, item, role):
    response = clients[role].post(reverse("tracker:item_instruction", args=[item.pk]), {"text": "抓紧落实"})
    assert_status(response, INSTRUCT[role])
    assert Instruction.objects.exists() == (INSTRUCT[role] == 302)


def test_instruction_shows_on_the_item_and_on_the_units_home(leader_client, staff_client, item):
    instruction_add(item=item, user=leader_client.user, text="请于月底前完成并报告")
    assert "请于月底前完成并报告" in staff_client.get(item.get_absolute_url()).content.decode()
    assert "请于月底前完成并报告" in staff_client.get(reverse("home")).content.decode()


FOLLOW = {"anonymous": "login", "other": 404, "lead": 403, "coop": 403, "leader": 302, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_follow_permissions(clients, item, role):
    response = clients[role].post(reverse("tracker:item_follow", args=[item.pk]), {"follow": "1"})
    assert_status(response, FOLLOW[role])
    assert Follow.objects.exists() == (FOLLOW[role] == 302)


def test_followed_items_show_on_the_leaders_dashboard(leader_client, item):
    leader_client.post(reverse("tracker:item_follow", args=[item.pk]), {"follow": "1"})
    page = leader_client.get(reverse("home")).content.decode()
    assert "我关注的事项" in page and "全面推行法律风险防控制度" in page
    leader_client.post(reverse("tracker:item_follow", args=[item.pk]), {"follow": "0"})
    assert not Follow.objects.exists()


def test_leaders_change_nothing_else(leader_client, item):
    for url, data in [
        (item.get_absolute_url(), {"note": "x", "version": 1}),
        (reverse("tracker:item_assign", args=[item.pk]), {"version": 1}),
        (reverse("tracker:item_review", args=[item.pk]), {"decision": "approve"}),
    ]:
        assert leader_client.post(url, data).status_code == 403


# -- scoreboard and ratings ----------------------------------------------------------------


@pytest.fixture
def scored_year(lead_unit, other_unit, staff_client, reviewer_client, pdf):
    """A hand-counted year. 县司法局 leads 4: one done on time (with 2 files), one done late,
    one overdue, one returned. 县市场监督管理局 leads 2: one done (no deadline), one not yet due."""
    today = timezone.localdate()
    report = AnnualReportFactory(year=2020, state="active")

    def make(unit, title, due, status="not_started"):
        return ItemFactory(report=report, lead_unit=unit, title=title, due_on=due, status=status)

    on_time = make(lead_unit, "按期办结", today + timedelta(days=10))
    late = make(lead_unit, "逾期办结", today - timedelta(days=10))
    make(lead_unit, "逾期未办", today - timedelta(days=1), "in_progress")
    returned = make(lead_unit, "被退回", today + timedelta(days=30))
    no_deadline = make(other_unit, "无时限办结", None)
    make(other_unit, "未到期", today + timedelta(days=30), "in_progress")
    for item, files in [(on_time, [pdf(), pdf()]), (late, []), (returned, [])]:
        submit(item, staff_client.user, files=files)
    other_staff = StaffFactory(units=[other_unit])
    submit(no_deadline, other_staff)
    for item in (on_time, late, no_deadline):
        item_review(item=item, user=reviewer_client.user, decision="approve")
    item_review(item=returned, user=reviewer_client.user, decision="return", comment="补充材料")
    return report


def test_scoreboard_figures_match_a_hand_counted_year(scored_year, lead_unit, other_unit):
    rows = {row.unit: row for row in unit_scoreboard(year=2020, report_id=scored_year.pk)}
    justice, market = rows[lead_unit].figures, rows[other_unit].figures
    assert (justice.total, justice.done, justice.overdue, justice.returned, justice.evidence) == (
        4,
        2,
        1,
        0 + 1,
        2,
    )
    assert justice.on_time == 1 and str(justice.on_time_rate) == "33.3"  # 1 ÷ (2 done + 1 overdue)
    assert str(justice.completion_rate) == "50.0"
    assert (market.total, market.done, market.overdue, market.on_time) == (2, 1, 0, 1)
    assert str(market.on_time_rate) == "100.0" and str(market.completion_rate) == "50.0"
    # Equal completion: the better on-time rate ranks first.
    assert rows[other_unit].rank < rows[lead_unit].rank


SCOREBOARD = {"anonymous": "login", "other": 200, "lead": 200, "coop": 200, "leader": 200, "reviewer": 200}


@pytest.mark.parametrize("role", ROLES)
def test_scoreboard_permissions(clients, scored_year, role):
    response = clients[role].get(reverse("tracker:scoreboard"))
    assert_status(response, SCOREBOARD[role])


def test_staff_see_their_own_row_and_rank(staff_client, scored_year):
    page = staff_client.get(reverse("tracker:scoreboard")).content.decode()
    assert "县司法局" in page and "县市场监督管理局" not in page
    assert '2<span class="text-body-secondary small"> / 2</span>' in page  # rank 2 of the 2 units


def test_reviewer_sets_ratings_and_others_cannot(reviewer_client, leader_client, scored_year, lead_unit):
    data = {"year": "2020", f"grade_{lead_unit.pk}": "good", f"comment_{lead_unit.pk}": "逾期一项"}
    assert leader_client.post(reverse("tracker:ratings"), data).status_code == 403
    assert reviewer_client.post(reverse("tracker:ratings"), data).status_code == 302
    rating = UnitRating.objects.get(unit=lead_unit, report=scored_year)
    assert (rating.grade, rating.comment) == ("good", "逾期一项")
    page = leader_client.get(reverse("tracker:scoreboard")).content.decode()
    assert "良" in page and "逾期一项" in page


def test_scoreboard_sorts_by_a_column(reviewer_client, scored_year):
    page = reviewer_client.get(reverse("tracker:scoreboard") + "?sort=-led").content.decode()
    assert page.index("县司法局") < page.index("县市场监督管理局")


def _grow(n_units, n_items):
    report = AnnualReportFactory(year=2020)
    units = UnitFactory.create_batch(n_units)
    for n in range(n_items):
        ItemFactory(
            report=report, lead_unit=units[n % n_units], due_on=timezone.localdate() - timedelta(days=n % 3)
        )


def test_scoreboard_and_dashboard_query_counts_do_not_grow(reviewer_client, django_assert_max_num_queries):
    for units, items in [(2, 3), (12, 40)]:
        _grow(units, items)
        with django_assert_max_num_queries(10):
            assert reviewer_client.get(reverse("tracker:scoreboard")).status_code == 200
        with django_assert_max_num_queries(19):
            assert reviewer_client.get(reverse("home")).status_code == 200


# -- dashboard -----------------------------------------------------------------------------


def test_dashboard_figures_match_the_list(reviewer_client, scored_year, lead_unit):
    import html
    import re

    page = reviewer_client.get(reverse("home")).content.decode()
    assert 'data-kpi="total">6<' in page
    assert 'data-kpi="completion">50.0%<' in page
    assert 'data-kpi="overdue">1<' in page
    assert "4项已完成2项(50.0%)" in page
    # The bar of 县司法局 links to the item list filtered to exactly its four items.
    link = html.unescape(re.search(rf'href="([^"]*lead_unit={lead_unit.pk})"', page).group(1))
    listed = reviewer_client.get(link)
    assert listed.context["total"] == 4
    overdue = html.unescape(re.search(r'href="([^"]*overdue=yes)"', page).group(1))
    assert reviewer_client.get(overdue).context["total"] == 1


def test_staff_home_has_no_dashboard(staff_client, scored_year):
    assert "data-kpi" not in staff_client.get(reverse("home")).content.decode()


# -- reminders -----------------------------------------------------------------------------


def test_reminders_name_the_right_items_and_are_not_sent_twice_a_day(mailoutbox, lead_unit, other_unit):
    today = timezone.localdate()
    report = AnnualReportFactory(year=2020, state="active")
    staff = StaffFactory(units=[lead_unit], email="sfj@example.gov.cn")
    StaffFactory(units=[other_unit], email="")  # no address: no mail
    ItemFactory(report=report, lead_unit=lead_unit, title="三天后到期", due_on=today + timedelta(days=3))
    ItemFactory(report=report, lead_unit=lead_unit, title="已经逾期", due_on=today - timedelta(days=2))
    ItemFactory(report=report, lead_unit=lead_unit, title="被退回的", status="returned")
    ItemFactory(report=report, lead_unit=lead_unit, title="一个月后到期", due_on=today + timedelta(days=30))
    ItemFactory(report=report, lead_unit=lead_unit, title="已办结", due_on=today, status="done")
    ItemFactory(report=report, lead_unit=other_unit, title="别的单位的", due_on=today)
    call_command("send_reminders", "--days", "7", verbosity=0)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["sfj@example.gov.cn"]
    for title in ("三天后到期", "已经逾期", "被退回的"):
        assert title in mail.body
    for title in ("一个月后到期", "已办结", "别的单位的"):
        assert title not in mail.body
    assert ReminderLog.objects.get(user=staff).item_count == 3
    call_command("send_reminders", "--days", "7", verbosity=0)
    assert len(mailoutbox) == 1


def test_reminders_are_written_in_chinese(mailoutbox, lead_unit):
    from django.utils import translation

    StaffFactory(units=[lead_unit], email="a@example.gov.cn")
    ItemFactory(report=AnnualReportFactory(year=2020), lead_unit=lead_unit, due_on=timezone.localdate())
    with translation.override("zh-hans"):
        call_command("send_reminders", verbosity=0)
    assert "逾期" in mailoutbox[0].body or "天内到期" in mailoutbox[0].body


def test_evidence_counts_use_submissions(scored_year):
    assert Evidence.objects.count() == 2


def test_reviewers_list_has_row_checkboxes_and_the_bulk_form_and_staff_do_not(
    reviewer_client, staff_client, item
):
    page = reviewer_client.get(reverse("tracker:items")).content.decode()
    assert f'name="items" value="{item.pk}" form="bulk-assign"' in page and 'id="bulk-assign"' in page
    page = staff_client.get(reverse("tracker:items")).content.decode()
    assert 'form="bulk-assign"' not in page and 'id="bulk-assign"' not in page


def test_assignment_form_shows_the_current_units(reviewer_client, item, coop_unit, lead_unit):
    page = reviewer_client.get(item.get_absolute_url()).content.decode()
    form = page[page.index('id="assign"') :]
    assert f'<option value="{lead_unit.pk}" selected>' in form
    assert f'<option value="{coop_unit.pk}" selected>' in form


def test_a_long_queue_is_paged_oldest_first(reviewer_client, staff_client, lead_unit):
    report = AnnualReportFactory(year=2020)
    items = [ItemFactory(report=report, lead_unit=lead_unit, title=f"待审事项{n:02d}") for n in range(33)]
    for item in items:
        submit(item, staff_client.user)
    first = reviewer_client.get(reverse("tracker:review")).content.decode()
    assert first.count('class="card shadow-sm mb-3 review-card"') == 30
    assert "待审事项00" in first and "待审事项32" not in first and "33项待审核" in first
    second = reviewer_client.get(reverse("tracker:review") + "?page=2").content.decode()
    assert second.count('class="card shadow-sm mb-3 review-card"') == 3 and "待审事项32" in second


def test_a_resubmitted_item_waits_behind_those_submitted_before_it(reviewer_client, staff_client, lead_unit):
    report = AnnualReportFactory(year=2020)
    early, later = (ItemFactory(report=report, lead_unit=lead_unit, title=t) for t in ("甲事项", "乙事项"))
    submit(early, staff_client.user)
    submit(later, staff_client.user)
    early.refresh_from_db()
    item_review(
        item=early,
        user=reviewer_client.user,
        decision="return",
        comment="请补充",
        expected_version=early.version,
    )
    for status, note in (("in_progress", "补充中"), ("submitted", "已补充")):
        early.refresh_from_db()
        item_add_progress(
            item=early, user=staff_client.user, note=note, status=status, expected_version=early.version
        )
    early.refresh_from_db()
    assert early.submitted_at > Item.objects.get(pk=later.pk).submitted_at
    page = reviewer_client.get(reverse("tracker:review")).content.decode()
    assert page.index("乙事项") < page.index("甲事项")
    assert "已补充" in page  # the latest submission's note


def test_a_new_unit_is_offered_to_the_assignment_form_at_once(reviewer_client, item):
    reviewer_client.get(reverse("tracker:autocomplete_units"), {"q": "新设"})
    new = UnitFactory(name="县新设立的局")
    found = reviewer_client.get(reverse("tracker:autocomplete_units"), {"q": "新设"}).json()
    assert found["results"] == [{"value": new.pk, "text": "县新设立的局"}]
    response = reviewer_client.post(
        reverse("tracker:item_assign", args=[item.pk]), {"lead_unit": new.pk, "version": item.version}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.lead_unit == new


def test_reviewer_item_page_makes_at_most_twelve_queries(
    reviewer_client, staff_client, item, pdf, django_assert_max_num_queries
):
    submit(item, staff_client.user, files=[pdf()])
    reviewer_client.get(item.get_absolute_url())  # the assignment choices are cached from here on
    with django_assert_max_num_queries(12):
        assert reviewer_client.get(item.get_absolute_url()).status_code == 200


def test_an_admin_change_to_an_item_leaves_one_history_entry(superuser_client, item, other_unit):
    url = reverse("admin:tracker_item_change", args=[item.pk])
    form = superuser_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "title": "管理员改过的标题",
            "cooperating_units": [u.pk for u in item.cooperating_units.all()],
            "metrics-TOTAL_FORMS": 0,
            "metrics-INITIAL_FORMS": 0,
            "updates-TOTAL_FORMS": 0,
            "updates-INITIAL_FORMS": 0,
        }
    )
    data.pop("addresses", None)
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entries = ProgressUpdate.objects.filter(item=item)
    assert entries.count() == 1 and "标题" in entries.get().note
