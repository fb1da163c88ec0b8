"""Tracker selectors on their own: who sees which items, what is overdue, status counts."""

from datetime import date

import pytest

from tests.factories import AnnualReportFactory, ItemFactory, LeaderFactory, StaffFactory
from tracker.choices import ItemStatus
from tracker.models import Item
from tracker.selectors import (
    is_overdue,
    items_visible_to,
    overdue_q,
    status_counts,
    status_counts_capped,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_units_items(lead_unit, other_unit, coop_unit):
    report = AnnualReportFactory(year=2020)
    led = ItemFactory(report=report, lead_unit=lead_unit, title="本单位牵头")
    helped = ItemFactory(report=report, lead_unit=other_unit, title="本单位配合")
    helped.cooperating_units.add(lead_unit, coop_unit)
    ItemFactory(report=report, lead_unit=coop_unit, title="别的单位的")
    return led, helped


def test_staff_see_the_items_their_units_lead_or_cooperate_on_once_each(
    three_units_items, lead_unit, other_unit
):
    led, helped = three_units_items
    staff = StaffFactory(units=[lead_unit, other_unit])  # leads one item, cooperates on it too
    titles = list(items_visible_to(staff).values_list("title", flat=True))
    assert sorted(titles) == sorted([led.title, helped.title])


def test_staff_without_a_unit_see_nothing_and_leaders_and_reviewers_see_everything(
    three_units_items, reviewer_client
):
    assert not items_visible_to(StaffFactory(units=[])).exists()
    assert items_visible_to(LeaderFactory()).count() == Item.objects.count() == 3
    assert items_visible_to(reviewer_client.user).count() == 3


@pytest.mark.parametrize(
    ("due_on", "status", "overdue"),
    [
        (date(2021, 3, 9), ItemStatus.IN_PROGRESS, True),
        (date(2021, 3, 9), ItemStatus.SUBMITTED, True),
        (date(2021, 3, 9), ItemStatus.DONE, False),
        (date(2021, 3, 10), ItemStatus.NOT_STARTED, False),  # due today: not yet
        (None, ItemStatus.NOT_STARTED, False),
    ],
)
def test_overdue_in_the_database_and_in_python_agree(due_on, status, overdue):
    on = date(2021, 3, 10)
    item = ItemFactory(due_on=due_on, status=status)
    assert is_overdue(item, on) is overdue
    assert Item.objects.filter(overdue_q(on), pk=item.pk).exists() is overdue


def test_status_counts_name_every_status_with_zeros_and_the_capped_count_gives_up_past_the_cap():
    report = AnnualReportFactory(year=2020)
    ItemFactory.create_batch(2, report=report, status=ItemStatus.DONE)
    ItemFactory(report=report, status=ItemStatus.RETURNED)
    items = Item.objects.filter(report=report)
    expected = dict.fromkeys(ItemStatus.values, 0) | {"done": 2, "returned": 1}
    assert status_counts(items) == expected
    assert status_counts_capped(items, cap=3) == expected
    assert status_counts_capped(items, cap=2) is None
    assert status_counts(Item.objects.none()) == dict.fromkeys(ItemStatus.values, 0)
