"""An item's history says what the ledger did in the reader's language, whoever wrote it and in
whatever language: the words are drawn from the entry's event when the page is read. What a
person wrote (a reason) stays as written, and entries written before events existed show
their stored words."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import ReviewerFactory
from tracker import history
from tracker.models import ProgressUpdate
from tracker.services import extension_request, items_assign

pytestmark = pytest.mark.django_db


def _page(client, item, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client.get(item.get_absolute_url()).content.decode()


def test_an_assignment_written_in_chinese_reads_in_english(reviewer_client, item, other_unit):
    items_assign(items=[item], user=ReviewerFactory(), changes={"lead_unit": other_unit})
    entry = ProgressUpdate.objects.get(item=item, kind="assignment")
    assert entry.note == "" and entry.event["code"] == history.ASSIGNED
    english = _page(reviewer_client, item, "en")
    assert "Assignment changed: lead unit: 县司法局 → 县市场监督管理局" in english
    assert "调整分工" not in english and "牵头单位：" not in english
    chinese = _page(reviewer_client, item, "zh-hans")
    assert "调整分工：牵头单位：县司法局 → 县市场监督管理局" in chinese


def test_cooperating_units_are_listed_in_the_readers_way(reviewer_client, item, other_unit, coop_unit):
    items_assign(
        items=[item], user=reviewer_client.user, changes={"cooperating_units": [coop_unit, other_unit]}
    )
    assert "县财政局、县市场监督管理局" in _page(reviewer_client, item, "zh-hans")
    assert "县财政局, 县市场监督管理局" in _page(reviewer_client, item, "en")


def test_an_extension_request_reads_in_english_with_its_reason_as_written(staff_client, item):
    new_due_on = timezone.localdate() + timedelta(days=40)
    extension_request(item=item, user=staff_client.user, new_due_on=new_due_on, reason="人手不足")
    english = _page(staff_client, item, "en")
    assert f"Asked to move the deadline to {new_due_on:%Y-%m-%d}." in english and "人手不足" in english
    assert "申请将完成时限调整为" not in english
    assert f"申请将完成时限调整为{new_due_on:%Y-%m-%d}。" in _page(staff_client, item, "zh-hans")


def test_an_entry_written_before_events_shows_its_stored_words(staff_client, item):
    ProgressUpdate.objects.create(item=item, kind="assignment", note="调整分工：牵头单位：— → 县司法局")
    assert "调整分工：牵头单位：— → 县司法局" in _page(staff_client, item, "en")


def test_the_admin_shows_an_entry_in_the_readers_language(superuser_client, item, other_unit):
    from django.urls import reverse

    items_assign(items=[item], user=superuser_client.user, changes={"lead_unit": other_unit})
    entry = ProgressUpdate.objects.get(item=item)
    url = reverse("admin:tracker_progressupdate_change", args=[entry.pk])
    superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert (
        "Assignment changed: lead unit: 县司法局 → 县市场监督管理局"
        in superuser_client.get(url).content.decode()
    )
    superuser_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert "调整分工：牵头单位：县司法局 → 县市场监督管理局" in superuser_client.get(url).content.decode()
