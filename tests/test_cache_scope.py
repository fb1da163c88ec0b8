"""Counts and outlines are cached until the ledger changes, keyed on what the person may see
(``permissions.visibility_key``): what was counted for a reviewer, who sees every unit's
items, is never served to staff, who see their units' only.

Found by mutation testing (`make mutation`): keying everyone as "all" left the whole suite
green, while staff then saw other units' items on the year page and their counts in the list.
"""

import re

import pytest
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory, SectionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(lead_unit, other_unit):
    """2020: two items of 县司法局 (staff1's unit), three of 县市场监督管理局."""
    report = AnnualReportFactory(year=2020, state="active")
    section = SectionFactory(report=report)
    for n in range(2):
        ItemFactory(report=report, section=section, lead_unit=lead_unit, title=f"司法局事项{n}")
    for n in range(3):
        ItemFactory(report=report, section=section, lead_unit=other_unit, title=f"市场监管局事项{n}")
    return report


def _chips(page: str) -> dict[str, str]:
    return dict(re.findall(r'status=(\w+)">[^<]+<span class="badge text-bg-light">(\d+)', page))


def test_the_year_page_cached_for_a_reviewer_shows_staff_only_their_units_items(
    reviewer_client, staff_client, year
):
    url = reverse("reports:detail", args=[2020])
    assert "市场监管局事项0" in reviewer_client.get(url).content.decode()
    page = staff_client.get(url).content.decode()
    assert "司法局事项0" in page and "司法局事项1" in page
    assert "市场监管局事项" not in page


def test_the_lists_counts_cached_for_a_reviewer_are_not_shown_to_staff(reviewer_client, staff_client, year):
    url = reverse("tracker:items")
    query = {"year": "2020", "scope": "all"}  # staff: every item they may see, not only led
    assert _chips(reviewer_client.get(url, query).content.decode())["not_started"] == "5"
    page = staff_client.get(url, query).content.decode()
    assert _chips(page)["not_started"] == "2"
    assert "市场监管局事项" not in page
