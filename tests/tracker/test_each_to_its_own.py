"""Each action touches its own row and no other, and a deadline moved by a reviewer makes the
forms opened before it stale. Found unguarded by the first mutation run (`make mutation`):
with one row of a kind in the test, a query that forgot which row it meant still found it.
"""

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tests.factories import ItemFactory
from tracker.models import Evidence, ExtensionRequest, Follow, Item, ProgressUpdate
from tracker.services import extension_request, item_add_progress

pytestmark = pytest.mark.django_db


def test_unfollowing_an_item_leaves_other_peoples_follows(leader_client, reviewer_client, item):
    url = reverse("tracker:item_follow", args=[item.pk])
    for client in (leader_client, reviewer_client):
        client.post(url, {"follow": "1"})
    leader_client.post(url, {"follow": "0"})
    assert list(Follow.objects.values_list("user__username", flat=True)) == ["reviewer"]


def test_each_evidence_download_serves_its_own_file(staff_client, item):
    contents = [b"%PDF-1.4\n first file", b"%PDF-1.4\n second file, longer"]
    for n, content in enumerate(contents):
        upload = SimpleUploadedFile(f"材料{n}.pdf", content, content_type="application/pdf")
        item_add_progress(
            item=item, user=staff_client.user, note=f"附件{n}", files=[upload], expected_version=n + 1
        )
        item.refresh_from_db()
    for evidence in Evidence.objects.order_by("pk"):
        response = staff_client.get(reverse("tracker:evidence", args=[evidence.pk]))
        assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == evidence.sha256
    assert len({e.sha256 for e in Evidence.objects.all()}) == 2


def test_deciding_one_extension_request_leaves_the_others_waiting(
    staff_client, reviewer_client, lead_unit, item
):
    other = ItemFactory(report=item.report, lead_unit=lead_unit, title="另一个事项")
    later = timezone.localdate() + timedelta(days=40)
    first = extension_request(item=item, user=staff_client.user, new_due_on=later, reason="甲")
    second = extension_request(item=other, user=staff_client.user, new_due_on=later, reason="乙")
    response = reviewer_client.post(reverse("tracker:extension_decide", args=[second.pk]), {"grant": "yes"})
    assert response.status_code == 302
    assert dict(ExtensionRequest.objects.values_list("reason", "decision")) == {
        "甲": "pending",
        "乙": "granted",
    }
    assert Item.objects.get(pk=other.pk).due_on == later
    assert Item.objects.get(pk=item.pk).due_on is None
    first.refresh_from_db()
    assert first.decided_by is None


def test_a_granted_extension_makes_a_progress_form_opened_before_it_stale(
    staff_client, reviewer_client, item
):
    opened = item.version
    asked = extension_request(
        item=item,
        user=staff_client.user,
        new_due_on=timezone.localdate() + timedelta(days=40),
        reason="人手不足",
    )
    reviewer_client.post(reverse("tracker:extension_decide", args=[asked.pk]), {"grant": "yes"})
    item.refresh_from_db()
    assert item.version == opened + 1
    response = staff_client.post(item.get_absolute_url(), {"note": "按原期限已完成初稿", "version": opened})
    assert response.status_code == 409
    assert "已更新此事项" in response.content.decode()
    assert not ProgressUpdate.objects.filter(note="按原期限已完成初稿").exists()


def test_the_item_page_says_following_only_for_the_items_one_follows(leader_client, item):
    other = ItemFactory(report=item.report, title="没有关注的事项")
    leader_client.post(reverse("tracker:item_follow", args=[item.pk]), {"follow": "1"})
    assert 'name="follow" value="0"' in leader_client.get(item.get_absolute_url()).content.decode()
    assert 'name="follow" value="1"' in leader_client.get(other.get_absolute_url()).content.decode()


def test_a_new_lead_unit_given_in_bulk_drops_a_responsible_person_who_is_not_its_member(
    reviewer_client, lead_unit, other_unit
):
    """The bulk form changes only what it names; a person who belongs to both units stays."""
    from tests.factories import StaffFactory

    only_old = StaffFactory(units=[lead_unit], first_name="只在司法局")
    both = StaffFactory(units=[lead_unit, other_unit], first_name="两个单位")
    dropped = ItemFactory(lead_unit=lead_unit, assignee=only_old, title="换人的事项")
    kept = ItemFactory(report=dropped.report, lead_unit=lead_unit, assignee=both, title="留人的事项")
    response = reviewer_client.post(
        reverse("tracker:bulk_assign"), {"items": [dropped.pk, kept.pk], "lead_unit": other_unit.pk}
    )
    assert response.status_code == 302
    dropped.refresh_from_db()
    kept.refresh_from_db()
    assert (dropped.lead_unit, dropped.assignee) == (other_unit, None)
    assert (kept.lead_unit, kept.assignee) == (other_unit, both)
    note = ProgressUpdate.objects.get(item=dropped, kind="assignment").text
    assert "责任人：只在司法局 → —" in note
    assert "责任人" not in ProgressUpdate.objects.get(item=kept, kind="assignment").text
