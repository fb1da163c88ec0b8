"""The unit scoreboard and ratings (考核等次), and the reviewers' and leaders' dashboard, against a
hand-counted year."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import UnitRating
from reports.scoreboard import unit_scoreboard
from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory, UnitFactory
from tests.tracker.steering import ROLES, assert_status, submit
from tracker.models import Evidence
from tracker.services import item_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def scored_year(lead_unit, other_unit, staff_client, reviewer_client, pdf):
    """A hand-counted year. 县司法局 leads 4: one done on time (with 2 files), one done late,
    one overdue, one returned. 县市场监督管理局 leads 2: one done (no deadline), one not yet due."""
    today = timezone.localdate()
    report = AnnualReportFactory(year=2020, state="active")

    def make(unit, title, due, status="not_started"):
        return ItemFactory(report=report, lead_unit=unit, title=title, due_on=due, status=status)

    on_time = make(lead_unit, "按期办结", today + timedelta(days=10))
    late = make(lead_unit, "逾期办结", today - timedelta(days=10))
    make(lead_unit, "逾期未办", today - timedelta(days=1), "in_progress")
    returned = make(lead_unit, "被退回", today + timedelta(days=30))
    no_deadline = make(other_unit, "无时限办结", None)
    make(other_unit, "未到期", today + timedelta(days=30), "in_progress")
    for item, files in [(on_time, [pdf(), pdf()]), (late, []), (returned, [])]:
        submit(item, staff_client.user, files=files)
    other_staff = StaffFactory(units=[other_unit])
    submit(no_deadline, other_staff)
    for item in (on_time, late, no_deadline):
        item_review(item=item, user=reviewer_client.user, decision="approve")
    item_review(item=returned, user=reviewer_client.user, decision="return", comment="补充材料")
    return report


def test_scoreboard_figures_match_a_hand_counted_year(scored_year, lead_unit, other_unit):
    rows = {row.unit: row for row in unit_scoreboard(year=2020, report_id=scored_year.pk)}
    justice, market = rows[lead_unit].figures, rows[other_unit].figures
    assert (justice.total, justice.done, justice.overdue, justice.returned, justice.evidence) == (
        4,
        2,
        1,
        0 + 1,
        2,
    )
    assert justice.on_time == 1 and str(justice.on_time_rate) == "33.3"  # 1 ÷ (2 done + 1 overdue)
    assert str(justice.completion_rate) == "50.0"
    assert (market.total, market.done, market.overdue, market.on_time) == (2, 1, 0, 1)
    assert str(market.on_time_rate) == "100.0" and str(market.completion_rate) == "50.0"
    # Equal completion: the better on-time rate ranks first.
    assert rows[other_unit].rank < rows[lead_unit].rank


SCOREBOARD = {"anonymous": "login", "other": 200, "lead": 200, "coop": 200, "leader": 200, "reviewer": 200}


@pytest.mark.parametrize("role", ROLES)
def test_scoreboard_permissions(clients, scored_year, role):
    response = clients[role].get(reverse("scoreboard"))
    assert_status(response, SCOREBOARD[role])


def test_staff_see_their_own_row_and_rank(staff_client, scored_year):
    page = staff_client.get(reverse("scoreboard")).content.decode()
    assert "县司法局" in page and "县市场监督管理局" not in page
    assert '2<span class="text-body-secondary small"> / 2</span>' in page  # rank 2 of the 2 units


def test_reviewer_sets_ratings_and_others_cannot(reviewer_client, leader_client, scored_year, lead_unit):
    data = {"year": "2020", f"grade_{lead_unit.pk}": "good", f"comment_{lead_unit.pk}": "逾期一项"}
    assert leader_client.post(reverse("ratings"), data).status_code == 403
    assert reviewer_client.post(reverse("ratings"), data).status_code == 302
    rating = UnitRating.objects.get(unit=lead_unit, report=scored_year)
    assert (rating.grade, rating.comment) == ("good", "逾期一项")
    page = leader_client.get(reverse("scoreboard")).content.decode()
    assert "良" in page and "逾期一项" in page


def test_scoreboard_sorts_by_a_column(reviewer_client, scored_year):
    page = reviewer_client.get(reverse("scoreboard") + "?sort=-led").content.decode()
    assert page.index("县司法局") < page.index("县市场监督管理局")


def _grow(n_units, n_items):
    report = AnnualReportFactory(year=2020)
    units = UnitFactory.create_batch(n_units)
    for n in range(n_items):
        ItemFactory(
            report=report, lead_unit=units[n % n_units], due_on=timezone.localdate() - timedelta(days=n % 3)
        )


def test_scoreboard_and_dashboard_query_counts_do_not_grow(reviewer_client, django_assert_max_num_queries):
    for units, items in [(2, 3), (12, 40)]:
        _grow(units, items)
        with django_assert_max_num_queries(
            12
        ):  # the chases by unit: one query more; +1: the person's government (issue 19)
            assert reviewer_client.get(reverse("scoreboard")).status_code == 200
        with django_assert_max_num_queries(20):  # +1: the person's government (issue 19)
            assert reviewer_client.get(reverse("home")).status_code == 200


def test_dashboard_figures_match_the_list(reviewer_client, scored_year, lead_unit):
    import html
    import re

    page = reviewer_client.get(reverse("home")).content.decode()
    assert 'data-kpi="total">6<' in page
    assert 'data-kpi="completion">50.0%<' in page
    assert 'data-kpi="overdue">1<' in page
    assert "4项已完成2项(50.0%)" in page
    # The bar of 县司法局 links to the item list filtered to exactly its four items.
    link = html.unescape(re.search(rf'href="([^"]*lead_unit={lead_unit.pk})"', page).group(1))
    listed = reviewer_client.get(link)
    assert listed.context["total"] == 4
    overdue = html.unescape(re.search(r'href="([^"]*overdue=yes)"', page).group(1))
    assert reviewer_client.get(overdue).context["total"] == 1


def test_staff_home_has_no_dashboard(staff_client, scored_year):
    assert "data-kpi" not in staff_client.get(reverse("home")).content.decode()


def test_evidence_counts_use_submissions(scored_year):
    assert Evidence.objects.count() == 2
