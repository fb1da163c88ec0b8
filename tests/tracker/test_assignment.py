"""Assignment: a reviewer sets lead and cooperating units and the responsible person, one item
or many at once, each change written to the item's history (the admin's changes too)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory, UnitFactory
from tests.tracker.steering import ROLES, assert_status
from tracker.models import ProgressUpdate
from tracker.services import items_assign

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


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
        assert entries.count() == 1 and "县市场监督管理局" in entries.get().text


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
    assert entries.count() == 1 and "标题" in entries.get().text
