"""Achievements (工作成效) are records of what a report says its year did: done, never
tracked work (issue 14, point 6). Their page says so and offers no progress, submission,
extension or assignment; the permissions and the services refuse them too."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import AnnualReportFactory, ItemFactory, ReviewerFactory, StaffFactory
from tracker import permissions
from tracker.models import ProgressUpdate
from tracker.services import extension_request, item_add_progress, item_submit, items_assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def achievement(lead_unit):
    report = AnnualReportFactory(year=2020, state="active", title="新乡县2020年度法治政府建设工作报告")
    item = ItemFactory(
        report=report, kind="achievement", status="done", lead_unit=lead_unit, title="法律援助服务困难群体"
    )
    ProgressUpdate.objects.create(
        item=item, kind="import", note=f"据《{report.title}》已完成。", status_to="done"
    )
    return item


@pytest.mark.parametrize("role", ["lead", "coop", "leader", "reviewer"])
def test_an_achievements_page_shows_it_done_by_the_report_and_offers_no_work_form(clients, achievement, role):
    if role == "coop":
        achievement.cooperating_units.add(clients["coop"].user.memberships.get().unit)
    page = clients[role].get(achievement.get_absolute_url()).content.decode()
    assert 'data-testid="status">已完成' in page and "工作成效" in page
    assert "据《新乡县2020年度法治政府建设工作报告》已完成。这是年度报告记载的工作成效" in page
    assert 'data-testid="deadline"' not in page  # a record has no deadline to meet
    for form in (
        'name="note"',
        'name="submit-note"',
        'name="new_due_on"',
        'name="lead_unit"',
        'name="links-others"',
    ):
        assert form not in page, form


@pytest.mark.parametrize(
    "url, data",
    [
        ("tracker:item", {"note": "补记", "version": 1}),
        ("tracker:item_submit", {"submit-note": "请审核", "submit-version": 1}),
        ("tracker:item_extension", {"new_due_on": "2030-01-01", "reason": "x"}),
    ],
)
def test_the_lead_unit_cannot_work_on_an_achievement(staff_client, achievement, url, data):
    response = staff_client.post(reverse(url, args=[achievement.pk]), data)
    assert response.status_code == 403
    assert ProgressUpdate.objects.filter(item=achievement).count() == 1


def test_a_reviewer_cannot_assign_an_achievement(reviewer_client, achievement, other_unit):
    response = reviewer_client.post(
        reverse("tracker:item_assign", args=[achievement.pk]), {"lead_unit": other_unit.pk, "version": 1}
    )
    assert response.status_code == 403
    with pytest.raises(ValidationError, match="不作分工"):
        items_assign(items=[achievement], user=reviewer_client.user, changes={"lead_unit": other_unit})
    achievement.refresh_from_db()
    assert achievement.lead_unit != other_unit and achievement.version == 1


def test_the_services_refuse_work_on_an_achievement(achievement, lead_unit):
    staff, reviewer = StaffFactory(units=[lead_unit]), ReviewerFactory()
    for user in (staff, reviewer):
        with pytest.raises(PermissionDenied):
            item_add_progress(item=achievement, user=user, note="补记", expected_version=1)
        with pytest.raises(PermissionDenied):
            item_submit(item=achievement, user=user, note="请审核", expected_version=1)
        with pytest.raises(PermissionDenied):
            extension_request(
                item=achievement,
                user=user,
                new_due_on=timezone.localdate() + timedelta(days=30),
                reason="x",
            )
    achievement.refresh_from_db()
    assert (achievement.status, achievement.version) == ("done", 1)


def test_the_permissions_say_no_to_every_work_on_an_achievement(achievement, lead_unit):
    people = [StaffFactory(units=[lead_unit]), ReviewerFactory()]
    for user in people:
        assert permissions.can_view_item(user, achievement)
        for rule in (
            permissions.can_add_progress,
            permissions.can_change_status,
            permissions.can_submit,
            permissions.can_request_extension,
            permissions.can_assign_item,
            permissions.can_link,
        ):
            assert not rule(user, achievement), (user, rule.__name__)
    task = ItemFactory(report=achievement.report, lead_unit=lead_unit)
    assert all(permissions.can_submit(user, task) for user in people)  # the same people, a task


def test_the_list_offers_no_checkbox_for_an_achievement(reviewer_client, achievement, lead_unit):
    task = ItemFactory(report=achievement.report, lead_unit=lead_unit, title="开展执法检查")
    page = reviewer_client.get(reverse("tracker:items"), {"year": 2020}).content.decode()
    assert f'name="items" value="{task.pk}"' in page
    assert f'name="items" value="{achievement.pk}"' not in page
