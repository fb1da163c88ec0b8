"""Figures as a county civil servant reads them: an approximate quantity the way the report
writes it (约, not a tilde), and the dashboard's waiting count, which is every year's, saying so
on a year's overview (the 2020 overview showed "待审核 2" for a year that holds no tracked work)."""

import pytest
from django.urls import reverse

from reports.models import AnnualReport
from reports.services import report_import
from tests.factories import ItemFactory
from tests.samples import XINXIANG
from tracker.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def y2020(db):
    report_import(text=XINXIANG)
    return AnnualReport.objects.get(year=2020)


def test_an_approximate_figure_reads_yue_on_the_year_page_and_the_item_page(reviewer_client, y2020):
    year = reviewer_client.get(reverse("reports:detail", args=[2020])).content.decode()
    assert "约1300人次" in year and "约20次" in year
    assert "~1300" not in year and "~20" not in year
    training = Item.objects.get(report=y2020, title="加强行政机关工作人员法律知识培训")
    page = reviewer_client.get(training.get_absolute_url()).content.decode()
    assert "约1300人次" in page and "~1300" not in page


def test_the_waiting_count_says_it_is_every_years(leader_client, y2020):
    ItemFactory(report=y2020.next, status="submitted")
    for year in (2020, 2021):
        page = leader_client.get(reverse("home"), {"year": year}).content.decode()
        card = page[page.index('data-kpi="waiting"') :]
        assert card.startswith('data-kpi="waiting">1<')
        assert "各年度合计" in card[: card.index("</a>")]


def test_the_status_table_scrolls_inside_its_card_on_a_phone(staff_client, y2020):
    """At 390 px the table's 工作成效 column ran off the screen: it scrolls in its card now."""
    page = staff_client.get(reverse("home")).content.decode()
    assert (
        '<div class="card-body p-0 table-responsive">\n    <table class="table table-hover mb-0 status-counts">'
        in page
    )
    assert '<td class="report-title">' in page


def test_the_dashboard_year_button_stays_on_one_line(leader_client, y2020):
    page = leader_client.get(reverse("home")).content.decode()
    assert 'class="btn btn-sm btn-outline-primary text-nowrap" type="submit">查看<' in page
