"""Which shortfalls a measure answers, set by a reviewer on the item page (issue 14, point 1):
from the measure's page or from the shortfall's; a measure the import could not link is
flagged "待确认对应问题" until someone does; closed years stay as they are."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory
from tracker.models import Item, ProgressUpdate
from tracker.services import item_set_links

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other", "lead", "coop", "leader", "reviewer"]


@pytest.fixture
def year(lead_unit):
    """The 2021 ledger with the shortfalls and measures stated in the 2020 report."""
    stated = AnnualReportFactory(year=2020, state="active")
    report = AnnualReportFactory(year=2021, state="active", previous=stated)

    def make(kind, title, **fields):
        return ItemFactory(
            report=report, stated_in=stated, kind=kind, title=title, lead_unit=lead_unit, **fields
        )

    return {
        "report": report,
        "gap": make("shortfall", "执法力量不足"),
        "other_gap": make("shortfall", "普法针对性不强"),
        "measure": make("measure", "充实执法队伍", link_unsure=True),
        "other_measure": make("measure", "开展以案释法", link_unsure=True),
        "task": make("task", "规范性文件备案"),
    }


def links_url(item) -> str:
    return reverse("tracker:item_links", args=[item.pk])


def post_links(client, item, others, version=None):
    return client.post(
        links_url(item),
        {
            "links-others": [o.pk for o in others],
            "links-version": item.version if version is None else version,
        },
    )


def linked_shortfalls(measure) -> set[str]:
    return set(Item.objects.get(pk=measure.pk).addresses.values_list("title", flat=True))


def test_a_reviewer_sets_the_shortfalls_a_measure_answers(reviewer_client, year):
    measure = year["measure"]
    response = post_links(reviewer_client, measure, [year["gap"], year["other_gap"]])
    assert response.status_code == 302 and response.url == measure.get_absolute_url()
    assert linked_shortfalls(measure) == {"执法力量不足", "普法针对性不强"}
    measure.refresh_from_db()
    assert (measure.link_unsure, measure.version) == (False, 2)
    assert ProgressUpdate.objects.get(item=measure).text == "调整针对的问题：新增 2 项，移除 0 项。"
    # Each shortfall's history says it gained a measure, and names none (the measure may be
    # another unit's).
    assert ProgressUpdate.objects.get(item=year["gap"]).text == "调整整改措施：新增 1 项，移除 0 项。"
    page = reviewer_client.get(measure.get_absolute_url()).content.decode()
    assert "对应关系已保存" in page and 'data-testid="link-unsure"' not in page
    response = post_links(reviewer_client, Item.objects.get(pk=measure.pk), [year["other_gap"]])
    assert linked_shortfalls(measure) == {"普法针对性不强"}
    assert ProgressUpdate.objects.get(item=year["gap"], event__removed=1)


def test_a_reviewer_sets_the_measures_answering_a_shortfall(reviewer_client, year):
    gap = year["gap"]
    year["other_measure"].addresses.add(year["other_gap"])
    assert post_links(reviewer_client, gap, [year["measure"]]).status_code == 302
    assert linked_shortfalls(year["measure"]) == {"执法力量不足"}
    assert linked_shortfalls(year["other_measure"]) == {"普法针对性不强"}  # its other link stays
    assert Item.objects.get(pk=year["measure"].pk).link_unsure is False  # newly linked: confirmed
    assert Item.objects.get(pk=year["other_measure"].pk).link_unsure is True  # untouched


def test_saving_an_unsure_measures_links_unchanged_confirms_them(reviewer_client, year):
    measure = year["measure"]
    assert post_links(reviewer_client, measure, []).status_code == 302
    measure.refresh_from_db()
    assert measure.link_unsure is False and not measure.addresses.exists()
    assert ProgressUpdate.objects.get(item=measure).text == "已确认针对的问题，未作改动。"
    # Nothing to confirm or change any more: nothing is written.
    assert post_links(reviewer_client, measure, []).status_code == 302
    assert ProgressUpdate.objects.filter(item=measure).count() == 1


def test_the_form_offers_the_years_shortfalls_only(reviewer_client, year):
    elsewhere = ItemFactory(report=AnnualReportFactory(year=2018), kind="shortfall", title="往年问题")
    page = reviewer_client.get(year["measure"].get_absolute_url()).content.decode()
    form = page[page.index('action="' + links_url(year["measure"])) :]
    form = form[: form.index("</form>")]
    assert "执法力量不足" in form and "普法针对性不强" in form
    assert "往年问题" not in form and "规范性文件备案" not in form and "开展以案释法" not in form
    response = post_links(reviewer_client, year["measure"], [elsewhere])
    assert response.status_code == 400 and not year["measure"].addresses.exists()


def test_a_link_already_made_elsewhere_is_offered_so_that_it_can_be_undone(reviewer_client, year):
    elsewhere = ItemFactory(report=AnnualReportFactory(year=2018), kind="shortfall", title="往年问题")
    year["measure"].addresses.add(elsewhere)
    page = reviewer_client.get(year["measure"].get_absolute_url()).content.decode()
    assert "往年问题（2018" in page
    assert post_links(reviewer_client, year["measure"], []).status_code == 302
    assert not year["measure"].addresses.exists()


def test_an_unsure_measure_is_flagged_on_its_page_and_in_the_list_and_can_be_filtered(reviewer_client, year):
    page = reviewer_client.get(year["measure"].get_absolute_url()).content.decode()
    assert 'data-testid="link-unsure"' in page and "待确认对应问题" in page
    assert "导入时未能确定此措施针对哪个问题" in page
    listed = reviewer_client.get(reverse("tracker:items"), {"year": 2021}).content.decode()
    row = next(row for row in re.split(r"<tr\b[^>]*>", listed) if "充实执法队伍" in row)
    assert "待确认对应问题" in row
    filtered = reviewer_client.get(
        reverse("tracker:items"), {"year": 2021, "links": "unsure"}
    ).content.decode()
    assert "充实执法队伍" in filtered and "开展以案释法" in filtered
    assert "执法力量不足" not in filtered and "规范性文件备案" not in filtered


def test_staff_see_the_flag_but_no_candidates_and_cannot_link(staff_client, year):
    page = staff_client.get(year["measure"].get_absolute_url()).content.decode()
    assert "待确认对应问题" in page
    assert 'name="links-others"' not in page and "普法针对性不强" not in page
    assert post_links(staff_client, year["measure"], [year["gap"]]).status_code == 403
    assert not year["measure"].addresses.exists()


LINK = {"anonymous": "login", "other": 404, "lead": 403, "coop": 404, "leader": 403, "reviewer": 302}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_link(clients, year, role):
    response = post_links(clients[role], year["measure"], [year["gap"]])
    if LINK[role] == "login":
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    else:
        assert response.status_code == LINK[role]
    assert year["measure"].addresses.exists() == (LINK[role] == 302)


def test_tasks_have_no_links(reviewer_client, year):
    assert 'name="links-others"' not in reviewer_client.get(year["task"].get_absolute_url()).content.decode()
    assert post_links(reviewer_client, year["task"], [year["gap"]]).status_code == 403
    with pytest.raises(PermissionDenied):
        item_set_links(item=year["task"], user=reviewer_client.user, others=[year["gap"]], expected_version=1)


def test_a_shortfall_cannot_answer_a_shortfall(reviewer_client, year):
    with pytest.raises(ValidationError):
        item_set_links(
            item=year["measure"], user=reviewer_client.user, others=[year["task"]], expected_version=1
        )
    assert not year["measure"].addresses.exists()


def test_links_from_an_old_page_are_answered_409(reviewer_client, year):
    response = post_links(reviewer_client, year["measure"], [year["gap"]], version=0)
    assert response.status_code == 409 and "此事项已被他人更新" in response.content.decode()
    assert not year["measure"].addresses.exists()
    assert not ProgressUpdate.objects.exists()


def test_closed_years_refuse_links(reviewer_client, lead_unit):
    closed = AnnualReportFactory(year=2019, state="closed")
    measure = ItemFactory(report=closed, kind="measure", lead_unit=lead_unit)
    gap = ItemFactory(report=closed, kind="shortfall", lead_unit=lead_unit)
    assert 'name="links-others"' not in reviewer_client.get(measure.get_absolute_url()).content.decode()
    response = post_links(reviewer_client, measure, [gap])
    assert response.status_code == 400 and "已关闭" in response.content.decode()
    # An open year's measure cannot unlink a closed year's shortfall either: that year's record.
    open_measure = ItemFactory(report=AnnualReportFactory(year=2020), kind="measure", lead_unit=lead_unit)
    open_measure.addresses.add(gap)
    with pytest.raises(ValidationError, match="2019"):
        item_set_links(item=open_measure, user=reviewer_client.user, others=[], expected_version=1)
    assert list(open_measure.addresses.all()) == [gap] and not measure.addresses.exists()


def test_a_measure_page_makes_as_many_queries_with_twenty_candidates_as_with_two(reviewer_client, year):
    measure = year["measure"]
    url = measure.get_absolute_url()
    counts = []
    for extra in (0, 18):
        for n in range(extra):
            ItemFactory(report=year["report"], kind="shortfall", title=f"问题{n}")
        reviewer_client.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = reviewer_client.get(url).content.decode()
        counts.append(len(queries))
    assert page.count('name="links-others"') == 20
    assert counts[0] == counts[1] <= 14, counts  # +1: the menu bar's unread count; +1: the government


def test_a_year_of_many_shortfalls_offers_the_first_sixty_and_keeps_what_is_linked(reviewer_client, year):
    """A measure's page never lists thousands of check boxes: the first LINK_CANDIDATES of its
    year, and whatever it answers now even beyond them."""
    from tracker.selectors import LINK_CANDIDATES

    measure = year["measure"]
    late = ItemFactory(report=year["report"], kind="shortfall", title="排在最后的问题", order=10_000)
    measure.addresses.add(late)
    ItemFactory.create_batch(LINK_CANDIDATES + 20, report=year["report"], kind="shortfall", order=5)
    page = reviewer_client.get(measure.get_absolute_url()).content.decode()
    assert page.count('name="links-others"') == LINK_CANDIDATES + 1
    assert "排在最后的问题" in page


def test_a_confirmed_measures_page_offers_the_change_on_request_and_keeps_its_queries(
    reviewer_client, year, django_assert_max_num_queries
):
    """Once its links are confirmed, a measure's page does not read every candidate: the
    reviewer asks to change them (?links=1), and only then gets the check boxes."""
    measure = year["measure"]
    measure.link_unsure = False
    measure.save()
    measure.addresses.add(year["gap"])
    url = measure.get_absolute_url()
    reviewer_client.get(url)
    with django_assert_max_num_queries(13):  # +1: the person's government (issue 19)
        page = reviewer_client.get(url).content.decode()
    assert 'name="links-others"' not in page and 'href="?links=1#links"' in page
    assert "执法力量不足" in page  # what it answers is shown all the same
    asked = reviewer_client.get(f"{url}?links=1").content.decode()
    assert asked.count('name="links-others"') == 2
    assert '<details class="card-body border-top links-form" open>' in asked  # opened, as asked
    assert re.search(rf'name="links-others" value="{year["gap"].pk}"[^>]*checked', asked)


def test_staff_get_no_link_to_change_links(staff_client, year):
    page = staff_client.get(year["measure"].get_absolute_url()).content.decode()
    assert "?links=1" not in page and 'name="links-others"' not in page
