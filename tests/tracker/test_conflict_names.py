"""A save refused because the item moved on since the form was opened names who saved it and
when, in local time ("王经办于 14:51 已更新此事项"), or says the same person did, in another
window; the item page, the submission and the admin's form alike."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import StaffFactory
from tracker.models import ProgressUpdate
from tracker.services import item_add_progress

pytestmark = pytest.mark.django_db


def _saved_at(item) -> str:
    """The time of the item's latest history entry, as the message gives it (today: HH:MM)."""
    latest = ProgressUpdate.objects.filter(item=item).latest("created_at", "pk")
    return f"{timezone.localtime(latest.created_at):%H:%M}"


def test_the_refusal_names_the_colleague_who_saved_and_when(staff_client, lead_unit, item):
    colleague = StaffFactory(username="wang", first_name="王经办", units=[lead_unit])
    item_add_progress(item=item, user=colleague, note="已启动", expected_version=1)
    response = staff_client.post(
        item.get_absolute_url(), {"note": "我写了很久的说明", "status": "in_progress", "version": 1}
    )
    content = response.content.decode()
    assert response.status_code == 409
    assert f"王经办于 {_saved_at(item)} 已更新此事项" in content
    assert "我写了很久的说明</textarea>" in content


def test_the_refusal_says_when_the_same_person_saved_in_another_window(staff_client, item):
    assert staff_client.post(item.get_absolute_url(), {"note": "第一个窗口", "version": 1}).status_code == 302
    response = staff_client.post(item.get_absolute_url(), {"note": "第二个窗口", "version": 1})
    content = response.content.decode()
    assert response.status_code == 409
    assert f"您已于 {_saved_at(item)} 在另一个窗口更新了此事项" in content
    assert "已被他人更新" not in content


def test_a_stale_submission_names_who_saved_in_english(staff_client, lead_unit, item):
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    colleague = StaffFactory(username="li", first_name="Li", last_name="Na", units=[lead_unit])
    item_add_progress(item=item, user=colleague, note="started", expected_version=1)
    response = staff_client.post(
        reverse("tracker:item_submit", args=[item.pk]), {"submit-note": "done", "submit-version": 1}
    )
    assert response.status_code == 409
    assert f"Li Na updated this item at {_saved_at(item)}." in response.content.decode()


def test_a_save_on_another_day_gives_the_date_too(staff_client, lead_unit, item):
    colleague = StaffFactory(username="wang", first_name="王经办", units=[lead_unit])
    update = item_add_progress(item=item, user=colleague, note="已启动", expected_version=1)
    earlier = timezone.now() - timezone.timedelta(days=3)
    ProgressUpdate.objects.filter(pk=update.pk).update(created_at=earlier)
    content = staff_client.post(item.get_absolute_url(), {"note": "晚了", "version": 1}).content.decode()
    assert f"王经办于 {timezone.localtime(earlier):%Y-%m-%d %H:%M} 已更新此事项" in content


def _admin_form(item, version):
    return {
        "report": item.report.pk,
        "kind": item.kind,
        "title": "管理后台改的标题",
        "text": item.text,
        "order": 0,
        "lead_unit": item.lead_unit.pk,
        "expected_version": version,
        "metrics-TOTAL_FORMS": 0,
        "metrics-INITIAL_FORMS": 0,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }


def test_the_admins_refusal_names_who_saved_or_says_it_was_the_same_person(superuser_client, lead_unit, item):
    url = reverse("admin:tracker_item_change", args=[item.pk])
    colleague = StaffFactory(username="wang", first_name="王经办", units=[lead_unit])
    item_add_progress(item=item, user=colleague, note="已启动", expected_version=1)
    content = superuser_client.post(url, _admin_form(item, 1), follow=True).content.decode()
    assert f"王经办于 {_saved_at(item)} 修改了此事项" in content
    item.refresh_from_db()
    assert item.title != "管理后台改的标题"
    assert superuser_client.post(url, _admin_form(item, 2)).status_code == 302
    content = superuser_client.post(url, _admin_form(item, 2), follow=True).content.decode()
    assert f"您已于 {_saved_at(item)} 在另一个窗口修改了此事项" in content
