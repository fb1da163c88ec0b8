"""The endpoints that feed the searchable selects: who may ask, what each finds, how much.

``{"results": [{"value", "text"}], "more"}``, sorted, at most CHOICES_PER_PAGE entries, only
what the forms would accept. The pages that use them no longer carry every unit and person.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    LeaderFactory,
    StaffFactory,
    UnitFactory,
    UserFactory,
)
from tracker.views import CHOICES_PER_PAGE

pytestmark = pytest.mark.django_db

ENDPOINTS = ["tracker:autocomplete_units", "tracker:autocomplete_people", "tracker:autocomplete_areas"]


def found(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.content
    return response.json()


def texts(answer) -> list[str]:
    return [row["text"] for row in answer["results"]]


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_visitors_are_sent_to_the_login_page(client, name):
    response = client.get(reverse(name), {"q": "局"})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_user_without_a_role_in_the_ledger_gets_403(name):
    client = Client()
    client.force_login(UserFactory())
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", ENDPOINTS)
def test_staff_leaders_and_reviewers_get_the_choices(
    name, staff_client, other_staff_client, leader_client, reviewer_client
):
    answers = [found(c, name) for c in (staff_client, other_staff_client, leader_client, reviewer_client)]
    assert all(answer == answers[0] for answer in answers)  # the filters offer the same to all
    assert answers[0]["results"] and answers[0]["more"] is False


def test_only_get_is_answered(reviewer_client):
    for name in ENDPOINTS:
        assert reviewer_client.post(reverse(name), {"q": "局"}).status_code == 405


def test_units_match_name_short_name_and_alias_and_only_active_ones(reviewer_client, lead_unit):
    UnitFactory(name="县卫生健康委员会", short_name="卫健局", aliases="卫健委\n县卫生局")
    UnitFactory(name="县卫生监督所（已撤销）", active=False)
    assert texts(found(reviewer_client, "tracker:autocomplete_units", q="县卫生")) == ["县卫生健康委员会"]
    assert texts(found(reviewer_client, "tracker:autocomplete_units", q="卫健局")) == ["县卫生健康委员会"]
    assert texts(found(reviewer_client, "tracker:autocomplete_units", q=" 卫健委 ")) == ["县卫生健康委员会"]
    answer = found(reviewer_client, "tracker:autocomplete_units", q="司法")
    assert answer == {"results": [{"value": lead_unit.pk, "text": "县司法局"}], "more": False}
    assert found(reviewer_client, "tracker:autocomplete_units", q="不存在的单位") == {
        "results": [],
        "more": False,
    }


def test_an_empty_search_gives_the_first_page_sorted_by_name_and_says_more_follow(reviewer_client):
    names = [f"县测试{n:02d}局" for n in range(CHOICES_PER_PAGE + 5)]
    for name in reversed(names):
        UnitFactory(name=name, kind="township" if name.endswith("1局") else "department")
    answer = found(reviewer_client, "tracker:autocomplete_units", q="")
    assert texts(answer) == names[:CHOICES_PER_PAGE] and answer["more"] is True
    answer = found(reviewer_client, "tracker:autocomplete_units", q="县测试2")
    assert texts(answer) == names[20:] and answer["more"] is False


def test_units_answer_with_as_many_queries_for_thirty_matches_as_for_three(
    reviewer_client, django_assert_max_num_queries
):
    counts = []
    for batch in (3, 27):
        UnitFactory.create_batch(batch)
        found(reviewer_client, "tracker:autocomplete_units")
        with django_assert_max_num_queries(6) as captured:
            found(reviewer_client, "tracker:autocomplete_units", q="测试")
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_people_answer_with_as_many_queries_for_thirty_as_for_three(
    reviewer_client, lead_unit, django_assert_max_num_queries
):
    counts = []
    for batch in (3, 27):
        StaffFactory.create_batch(batch, units=[lead_unit])
        found(reviewer_client, "tracker:autocomplete_people")
        with django_assert_max_num_queries(6) as captured:
            found(reviewer_client, "tracker:autocomplete_people", q="用户")
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1], counts


def test_people_are_users_of_a_unit_named_by_full_name_and_matched_by_user_name(
    reviewer_client, lead_unit, other_unit
):
    zhang = StaffFactory(username="zhangsan", first_name="张三", units=[lead_unit])
    li = StaffFactory(username="lisi", first_name="李四", units=[other_unit, lead_unit])
    LeaderFactory(username="lingdao", first_name="王领导")  # in no unit: never responsible
    answer = found(reviewer_client, "tracker:autocomplete_people")
    assert answer["results"] == [{"value": zhang.pk, "text": "张三"}, {"value": li.pk, "text": "李四"}]
    assert texts(found(reviewer_client, "tracker:autocomplete_people", q="lisi")) == ["李四"]
    assert texts(found(reviewer_client, "tracker:autocomplete_people", q="领导")) == []


def test_people_of_one_unit_when_the_unit_is_given(reviewer_client, lead_unit, other_unit):
    StaffFactory(first_name="张三", units=[lead_unit])
    StaffFactory(first_name="李四", units=[other_unit, lead_unit])
    StaffFactory(first_name="王五", units=[other_unit])
    assert texts(found(reviewer_client, "tracker:autocomplete_people", unit=other_unit.pk)) == [
        "李四",
        "王五",
    ]
    assert texts(found(reviewer_client, "tracker:autocomplete_people", unit=lead_unit.pk, q="李")) == ["李四"]


@pytest.mark.parametrize("unit", ["x<script>", "²", "9" * 5000])
def test_a_unit_that_is_no_id_gets_a_translated_error(reviewer_client, unit):
    with translation.override("zh-hans"):
        response = reviewer_client.get(reverse("tracker:autocomplete_people"), {"unit": unit})
    assert response.status_code == 400
    assert response.json() == {"error": "请从列表中选择单位。"}


def test_a_long_search_is_cut_and_answered(reviewer_client):
    for name in ENDPOINTS:
        assert found(reviewer_client, name, q="局" * 5000) == {"results": [], "more": False}


def test_areas_match_their_name_in_the_frameworks_order(reviewer_client):
    answer = found(reviewer_client, "tracker:autocomplete_areas")
    assert answer["more"] is False and len(answer["results"]) == 18
    assert answer["results"][0]["text"] == "依法全面履行政府职能"
    assert texts(found(reviewer_client, "tracker:autocomplete_areas", q="执法")) == [
        "坚持严格规范公正文明执法",
        "行政执法工作体系",
    ]


@pytest.fixture
def crowded(lead_unit):
    """A hundred units and three hundred people, and a year of 30 items."""
    units = [UnitFactory(name=f"县第{n:03d}局") for n in range(100)]
    for n in range(300):
        StaffFactory(units=[units[n % 100]])
    report = AnnualReportFactory(year=2020)
    return [ItemFactory(report=report, lead_unit=units[n], title=f"事项{n}") for n in range(30)]


def test_the_list_and_item_pages_carry_no_list_of_every_unit_and_person(reviewer_client, crowded):
    chosen = crowded[0].lead_unit
    pages = {
        "list": reviewer_client.get(reverse("tracker:items")),
        "filtered list": reviewer_client.get(reverse("tracker:items"), {"lead_unit": chosen.pk}),
        "item": reviewer_client.get(crowded[0].get_absolute_url()),
    }
    for name, response in pages.items():
        content = response.content.decode()
        assert response.status_code == 200, name
        assert content.count("<option") < 40, (name, content.count("<option"))
        assert "县第099局" not in content, name
    filtered = pages["filtered list"].content.decode()
    assert re.search(rf'<option value="{chosen.pk}" selected>{chosen.name}</option>', filtered)
    # Two filters; the bulk form's lead and cooperating units.
    assert filtered.count('data-autocomplete-url="/autocomplete/units/"') == 4
    item_page = pages["item"].content.decode()
    assert re.search(rf'<option value="{chosen.pk}" selected>{chosen.name}</option>', item_page)


def test_the_list_and_item_pages_stay_within_twelve_queries_with_many_units_and_people(
    reviewer_client, crowded, django_assert_max_num_queries
):
    chosen = crowded[0].lead_unit
    for url in (
        reverse("tracker:items"),
        reverse("tracker:items") + f"?lead_unit={chosen.pk}&cooperating_unit={chosen.pk}&area=1",
        crowded[0].get_absolute_url(),
    ):
        reviewer_client.get(url)
        with django_assert_max_num_queries(13):  # +1: the person's government (issue 19)
            assert reviewer_client.get(url).status_code == 200
