"""Review: the queue of submissions and extension requests, approving and returning, who may decide."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory, ReviewerFactory
from tests.tracker.steering import ROLES, assert_status, submit
from tracker.models import Item, Review
from tracker.services import item_add_progress, item_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


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
    assert "已更新此事项" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "submitted" and not item.reviews.exists()


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


def test_reviewer_item_page_makes_at_most_twelve_queries(
    reviewer_client, staff_client, item, pdf, django_assert_max_num_queries
):
    submit(item, staff_client.user, files=[pdf()])
    reviewer_client.get(item.get_absolute_url())  # the assignment choices are cached from here on
    with django_assert_max_num_queries(13):  # +1: the person's government (issue 19)
        assert reviewer_client.get(item.get_absolute_url()).status_code == 200
