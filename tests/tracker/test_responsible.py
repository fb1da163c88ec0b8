"""The person responsible (责任人): a user of the lead unit, or an official named without an
account (name, post, phone) as a 任务分解表 gives it (issue 14, point 4)."""

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory
from tracker.models import Item, ProgressUpdate
from tracker.services import items_assign

pytestmark = pytest.mark.django_db


def assign(client, item, **fields):
    data = {
        "lead_unit": item.lead_unit_id or "",
        "assignee": "",
        "responsible_name": "",
        "responsible_post": "",
        "responsible_phone": "",
        "version": item.version,
        **fields,
    }
    return client.post(reverse("tracker:item_assign", args=[item.pk]), data)


def test_a_reviewer_names_an_official_without_an_account(reviewer_client, item):
    response = assign(
        reviewer_client,
        item,
        responsible_name="王明",
        responsible_post="副局长",
        responsible_phone="0373-5551234",
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.assignee, item.responsible_name, item.responsible_post, item.responsible_phone) == (
        None,
        "王明",
        "副局长",
        "0373-5551234",
    )
    entry = ProgressUpdate.objects.get(item=item, kind="assignment")
    assert "责任人：— → 王明（副局长）" in entry.text and "0373-5551234" in entry.text
    page = reviewer_client.get(item.get_absolute_url()).content.decode()
    facts = page[page.index('data-testid="responsible"') :]
    assert facts.startswith('data-testid="responsible">王明（副局长）')
    assert 'href="tel:0373-5551234"' in facts


def test_a_user_and_an_official_at_once_are_refused_and_nothing_changes(reviewer_client, item, lead_unit):
    person = StaffFactory(units=[lead_unit], first_name="李华")
    response = assign(reviewer_client, item, assignee=person.pk, responsible_name="王明")
    assert response.status_code == 400
    assert "二者只能选其一" in response.content.decode()
    item.refresh_from_db()
    assert (item.assignee, item.responsible_name, item.version) == (None, "", 1)
    assert not ProgressUpdate.objects.exists()


def test_a_post_or_phone_needs_the_officials_name(reviewer_client, item):
    response = assign(reviewer_client, item, responsible_post="副局长")
    assert response.status_code == 400 and "请同时填写责任人姓名" in response.content.decode()
    with pytest.raises(ValidationError):
        items_assign(items=[item], user=reviewer_client.user, changes={"responsible_phone": "123"})


def test_choosing_a_user_replaces_the_official_and_naming_an_official_replaces_the_user(
    reviewer_client, item, lead_unit
):
    person = StaffFactory(units=[lead_unit], first_name="李华")
    Item.objects.filter(pk=item.pk).update(
        responsible_name="王明", responsible_post="副局长", responsible_phone="5551234"
    )
    item.refresh_from_db()
    assert assign(reviewer_client, item, assignee=person.pk).status_code == 302
    item.refresh_from_db()
    assert (item.assignee, item.responsible_name, item.responsible_post, item.responsible_phone) == (
        person,
        "",
        "",
        "",
    )
    assert "王明（副局长） → 李华" in ProgressUpdate.objects.latest("pk").text
    # In bulk, too: a user chosen for many items clears their officials.
    other = ItemFactory(report=item.report, lead_unit=lead_unit, responsible_name="赵六")
    items_assign(items=[other], user=reviewer_client.user, changes={"assignee": person})
    other.refresh_from_db()
    assert (other.assignee, other.responsible_name) == (person, "")
    # And an official named on the item page replaces the user.
    assert assign(reviewer_client, item, responsible_name="张三").status_code == 302
    item.refresh_from_db()
    assert (item.assignee, item.responsible_name) == (None, "张三")


def test_the_assignment_form_shows_the_official_and_the_list_form_does_not(reviewer_client, item):
    Item.objects.filter(pk=item.pk).update(responsible_name="王明", responsible_post="副局长")
    page = reviewer_client.get(item.get_absolute_url()).content.decode()
    card = page[page.index('id="assign"') :]
    assert 'name="responsible_name" value="王明"' in card and 'name="responsible_post" value="副局长"' in card
    bulk = reviewer_client.get(reverse("tracker:items")).content.decode()
    assert 'name="responsible_name"' not in bulk


def test_the_list_and_the_csv_show_the_official_with_the_post_but_not_the_phone(reviewer_client, lead_unit):
    report = AnnualReportFactory(year=2021)
    ItemFactory(
        report=report,
        lead_unit=lead_unit,
        title="推进行政执法公示",
        responsible_name="王明",
        responsible_post="副局长",
        responsible_phone="5551234",
    )
    person = StaffFactory(units=[lead_unit], first_name="李华")
    ItemFactory(report=report, lead_unit=lead_unit, title="开展执法案卷评查", assignee=person)
    page = reviewer_client.get(reverse("tracker:items")).content.decode()
    rows = {
        title: row
        for row in re.split(r"<tr\b[^>]*>", page)
        for title in ("推进行政执法公示", "开展执法案卷评查")
        if title in row
    }
    assert re.search(r"<td[^>]*>王明（副局长）</td>", rows["推进行政执法公示"])
    assert re.search(r"<td[^>]*>李华</td>", rows["开展执法案卷评查"])
    assert "5551234" not in page
    response = reviewer_client.get(reverse("tracker:items"), {"_export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    column = table[0].index("责任人")
    people = {row[4]: row[column] for row in table[1:]}
    assert people == {"推进行政执法公示": "王明（副局长）", "开展执法案卷评查": "李华"}
    assert "5551234" not in text


def test_the_list_sorts_by_the_responsible_person_officials_included(reviewer_client, lead_unit):
    report = AnnualReportFactory(year=2021)
    for name in ("李四", "张三"):  # by code point, as the database sorts: 张 before 李
        ItemFactory(report=report, lead_unit=lead_unit, title=f"{name}的事项", responsible_name=name)
    page = reviewer_client.get(reverse("tracker:items"), {"sort": "assignee"}).content.decode()
    assert page.index("张三的事项") < page.index("李四的事项")
    page = reviewer_client.get(reverse("tracker:items"), {"sort": "-assignee"}).content.decode()
    assert page.index("李四的事项") < page.index("张三的事项")


def test_the_list_makes_as_many_queries_with_officials_on_thirty_rows_as_on_three(reviewer_client, lead_unit):
    report = AnnualReportFactory(year=2021)
    person = StaffFactory(units=[lead_unit])
    url = reverse("tracker:items")
    counts = []
    for rows in (3, 17):  # 20 rows: all on the first page
        for n in range(rows):
            if n % 2:
                ItemFactory(
                    report=report, lead_unit=lead_unit, responsible_name="王明", responsible_post="副局长"
                )
            else:
                ItemFactory(report=report, lead_unit=lead_unit, assignee=person)
        reviewer_client.get(url)  # choice lists and counts cached, as between views
        with CaptureQueriesContext(connection) as queries:
            page = reviewer_client.get(url).content.decode()
        counts.append(len(queries))
    assert len(re.findall(r"<td[^>]*>王明（副局长）</td>", page)) == 9
    assert counts[0] == counts[1]
