"""Governments as a tree (issue 19): the model, uniqueness per government, the scope each
person gets, the admin's checks, and who is told of an item."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from reports.models import AnnualReport
from tests.factories import (
    AnnualReportFactory,
    GovernmentFactory,
    ItemFactory,
    LeaderFactory,
    ReviewerFactory,
    StaffFactory,
    UnitFactory,
    UserFactory,
)
from tracker import permissions, selectors
from tracker.models import Affiliation, Government, Membership, Message, Unit
from tracker.services import item_submit, items_assign

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """新乡市 with two counties below it, and a township below the first."""
    city = GovernmentFactory(name="新乡市", level="city")
    xinxiang = GovernmentFactory(name="新乡县", parent=city)
    huojia = GovernmentFactory(name="获嘉县", parent=city)
    town = GovernmentFactory(name="七里营镇", parent=xinxiang, level="township")
    return {"city": city, "xinxiang": xinxiang, "huojia": huojia, "town": town}


def test_each_government_has_its_path_in_the_tree_and_a_subtree_is_one_prefix(tree):
    city, xinxiang, town = tree["city"], tree["xinxiang"], tree["town"]
    assert city.path == f"{city.pk:05d}."
    assert town.path == f"{city.pk:05d}.{xinxiang.pk:05d}.{town.pk:05d}."
    assert set(city.subtree().values_list("name", flat=True)) == {"新乡市", "新乡县", "获嘉县", "七里营镇"}
    assert set(xinxiang.subtree().values_list("name", flat=True)) == {"新乡县", "七里营镇"}
    assert (town.depth, xinxiang.depth, city.depth) == (3, 2, 1)


def test_moving_a_government_moves_everything_below_it(tree):
    xinxiang, huojia, town = tree["xinxiang"], tree["huojia"], tree["town"]
    xinxiang.parent = huojia
    xinxiang.save()
    town.refresh_from_db()
    assert town.path == f"{huojia.path}{xinxiang.pk:05d}.{town.pk:05d}."
    assert set(huojia.subtree().values_list("name", flat=True)) == {"获嘉县", "新乡县", "七里营镇"}


def test_a_government_cannot_be_put_below_itself(tree):
    from django.core.exceptions import ValidationError

    xinxiang = tree["xinxiang"]
    xinxiang.parent = tree["town"]
    with pytest.raises(ValidationError) as refused:
        xinxiang.full_clean()
    assert "parent" in refused.value.message_dict


def test_two_counties_each_have_their_2020_and_their_justice_bureau(tree):
    for county in (tree["xinxiang"], tree["huojia"]):
        AnnualReport.objects.create(government=county, year=2020, title=f"{county.name}2020")
        Unit.objects.create(government=county, name="县司法局")
    assert AnnualReport.objects.filter(year=2020).count() == 2
    assert Unit.objects.filter(name="县司法局").count() == 2
    # ... but within one county, a year and a unit's name are still one of a kind.
    for create in (
        lambda: AnnualReport.objects.create(government=tree["xinxiang"], year=2020, title="又一份"),
        lambda: Unit.objects.create(government=tree["xinxiang"], name="县司法局"),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            create()


def test_with_several_governments_a_row_must_say_which(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(name="县司法局")  # no default among several governments


def test_an_installation_of_one_government_needs_none_said():
    unit = Unit.objects.create(name="县司法局")
    report = AnnualReport.objects.create(year=2020, title="2020")
    assert unit.government == report.government == Government.objects.get()
    assert Government.objects.get().name == "本级政府"


def test_each_person_sees_his_government_and_those_below(tree):
    city_reviewer = ReviewerFactory(government=tree["city"])
    county_leader = LeaderFactory(government=tree["xinxiang"])
    staff = StaffFactory(units=[UnitFactory(government=tree["huojia"])])
    nobody = ReviewerFactory()
    admin = UserFactory(is_superuser=True)
    for county in ("xinxiang", "huojia", "town"):
        ItemFactory(report=AnnualReportFactory(government=tree[county], year=2020), title=f"{county}事项")

    def titles(user):
        return set(selectors.items_visible_to(user).values_list("title", flat=True))

    assert titles(city_reviewer) == titles(admin) == {"xinxiang事项", "huojia事项", "town事项"}
    assert titles(county_leader) == {"xinxiang事项", "town事项"}
    assert titles(nobody) == set()  # several governments and none of his own: nothing
    assert permissions.sees_government(county_leader, tree["town"])
    assert not permissions.sees_government(county_leader, tree["huojia"])
    assert permissions.own_government(staff) == tree["huojia"]
    assert permissions.supervises(city_reviewer) and not permissions.supervises(staff)
    # The county's leader has a township below: he supervises it; the county's staff never do.
    county_staff = StaffFactory(units=[UnitFactory(government=tree["xinxiang"])])
    assert permissions.supervises(county_leader) and not permissions.supervises(county_staff)
    keys = {permissions.visibility_key(u) for u in (city_reviewer, county_leader, admin)}
    assert len(keys) == 3  # cached figures never cross from one scope to another


def test_units_and_people_to_choose_are_those_of_the_persons_governments(tree):
    ours = UnitFactory(government=tree["xinxiang"], name="新乡县司法局")
    theirs = UnitFactory(government=tree["huojia"], name="获嘉县司法局")
    StaffFactory(username="ours", units=[ours])
    StaffFactory(username="theirs", units=[theirs])
    reviewer = ReviewerFactory(government=tree["xinxiang"])
    assert list(selectors.units_matching("司法局", reviewer)) == [ours]
    assert [p.username for p in selectors.people_matching("", user=reviewer)] == ["ours"]


def test_a_countys_item_cannot_be_given_to_another_countys_unit(tree):
    from django.core.exceptions import ValidationError

    item = ItemFactory(
        report=AnnualReportFactory(government=tree["xinxiang"], year=2021, state="active"),
        lead_unit=UnitFactory(government=tree["xinxiang"]),
    )
    stranger = UnitFactory(government=tree["huojia"], name="获嘉县财政局")
    with pytest.raises(ValidationError) as refused:
        items_assign(
            items=[item], user=ReviewerFactory(government=tree["city"]), changes={"lead_unit": stranger}
        )
    assert "获嘉县财政局" in str(refused.value) and "其他政府" in str(refused.value)
    item.refresh_from_db()
    assert item.lead_unit != stranger


def test_a_submission_is_told_to_the_reviewers_who_see_its_county_only(tree):
    unit = UnitFactory(government=tree["xinxiang"])
    staff = StaffFactory(units=[unit])
    item = ItemFactory(
        report=AnnualReportFactory(government=tree["xinxiang"], year=2021, state="active"), lead_unit=unit
    )
    ours = ReviewerFactory(username="ours", government=tree["xinxiang"])
    city = ReviewerFactory(username="city", government=tree["city"])
    ReviewerFactory(username="sibling", government=tree["huojia"])
    item_submit(item=item, user=staff, note="请审核", files=[], expected_version=item.version)
    told = set(Message.objects.filter(item=item).values_list("recipient__username", flat=True))
    assert told == {ours.username, city.username}


def _admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    return client


def test_the_admin_refuses_a_membership_in_another_governments_unit_in_chinese(client, tree):
    person = ReviewerFactory(username="zhang", government=tree["xinxiang"])
    stranger = UnitFactory(government=tree["huojia"], name="获嘉县财政局")
    response = _admin_client(client).post(
        reverse("admin:tracker_membership_add"), {"user": person.pk, "unit": stranger.pk}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "获嘉县财政局是获嘉县的单位，而该用户属于新乡县" in page
    assert not Membership.objects.filter(user=person).exists()


def test_the_admin_refuses_a_government_other_than_the_users_units(client, tree):
    person = StaffFactory(
        username="li", units=[UnitFactory(government=tree["xinxiang"], name="新乡县司法局")]
    )
    response = _admin_client(client).post(
        reverse("admin:tracker_affiliation_add"), {"user": person.pk, "government": tree["huojia"].pk}
    )
    assert response.status_code == 200
    assert "该用户属于新乡县的单位新乡县司法局" in response.content.decode()
    assert not Affiliation.objects.filter(user=person).exists()


def test_the_governments_admin_lists_the_tree_in_chinese(client, tree):
    page = _admin_client(client).get(reverse("admin:tracker_government_changelist")).content.decode()
    assert "政府" in page and "县（区）" in page and "新乡市" in page and "七里营镇" in page


def test_a_supervisors_list_and_files_say_each_rows_government_and_a_countys_do_not(client, tree):
    import csv
    import io

    def csv_rows(response):
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))

    for county in (tree["xinxiang"], tree["huojia"]):
        report = AnnualReportFactory(government=county, year=2020)
        ItemFactory(
            report=report,
            lead_unit=UnitFactory(government=county, name="县司法局"),
            title=f"{county.name}的任务",
        )
    supervisor = ReviewerFactory(government=tree["city"])
    county_reviewer = ReviewerFactory(government=tree["huojia"])  # no township below it

    client.force_login(supervisor)
    page = client.get("/items/?year=2020").content.decode()
    assert "column-government" in page and "获嘉县" in page
    rows = csv_rows(client.get("/items/?year=2020&_export=csv"))
    assert rows[0][2] == "政府"
    assert sorted((row[2], row[5]) for row in rows[1:]) == [
        ("新乡县", "新乡县的任务"),
        ("获嘉县", "获嘉县的任务"),
    ]
    book = client.get("/items/?year=2020&_export=xlsx")
    assert book.status_code == 200

    client.force_login(county_reviewer)
    page = client.get("/items/?year=2020").content.decode()
    assert "column-government" not in page and "获嘉县的任务" in page and "新乡县的任务" not in page
    rows = csv_rows(client.get("/items/?year=2020&_export=csv"))
    assert "政府" not in rows[0]
