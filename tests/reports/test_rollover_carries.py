"""What a rollover carries into the next year, field by field: the source text, the lead and
cooperating units, the responsible person, the deadline moved into the new year, a history
entry saying who carried it, and a place after the new year's own items.

Found by mutation testing (`make mutation`): dropping the source text or the responsible
person from the carried copy, or the history entry's author, left the whole suite green.
"""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory
from tracker.models import Item, ProgressUpdate

pytestmark = pytest.mark.django_db


def test_a_carried_item_keeps_its_text_units_and_responsible_person(reviewer_client, lead_unit, coop_unit):
    person = StaffFactory(units=[lead_unit], first_name="王五", last_name="")
    source = ItemFactory(
        report=AnnualReportFactory(year=2020, state="active"),
        title="推进行政执法三项制度",
        text="全面推行行政执法公示制度、执法全过程记录制度、重大执法决定法制审核制度。",
        lead_unit=lead_unit,
        assignee=person,
        status="in_progress",
        due_on=date(2020, 11, 30),
    )
    source.cooperating_units.add(coop_unit)
    next_year = AnnualReportFactory(year=2021, state="active")
    own = ItemFactory(report=next_year, title="2021年原有事项", order=5)

    response = reviewer_client.post(reverse("reports:rollover", args=[2020]))
    assert response.status_code == 302

    carried = Item.objects.get(carried_from=source)
    assert (carried.report, carried.year, carried.title, carried.text) == (
        next_year,
        2021,
        source.title,
        source.text,
    )
    assert (carried.lead_unit, carried.assignee, carried.due_on) == (lead_unit, person, date(2021, 11, 30))
    assert list(carried.cooperating_units.all()) == [coop_unit]
    assert carried.status == "not_started" and carried.kind == "task"
    assert carried.order > own.order

    (entry,) = ProgressUpdate.objects.filter(item=carried)
    assert (entry.author, entry.kind, entry.text) == (reviewer_client.user, "assignment", "由2020年度结转。")

    page = reviewer_client.get(carried.get_absolute_url()).content.decode()
    assert "全面推行行政执法公示制度" in page and "王五" in page
