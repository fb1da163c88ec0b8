"""Refusals that no other test held: a reviewer deciding his or her own extension request,
deciding an extension in a closed year, and rolling a year over into a closed one.

Each was found by deleting one line of the code and seeing the whole suite still pass; each
test here fails on that mutation (see the note of issue 13)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reports.services import year_close, year_rollover
from tests.factories import AnnualReportFactory, ItemFactory, ReviewerFactory
from tracker.models import ExtensionRequest, Item, ProgressUpdate
from tracker.services import extension_decide, extension_request
from tracker.years import YearClosed

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def due(item):
    """The item's deadline, ten days from now."""
    due_on = timezone.localdate() + timedelta(days=10)
    Item.objects.filter(pk=item.pk).update(due_on=due_on)
    item.refresh_from_db()
    return due_on


def _history(item) -> list[str]:
    return list(ProgressUpdate.objects.filter(item=item).order_by("pk").values_list("note", flat=True))


# -- a) one's own extension request ----------------------------------------------------------


def test_a_reviewer_cannot_grant_the_extension_he_asked_for(item, due, reviewer_client):
    asked = extension_request(
        item=item, user=reviewer_client.user, new_due_on=due + timedelta(days=30), reason="等待上级文件"
    )
    url = reverse("tracker:extension_decide", args=[asked.pk])
    history = _history(item)

    assert reviewer_client.post(url, {"grant": "yes"}).status_code == 403
    assert reviewer_client.post(url, {"grant": "no", "comment": "不同意"}).status_code == 403
    with pytest.raises(PermissionDenied):
        extension_decide(extension=asked, user=reviewer_client.user, grant=True)

    asked.refresh_from_db()
    item.refresh_from_db()
    assert asked.decision == "pending" and asked.decided_by is None
    assert item.due_on == due
    assert _history(item) == history


def test_the_item_page_and_the_queue_offer_no_decision_on_ones_own_request(item, due, reviewer_client):
    asked = extension_request(
        item=item, user=reviewer_client.user, new_due_on=due + timedelta(days=30), reason="等待上级文件"
    )
    decide = reverse("tracker:extension_decide", args=[asked.pk])
    page = reviewer_client.get(item.get_absolute_url()).content.decode()
    assert "等待上级文件" in page and decide not in page
    queue = reviewer_client.get(reverse("tracker:review")).content.decode()
    assert "此延期申请由您本人提出，须由其他审核人审批。" in queue and decide not in queue


def test_another_reviewer_decides_the_request_a_reviewer_made(item, due, reviewer_client):
    asked = extension_request(
        item=item, user=reviewer_client.user, new_due_on=due + timedelta(days=30), reason="等待上级文件"
    )
    colleague = _client(ReviewerFactory(username="reviewer2"))
    decide = reverse("tracker:extension_decide", args=[asked.pk])
    assert decide in colleague.get(item.get_absolute_url()).content.decode()
    assert colleague.post(decide, {"grant": "yes"}).status_code == 302
    item.refresh_from_db()
    assert item.due_on == due + timedelta(days=30)


# -- b) an extension in a closed year --------------------------------------------------------


@pytest.fixture
def pending_in_closed_year(item, due, staff_client, reviewer_client):
    """An extension asked for while the year was open; the year was closed since."""
    asked = extension_request(
        item=item, user=staff_client.user, new_due_on=due + timedelta(days=30), reason="人手不足"
    )
    year_close(report=item.report, user=reviewer_client.user)
    item.refresh_from_db()
    return asked


def test_an_extension_cannot_be_granted_once_its_year_is_closed(
    item, due, pending_in_closed_year, reviewer_client
):
    url = reverse("tracker:extension_decide", args=[pending_in_closed_year.pk])
    history = _history(item)

    response = reviewer_client.post(url, {"grant": "yes"})
    assert response.status_code == 400
    assert "2020 年度已关闭，不能再修改。" in response.content.decode()

    response = reviewer_client.post(url, {"grant": "yes", "next": "queue"}, follow=True)
    assert "2020 年度已关闭，不能再修改。" in response.content.decode()

    with pytest.raises(ValidationError, match="已关闭"):
        extension_decide(extension=pending_in_closed_year, user=reviewer_client.user, grant=True)

    pending_in_closed_year.refresh_from_db()
    item.refresh_from_db()
    assert pending_in_closed_year.decision == "pending"
    assert (item.due_on, item.version) == (due, 1)
    assert _history(item) == history


def test_an_extension_cannot_be_refused_once_its_year_is_closed(
    item, pending_in_closed_year, reviewer_client
):
    url = reverse("tracker:extension_decide", args=[pending_in_closed_year.pk])
    response = reviewer_client.post(url, {"grant": "no", "comment": "不同意"})
    assert response.status_code == 400
    assert "2020 年度已关闭，不能再修改。" in response.content.decode()
    assert ExtensionRequest.objects.get().decision == "pending"


# -- c) rolling over into a closed year ------------------------------------------------------


@pytest.fixture
def closed_next_year(item, reviewer_client):
    """2020 with an unfinished item; 2021 already exists and is closed."""
    report = AnnualReportFactory(year=2021, state="active")
    ItemFactory(report=report, title="2021年原有事项")
    year_close(report=report, user=reviewer_client.user)
    return report


def test_a_year_cannot_roll_over_into_a_closed_year(item, closed_next_year, reviewer_client):
    before = sorted(Item.objects.filter(year=2021).values_list("title", flat=True))

    response = reviewer_client.post(reverse("reports:rollover", args=[2020]), follow=True)
    assert "2021 年度已关闭，不能再修改。" in response.content.decode()

    with pytest.raises(YearClosed, match="已关闭"):
        year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)

    assert sorted(Item.objects.filter(year=2021).values_list("title", flat=True)) == before
    assert not Item.objects.filter(carried_from=item).exists()
    closed_next_year.refresh_from_db()
    assert closed_next_year.is_closed


def test_a_year_rolls_over_into_an_open_next_year(item, reviewer_client):
    """The same rollover into an open 2021 carries the item: the refusal above is the year's."""
    AnnualReportFactory(year=2021, state="active")
    response = reviewer_client.post(reverse("reports:rollover", args=[2020]))
    assert response.status_code == 302
    assert Item.objects.filter(year=2021, carried_from=item).exists()
