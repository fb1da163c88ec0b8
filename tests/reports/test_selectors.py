"""Reports selectors on their own: the years with the counts a person may see, the draft's
sentences without their numbering."""

import pytest

from reports.selectors import _without_number, reports_with_status_counts
from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory
from tracker.choices import ItemKind, ItemStatus

pytestmark = pytest.mark.django_db


def test_years_come_newest_first_with_the_counts_of_the_items_a_person_may_see(
    lead_unit, other_unit, reviewer_client, django_assert_max_num_queries
):
    old, new = AnnualReportFactory(year=2020), AnnualReportFactory(year=2021)
    ItemFactory(report=old, lead_unit=lead_unit, kind=ItemKind.ACHIEVEMENT, status=ItemStatus.DONE)
    ItemFactory(report=new, lead_unit=lead_unit, status=ItemStatus.IN_PROGRESS)
    ItemFactory.create_batch(2, report=new, lead_unit=other_unit, status=ItemStatus.SUBMITTED)
    staff = StaffFactory(units=[lead_unit])

    years = reports_with_status_counts(staff)
    assert [report.year for report in years] == [2021, 2020]
    assert (years[0].counts["total"], years[0].counts["in_progress"], years[0].counts["submitted"]) == (
        1,
        1,
        0,
    )
    # Achievements are the year's record, counted apart from its work.
    assert (years[1].counts["total"], years[1].counts["achievements"]) == (0, 1)
    assert years[0].status_cells == [years[0].counts[status] for status in ItemStatus.values]

    everything = reports_with_status_counts(reviewer_client.user)
    assert (everything[0].counts["total"], everything[0].counts["submitted"]) == (3, 2)

    # Two queries (years, counts) once the person's role and units are known, however many
    # years and items there are.
    for year in range(2010, 2020):
        ItemFactory.create_batch(3, report=AnnualReportFactory(year=year), lead_unit=lead_unit)
    with django_assert_max_num_queries(2):
        assert len(reports_with_status_counts(staff)) == 12


def test_a_year_without_items_counts_zeros():
    AnnualReportFactory(year=2022)
    (year,) = reports_with_status_counts(StaffFactory(units=[]))
    assert year.counts["total"] == year.counts["achievements"] == 0


def test_the_docx_draft_strips_every_inline_numbering():
    assert [_without_number(text) for text in ["第二，完善制度。", "其次，完善制度。", "二是完善制度。"]] == [
        "完善制度。"
    ] * 3
