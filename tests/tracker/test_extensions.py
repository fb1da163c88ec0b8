"""Extensions (延期申请): requested by the lead unit, granted or refused by a reviewer; the
deadline and overdue follow a granted one."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import ItemFactory
from tests.tracker.steering import ROLES, assert_status
from tracker.models import ExtensionRequest, Item, ProgressUpdate
from tracker.services import extension_decide, extension_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


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
