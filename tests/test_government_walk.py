"""Governments side by side (issue 19): two sibling counties under one city, each with its
2020 ledger (same year, a unit of the same name), items, evidence, messages, instructions,
chases and an extension request. Every URL of the project (the access walk's table) is
walked as the staff, the reviewer and the leader of each county: nothing of the sibling
county shows anywhere (pages, CSV/XLSX/DOCX exports, searches, autocompletes, counts,
evidence), and the sibling's objects are 404. The city's reviewer sees both.
"""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import (
    AnnualReportFactory,
    GovernmentFactory,
    ItemFactory,
    LeaderFactory,
    ReviewerFactory,
    StaffFactory,
    UnitFactory,
)
from tests.test_access_walk import ACCESS, readable_text
from tests.urlwalk import project_routes
from tracker.choices import MessageKind
from tracker.models import Message
from tracker.services import extension_request, instruction_add, item_add_progress, items_chase

pytestmark = pytest.mark.django_db

# What is distinctive of each county: any of these in an answer to the other county's people
# is a leak.
DISTINCT = {
    "a": (
        "新乡县依法行政专项任务",
        "新乡县财政局",
        "新乡县内部进展说明",
        "新乡县批示内容",
        "新乡县催办意见",
        "新乡县佐证",
        "新乡县执法队伍不足",
        "新乡县充实执法力量",
    ),
    "b": (
        "获嘉县依法行政专项任务",
        "获嘉县水利局",
        "获嘉县内部进展说明",
        "获嘉县批示内容",
        "获嘉县催办意见",
        "获嘉县佐证",
        "获嘉县执法队伍不足",
        "获嘉县充实执法力量",
    ),
}
# Routes naming one object of a county: another county's people get 404 for it.
OBJECT_ROUTES = ("tracker:item", "chase_notice", "tracker:evidence", "tracker:evidence_view")


def _client(user):
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def _county(key, name, city, pdf):
    """One county's government, units, people and 2020 ledger with everything hanging off it."""
    secrets = dict(
        zip(
            ("title", "unit", "note", "instruction", "chase", "file", "shortfall", "measure"),
            DISTINCT[key],
            strict=True,
        )
    )
    county = GovernmentFactory(name=name, parent=city, level="county")
    justice = UnitFactory(government=county, name="县司法局", short_name="司法局")
    own = UnitFactory(government=county, name=secrets["unit"], short_name=secrets["unit"][3:])
    staff = StaffFactory(username=f"staff-{key}", first_name=f"{name}经办人", units=[justice])
    reviewer = ReviewerFactory(username=f"reviewer-{key}", government=county)
    leader = LeaderFactory(username=f"leader-{key}", government=county)
    report = AnnualReportFactory(government=county, year=2020, state="active", title=f"{name}2020年报告")
    item = ItemFactory(report=report, lead_unit=justice, title=secrets["title"])
    item.cooperating_units.add(own)
    # A problem of the year and the measure answering it (the item pages' link candidates).
    shortfall = ItemFactory(report=report, lead_unit=justice, kind="shortfall", title=secrets["shortfall"])
    measure = ItemFactory(report=report, lead_unit=own, kind="measure", title=secrets["measure"])
    measure.addresses.add(shortfall)
    update = item_add_progress(
        item=item, user=staff, note=secrets["note"], files=[pdf(f"{secrets['file']}.pdf")], expected_version=1
    )
    item.refresh_from_db()
    extension = extension_request(
        item=item, user=staff, new_due_on=timezone.localdate() + timedelta(days=30), reason="等文件"
    )
    instruction = instruction_add(item=item, user=leader, text=secrets["instruction"])
    (chase,) = items_chase(items=[item], user=leader, note=secrets["chase"])
    message = Message.objects.filter(recipient=staff, kind=MessageKind.INSTRUCTION).get()
    objects = {
        "item": item.pk,
        "shortfall": shortfall.pk,
        "measure": measure.pk,
        "chase": chase.pk,
        "message": message.pk,
        "evidence": update.evidence.get().pk,
        "extension": extension.pk,
        "instruction": instruction.pk,
    }
    return {
        "government": county,
        "people": {"staff": staff, "reviewer": reviewer, "leader": leader},
        "objects": objects,
        "report": report,
    }


@pytest.fixture
def counties(pdf):
    city = GovernmentFactory(name="新乡市", level="city")
    return {
        "city": city,
        "a": _county("a", "新乡县", city, pdf),
        "b": _county("b", "获嘉县", city, pdf),
        "city_reviewer": ReviewerFactory(username="reviewer-city", government=city),
    }


def _leaks(response, key) -> list[str]:
    text = readable_text(response)
    return [secret for secret in DISTINCT[key] if secret in text]


def test_each_countys_people_see_nothing_of_the_sibling_county_anywhere(counties):
    sibling = {"a": "b", "b": "a"}
    walked = 0
    for key in ("a", "b"):
        other = counties[sibling[key]]
        for role, user in counties[key]["people"].items():
            client = _client(user)
            for name, _route in project_routes():
                path = ACCESS[name][0].format(**counties[key]["objects"])
                # Asking for the sibling county to be in view changes nothing: it is not his.
                joiner = "&" if "?" in path else "?"
                for asked in (path, f"{path}{joiner}government={other['government'].pk}"):
                    response = client.get(asked)
                    assert response.status_code < 500, (key, role, asked)
                    assert not _leaks(response, sibling[key]), (
                        key,
                        role,
                        asked,
                        _leaks(response, sibling[key]),
                    )
                    walked += 1
            for search in (
                "/autocomplete/units/?q=局",
                "/autocomplete/people/?q=",
                "/items/?year=all&q=依法行政",
            ):
                response = client.get(search)
                assert response.status_code == 200 and not _leaks(response, sibling[key]), (key, role, search)
    assert walked == 2 * 3 * len(ACCESS) * 2


def test_the_sibling_countys_objects_are_404_for_each_countys_people(counties):
    for key, other in (("a", "b"), ("b", "a")):
        for role, user in counties[key]["people"].items():
            client = _client(user)
            for name in OBJECT_ROUTES:
                path = ACCESS[name][0].format(**counties[other]["objects"])
                response = client.get(path)
                assert response.status_code == 404, (key, role, path, response.status_code)
                assert not _leaks(response, other)
            # Acting on the sibling's item or its evidence is 404 as well, whatever the role.
            item = counties[other]["objects"]["item"]
            for action in ("follow", "chase", "instruction", "assign", "review", "submit", "extension"):
                response = client.post(f"/items/{item}/{action}/", {"note": "x", "text": "x"})
                assert response.status_code == 404, (key, role, action, response.status_code)
            objects = counties[other]["objects"]
            for path in (
                f"/extensions/{objects['extension']}/decide/",
                f"/instructions/{objects['instruction']}/reply/",
                f"/instructions/{objects['instruction']}/handle/",
                f"/inbox/{objects['message']}/read/",
                f"/items/{objects['shortfall']}/links/",
            ):
                response = client.post(path, {"decision": "approve", "note": "x"})
                assert response.status_code == 404, (key, role, path, response.status_code)


def test_year_urls_resolve_to_each_countys_own_report_of_that_year(counties):
    for key, other in (("a", "b"), ("b", "a")):
        client = _client(counties[key]["people"]["reviewer"])
        page = client.get("/reports/2020/").content.decode()
        assert counties[key]["report"].title in page and counties[other]["report"].title not in page
        listed = client.get("/reports/").content.decode()
        assert counties[key]["report"].title in listed and counties[other]["report"].title not in listed
        for fmt in ("csv", "xlsx", "docx", "tasks"):
            text = readable_text(client.get(f"/reports/2020/export/{fmt}/"))
            assert not [secret for secret in DISTINCT[other] if secret in text], fmt
        csv = readable_text(client.get("/reports/2020/export/csv/"))
        assert DISTINCT[key][0] in csv


def test_the_citys_reviewer_sees_both_counties_and_switches_the_one_in_view(counties):
    client = _client(counties["city_reviewer"])
    listed = client.get("/items/", {"year": "all"}).content.decode()
    assert DISTINCT["a"][0] in listed and DISTINCT["b"][0] in listed
    for key, other in (("a", "b"), ("b", "a")):
        government = counties[key]["government"]
        page = client.get("/reports/2020/", {"government": government.pk}).content.decode()
        assert counties[key]["report"].title in page and counties[other]["report"].title not in page
        assert 'data-testid="government-switch"' in page
        # The choice is kept: the year URLs without the parameter stay on that county.
        again = client.get("/reports/2020/").content.decode()
        assert counties[key]["report"].title in again
        for fmt in ("csv", "xlsx", "docx", "tasks"):
            text = readable_text(client.get(f"/reports/2020/export/{fmt}/"))
            assert not [secret for secret in DISTINCT[other] if secret in text], (key, fmt)
        csv = readable_text(client.get("/reports/2020/export/csv/"))
        assert DISTINCT[key][0] in csv
        page = client.get("/reports/2020/").content.decode()
        assert DISTINCT[key][6] in page and DISTINCT[other][6] not in page  # the year's problems
        units = client.get("/units/").content.decode()
        assert DISTINCT[key][1] in units and DISTINCT[other][1] not in units
    for key in ("a", "b"):
        item = counties[key]["objects"]["item"]
        assert client.get(f"/items/{item}/").status_code == 200


def test_a_county_person_sees_no_government_switch(counties):
    for role, user in counties["a"]["people"].items():
        page = _client(user).get("/").content.decode()
        assert 'data-testid="government-switch"' not in page, role


def test_the_citys_reviewer_follows_the_dashboard_to_the_county_in_views_items_only(counties):
    client = _client(counties["city_reviewer"])
    a = counties["a"]["government"]
    home = client.get("/", {"government": a.pk}).content.decode()
    link = re.search(r'href="(/items/\?[^"]*government=\d+[^"]*)"', home).group(1).replace("&amp;", "&")
    listed = client.get(link).content.decode()
    assert DISTINCT["a"][0] in listed and DISTINCT["b"][0] not in listed
    # The list's filter of governments is his, and only his (a county's people have none).
    assert 'id="id_government"' in client.get("/items/").content.decode()
    staff = _client(counties["a"]["people"]["staff"])
    assert 'id="id_government"' not in staff.get("/items/").content.decode()


def test_a_reviewer_of_no_government_among_several_sees_nothing_of_any(counties):
    client = _client(ReviewerFactory(username="stray"))
    for path in ("/", "/items/?year=all", "/units/", "/reports/", "/review/", "/autocomplete/units/?q=局"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert not _leaks(response, "a") and not _leaks(response, "b"), path
    assert client.get("/reports/2020/").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_job_holds_its_own_countys_year_only(counties, fmt):
    """Both counties have a 2020 report: the job started from a county's year page writes that
    county's report, as the plain export does."""
    from jobs.models import Job

    for key, other in (("a", "b"), ("b", "a")):
        client = _client(counties[key]["people"]["reviewer"])
        response = client.post(f"/reports/2020/export/{fmt}/job/")
        assert response.status_code == 303
        job = Job.objects.get(pk=response["Location"].rstrip("/").rsplit("/", 1)[1])
        assert job.params["report"] == counties[key]["report"].pk
        download = client.get(f"/jobs/{job.pk}/download/")
        assert download.status_code == 200
        text = readable_text(download)  # a file's body is read once
        assert not [secret for secret in DISTINCT[other] if secret in text]
        assert "新乡县依法行政专项任务" in text if key == "a" else "获嘉县依法行政专项任务" in text


ROLLUP_ROUTES = ("rollup", "rollup_shortfalls", "rollup_export")


def test_the_rollups_compare_both_counties_for_the_citys_reviewer_only(counties):
    """The roll-up routes of the access walk: the city's reviewer gets both counties' rows
    and shortfalls (pages and export); each county's people, who supervise nobody, 403."""
    client = _client(counties["city_reviewer"])
    for name in ROLLUP_ROUTES:
        path = ACCESS[name][0]
        response = client.get(path)
        assert response.status_code == 200, (name, response.status_code)
        text = readable_text(response)
        assert "新乡县" in text and "获嘉县" in text, name
    shortfalls = client.get(ACCESS["rollup_shortfalls"][0]).content.decode()
    assert DISTINCT["a"][6] in shortfalls and DISTINCT["b"][6] in shortfalls
    for key in ("a", "b"):
        for role, user in counties[key]["people"].items():
            for name in ROLLUP_ROUTES:
                response = _client(user).get(ACCESS[name][0])
                assert response.status_code == 403, (key, role, name, response.status_code)
                assert not _leaks(response, "a") and not _leaks(response, "b")
