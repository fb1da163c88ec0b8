"""The admin is no side door: it follows the rules of the pages (issue 13, point 2).

Reviewers (even with "staff status" ticked, as the demo does) only read the admin; only
administrators (superusers) change ledger rows there; status moves only by the workflow on the
item pages; nothing of a closed year changes or goes, for anyone.
"""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reports.models import UnitRating
from reports.services import ratings_set
from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    MetricFactory,
    ProgressUpdateFactory,
    ReviewerFactory,
    SectionFactory,
    StaffFactory,
    UnitFactory,
    UnitRatingFactory,
)
from tests.tracker.steering import submit
from tracker import roles, services
from tracker.models import Item, ProgressUpdate, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_reviewer_client(client):
    """A reviewer whose account has Django's "staff status", as the demo's reviewer has."""
    user = ReviewerFactory(username="reviewer-in-admin", is_staff=True)
    client.force_login(user)
    client.user = user
    return client


def item_url(item, action="change"):
    return reverse(f"admin:tracker_item_{action}", args=[item.pk])


def item_post_data(item, **changes):
    """Everything the admin's item form sends, as it would for ``item``, with ``changes``."""
    data = {
        "report": item.report_id,
        "section": item.section_id or "",
        "area": item.area_id or "",
        "kind": item.kind,
        "title": item.title,
        "text": item.text,
        "order": item.order,
        "lead_unit": item.lead_unit_id or "",
        "cooperating_units": [unit.pk for unit in item.cooperating_units.all()],
        "assignee": item.assignee_id or "",
        "due_on": item.due_on.isoformat() if item.due_on else "",
        "status": item.status,
        "expected_version": item.version,
        "metrics-TOTAL_FORMS": 0,
        "metrics-INITIAL_FORMS": 0,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def report_post_data(report, **changes):
    data = {
        "year": report.year,
        "title": report.title,
        "issuer": report.issuer,
        "state": report.state,
        "sections-TOTAL_FORMS": 0,
        "sections-INITIAL_FORMS": 0,
        "items-TOTAL_FORMS": 0,
        "items-INITIAL_FORMS": 0,
    }
    data.update(changes)
    return data


def rating_post_data(rating, **changes):
    data = {
        "report": rating.report_id,
        "unit": rating.unit_id,
        "grade": rating.grade,
        "comment": rating.comment,
    }
    data.update(changes)
    return data


# --- reviewers: the admin is read-only ---------------------------------------------------


def test_a_reviewer_cannot_approve_an_item_he_submitted_himself_in_the_admin(admin_reviewer_client, item):
    reviewer = admin_reviewer_client.user
    submit(item, reviewer)
    item.refresh_from_db()
    history = ProgressUpdate.objects.filter(item=item).count()

    response = admin_reviewer_client.post(item_url(item), item_post_data(item, status="done"))

    assert response.status_code == 403
    item.refresh_from_db()
    assert item.status == "submitted"
    assert item.done_at is None
    assert ProgressUpdate.objects.filter(item=item).count() == history


def test_a_reviewer_reads_an_item_in_the_admin_but_finds_nothing_to_save(admin_reviewer_client, item):
    response = admin_reviewer_client.get(item_url(item))
    assert response.status_code == 200
    content = response.content.decode()
    assert item.title in content
    assert 'name="_save"' not in content
    assert 'name="title"' not in content


def test_a_reviewer_cannot_edit_a_closed_years_item_in_the_admin(admin_reviewer_client):
    item = ItemFactory(report=AnnualReportFactory(year=2019, state="closed"), title="原标题")
    response = admin_reviewer_client.post(item_url(item), item_post_data(item, title="改过的标题"))
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.title == "原标题"


def test_a_reviewer_cannot_reopen_a_closed_year_in_the_admin(admin_reviewer_client):
    report = AnnualReportFactory(year=2019, state="closed")
    url = reverse("admin:reports_annualreport_change", args=[report.pk])
    response = admin_reviewer_client.post(url, report_post_data(report, state="active"))
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == "closed"


def test_a_reviewer_cannot_change_a_closed_years_rating_in_the_admin(admin_reviewer_client):
    rating = UnitRatingFactory(report=AnnualReportFactory(year=2019, state="closed"), grade="excellent")
    url = reverse("admin:reports_unitrating_change", args=[rating.pk])
    response = admin_reviewer_client.post(url, rating_post_data(rating, grade="fair"))
    assert response.status_code == 403
    rating.refresh_from_db()
    assert rating.grade == "excellent"


def test_a_reviewer_given_the_change_permission_by_hand_still_cannot_change_an_item(
    admin_reviewer_client, item
):
    """Group permissions are a second lock; the rule is tracker.permissions."""
    admin_reviewer_client.user.user_permissions.add(
        Permission.objects.get(content_type__app_label="tracker", codename="change_item")
    )
    response = admin_reviewer_client.post(item_url(item), item_post_data(item, title="改过的标题"))
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.title == "全面推行法律风险防控制度"


def test_a_reviewer_cannot_edit_users_in_the_admin(admin_reviewer_client):
    """A user editor could make anyone a superuser."""
    staff = StaffFactory(username="someone")
    url = reverse("admin:auth_user_change", args=[staff.pk])
    response = admin_reviewer_client.post(url, {"username": "someone", "is_superuser": "on"})
    assert response.status_code == 403
    staff.refresh_from_db()
    assert not staff.is_superuser


# --- administrators: status only through the workflow --------------------------------------


def test_an_administrator_cannot_set_status_in_the_admin(superuser_client, item):
    response = superuser_client.post(item_url(item), item_post_data(item, status="done"))
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    assert item.status == "not_started"
    assert item.done_at is None
    page = superuser_client.get(item_url(item)).content.decode()
    assert 'name="status"' not in page


def test_an_administrators_assignment_change_goes_through_the_assignment_service(
    superuser_client, item, other_unit
):
    response = superuser_client.post(item_url(item), item_post_data(item, lead_unit=other_unit.pk))
    assert response.status_code == 302, response.content.decode()[:3000]
    item.refresh_from_db()
    assert item.lead_unit == other_unit
    assert item.version == 2
    entry = ProgressUpdate.objects.get(item=item)
    assert entry.kind == "assignment"
    assert "县司法局" in entry.text and "县市场监督管理局" in entry.text
    assert entry.author == superuser_client.user


def test_an_administrator_cannot_name_a_responsible_person_outside_the_lead_unit(superuser_client, item):
    outsider = StaffFactory(username="outsider", units=[UnitFactory()])
    response = superuser_client.post(item_url(item), item_post_data(item, assignee=outsider.pk))
    assert response.status_code == 200
    assert "不是牵头单位" in response.content.decode()
    item.refresh_from_db()
    assert item.assignee is None
    assert not ProgressUpdate.objects.filter(item=item).exists()


def test_an_administrators_save_on_an_old_version_is_refused_and_keeps_the_newer_one(superuser_client, item):
    data = item_post_data(item, title="管理员的标题")
    Item.objects.filter(pk=item.pk).update(title="别人刚改的标题", version=2)
    response = superuser_client.post(item_url(item), data)
    assert response.status_code == 200
    assert "已被他人更新" in response.content.decode()
    item.refresh_from_db()
    assert item.title == "别人刚改的标题"


def test_an_administrator_adds_an_item_that_starts_not_started_with_a_history_entry(superuser_client):
    report = AnnualReportFactory(year=2021, state="active")
    unit = UnitFactory()
    data = {
        "report": report.pk,
        "kind": "task",
        "title": "管理员新增的任务",
        "text": "",
        "order": 1,
        "lead_unit": unit.pk,
        "status": "done",
        "metrics-TOTAL_FORMS": 0,
        "metrics-INITIAL_FORMS": 0,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }
    response = superuser_client.post(reverse("admin:tracker_item_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item = Item.objects.get(title="管理员新增的任务")
    assert item.status == "not_started" and item.done_at is None
    assert item.year == 2021 and item.lead_unit == unit
    assert ProgressUpdate.objects.filter(item=item).count() == 1


# --- closed years: read-only for everyone, administrators included --------------------------


@pytest.fixture
def closed_year():
    return AnnualReportFactory(year=2019, state="closed")


def test_an_administrator_cannot_edit_or_delete_a_closed_years_item(superuser_client, closed_year):
    item = ItemFactory(report=closed_year, title="原标题")

    page = superuser_client.get(item_url(item))
    assert page.status_code == 200
    content = page.content.decode()
    assert "2019年度已关闭" in content
    assert 'name="_save"' not in content

    assert superuser_client.post(item_url(item), item_post_data(item, title="改过")).status_code == 403
    assert superuser_client.get(item_url(item, "delete")).status_code == 403
    assert superuser_client.post(item_url(item, "delete"), {"post": "yes"}).status_code == 403
    item.refresh_from_db()
    assert item.title == "原标题"


def test_an_administrator_cannot_bulk_delete_a_closed_years_items(superuser_client, closed_year):
    item = ItemFactory(report=closed_year)
    response = superuser_client.post(
        reverse("admin:tracker_item_changelist"),
        {"action": "delete_selected", "_selected_action": [item.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Item.objects.filter(pk=item.pk).exists()


def test_an_administrator_cannot_copy_an_item_into_a_closed_year_with_save_as_new(
    superuser_client, closed_year
):
    item = ItemFactory(report=closed_year, title="原标题")
    data = item_post_data(item, title="复制的事项", _saveasnew="1")
    response = superuser_client.post(item_url(item), data)
    assert response.status_code in (200, 403)
    assert not Item.objects.filter(title="复制的事项").exists()


def test_an_administrator_cannot_add_an_item_to_a_closed_year(superuser_client, closed_year):
    data = {
        "report": closed_year.pk,
        "kind": "task",
        "title": "补进已关闭年度的任务",
        "order": 1,
        "metrics-TOTAL_FORMS": 0,
        "metrics-INITIAL_FORMS": 0,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }
    response = superuser_client.post(reverse("admin:tracker_item_add"), data)
    assert response.status_code == 200
    assert "2019 年度已关闭" in response.content.decode()
    assert not Item.objects.filter(title="补进已关闭年度的任务").exists()


def test_an_administrator_cannot_reopen_or_delete_a_closed_year(superuser_client, closed_year):
    url = reverse("admin:reports_annualreport_change", args=[closed_year.pk])
    assert superuser_client.post(url, report_post_data(closed_year, state="active")).status_code == 403
    delete = reverse("admin:reports_annualreport_delete", args=[closed_year.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    closed_year.refresh_from_db()
    assert closed_year.state == "closed"


def test_an_administrator_cannot_close_or_reopen_a_year_in_the_admin(superuser_client):
    """The state moves only on the year page (closing), never back."""
    report = AnnualReportFactory(year=2021, state="active")
    url = reverse("admin:reports_annualreport_change", args=[report.pk])
    response = superuser_client.post(url, report_post_data(report, state="closed", title="改过的标题"))
    assert response.status_code == 302, response.content.decode()[:3000]
    report.refresh_from_db()
    assert report.state == "active"
    assert report.title == "改过的标题"


def test_an_administrator_cannot_change_or_delete_a_closed_years_rating(superuser_client, closed_year):
    rating = UnitRatingFactory(report=closed_year, grade="excellent")
    url = reverse("admin:reports_unitrating_change", args=[rating.pk])
    assert superuser_client.post(url, rating_post_data(rating, grade="fair")).status_code == 403
    delete = reverse("admin:reports_unitrating_delete", args=[rating.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    rating.refresh_from_db()
    assert rating.grade == "excellent"


def test_an_administrator_cannot_add_a_rating_to_a_closed_year(superuser_client, closed_year):
    unit = UnitFactory()
    response = superuser_client.post(
        reverse("admin:reports_unitrating_add"), {"report": closed_year.pk, "unit": unit.pk, "grade": "good"}
    )
    assert response.status_code == 200
    assert not UnitRating.objects.filter(unit=unit).exists()


def test_an_administrator_changes_an_open_years_rating(superuser_client):
    rating = UnitRatingFactory(report=AnnualReportFactory(year=2021, state="active"), grade="excellent")
    url = reverse("admin:reports_unitrating_change", args=[rating.pk])
    response = superuser_client.post(url, rating_post_data(rating, grade="fair", comment="材料不全"))
    assert response.status_code == 302, response.content.decode()[:3000]
    rating.refresh_from_db()
    assert (rating.grade, rating.comment) == ("fair", "材料不全")


def test_a_closed_years_sections_and_metrics_are_read_only_in_the_admin(superuser_client, closed_year):
    section = SectionFactory(report=closed_year, heading="原章节")
    metric = MetricFactory(item=ItemFactory(report=closed_year), value=5)
    section_url = reverse("admin:reports_section_change", args=[section.pk])
    metric_url = reverse("admin:tracker_metric_change", args=[metric.pk])
    assert (
        superuser_client.post(section_url, {"report": closed_year.pk, "heading": "改过"}).status_code == 403
    )
    assert (
        superuser_client.post(metric_url, {"item": metric.item_id, "label": "x", "value": 9}).status_code
        == 403
    )
    section.refresh_from_db()
    metric.refresh_from_db()
    assert section.heading == "原章节" and metric.value == 5


def test_a_unit_rated_in_a_closed_year_cannot_be_deleted(superuser_client, closed_year):
    """Deleting the unit would take the closed year's rating with it."""
    rating = UnitRatingFactory(report=closed_year)
    delete = reverse("admin:tracker_unit_delete", args=[rating.unit_id])
    superuser_client.post(delete, {"post": "yes"})
    assert UnitRating.objects.filter(pk=rating.pk).exists()


def test_the_role_groups_hold_only_view_permissions():
    """The admin's second lock: no group may add, change or delete anything; unit staff do not
    read the admin at all (it cannot narrow items to their units)."""

    def codenames(name):
        return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

    assert codenames(roles.STAFF) == set()
    for role in (roles.REVIEWER, roles.LEADER):
        assert codenames(role), role
        assert all(codename.startswith("view_") for codename in codenames(role)), role
    assert {"view_item", "view_annualreport", "view_unitrating", "view_accessrefusal"} <= codenames(
        roles.REVIEWER
    )
    assert "view_user" not in codenames(roles.REVIEWER)


def test_a_refusal_at_the_moment_of_saving_comes_back_as_a_message_not_a_server_error(
    superuser_client, item, monkeypatch
):
    """The form checks the assignment first; should the service still refuse (someone changed
    the unit's members in between), the page says so and nothing is written."""
    outsider = StaffFactory(username="outsider", units=[UnitFactory()])
    monkeypatch.setattr(services, "assignment_error", lambda **kwargs: None)
    response = superuser_client.post(item_url(item), item_post_data(item, assignee=outsider.pk), follow=True)
    assert response.status_code == 200
    assert "不是牵头单位" in response.content.decode()
    item.refresh_from_db()
    assert item.assignee is None and item.version == 1
    assert not ProgressUpdate.objects.filter(item=item).exists()


def test_a_person_named_in_a_closed_years_history_cannot_be_deleted(superuser_client, closed_year):
    person = StaffFactory(username="retired")
    ProgressUpdateFactory(item=ItemFactory(report=closed_year), author=person)
    response = superuser_client.post(reverse("admin:auth_user_delete", args=[person.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert get_user_model().objects.filter(pk=person.pk).exists()


def test_a_unit_cooperating_in_a_closed_year_cannot_be_deleted(superuser_client, closed_year):
    unit = UnitFactory()
    ItemFactory(report=closed_year).cooperating_units.add(unit)
    response = superuser_client.post(reverse("admin:tracker_unit_delete", args=[unit.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Unit.objects.filter(pk=unit.pk).exists()


# --- the services behind it ----------------------------------------------------------------


def test_ratings_of_a_closed_year_are_refused_by_the_service_itself(closed_year, superuser_client):
    rating = UnitRatingFactory(report=closed_year, grade="excellent")
    with pytest.raises(ValidationError):
        ratings_set(
            report_id=closed_year.pk, user=superuser_client.user, grades={rating.unit_id: ("fair", "")}
        )
    rating.refresh_from_db()
    assert rating.grade == "excellent"


def test_only_an_administrator_corrects_an_item_and_never_in_a_closed_year(
    superuser_client, reviewer_client, item, closed_year
):
    with pytest.raises(PermissionDenied):
        services.item_describe(
            item=item, user=reviewer_client.user, changes={"title": "改过"}, expected_version=1
        )
    closed = ItemFactory(report=closed_year, title="原标题")
    with pytest.raises(ValidationError):
        services.item_describe(
            item=closed, user=superuser_client.user, changes={"title": "改过"}, expected_version=1
        )
    with pytest.raises(ValueError):
        services.item_describe(
            item=item, user=superuser_client.user, changes={"status": "done"}, expected_version=1
        )
    item.refresh_from_db()
    closed.refresh_from_db()
    assert (item.title, item.status, closed.title) == ("全面推行法律风险防控制度", "not_started", "原标题")


def test_an_item_stated_by_last_years_report_keeps_that_reports_section_when_saved(admin_client):
    """A shortfall the 2020 report stated is 2021's work, filed under the 2020 outline: the
    admin saves it without calling that section another year's."""
    import re

    from reports.services import report_import
    from tests.samples import XINXIANG

    report_import(text=XINXIANG)
    item = Item.objects.get(year=2021, kind="shortfall", title="队伍建设有待加强")
    page = admin_client.get(f"/admin/tracker/item/{item.pk}/change/").content.decode()
    assert "新乡县2020年度法治政府建设工作报告" in page  # stated in, shown read-only
    post = {
        "section": item.section_id,
        "kind": item.kind,
        "title": "队伍建设仍需加强",
        "text": item.text,
        "order": item.order,
        "due_on": "2021-12-31",
        "expected_version": item.version,
        **{
            f"{prefix}-{key}": value
            for prefix in ("metrics", "updates")
            for key, value in (
                ("TOTAL_FORMS", 0),
                ("INITIAL_FORMS", 0),
                ("MIN_NUM_FORMS", 0),
                ("MAX_NUM_FORMS", 1000),
            )
        },
    }
    response = admin_client.post(f"/admin/tracker/item/{item.pk}/change/", post)
    assert response.status_code == 302, re.findall(
        r'class="errorlist[^"]*">(.*?)</ul>', response.content.decode()
    )
    item.refresh_from_db()
    assert item.title == "队伍建设仍需加强" and item.section.report.year == 2020
