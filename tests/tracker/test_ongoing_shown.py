"""A task a 任务分解表 gives as 长期坚持 / 常态化 has no fixed deadline and is reviewed at the end
of the year (issue 14, point 2): every place that shows a deadline says so, instead of "—"
(which reads as "nobody set one")."""

import csv
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import AnnualReportFactory, ItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ongoing(lead_unit):
    report = AnnualReportFactory(year=2021, state="active")
    ItemFactory(report=report, lead_unit=lead_unit, title="有时限的任务", due_on="2021-06-30")
    ItemFactory(report=report, lead_unit=lead_unit, title="无人定时限的任务")
    return ItemFactory(report=report, lead_unit=lead_unit, title="落实权责清单制度", ongoing=True)


def test_the_item_page_says_the_task_is_ongoing_and_what_that_means(staff_client, ongoing):
    page = staff_client.get(ongoing.get_absolute_url()).content.decode()
    deadline = page[page.index('data-testid="deadline"') :]
    assert deadline.startswith('data-testid="deadline">长期坚持')
    assert "无固定完成时限，年底统一检查。" in deadline[:300]


def test_the_list_the_year_page_and_the_exports_say_ongoing(reviewer_client, ongoing):
    page = reviewer_client.get(reverse("tracker:items"), {"year": 2021}).content.decode()
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in re.split(r"<tr\b[^>]*>", page)[1:]}
    assert '<td class="column-due_on text-nowrap">长期坚持</td>' in rows["落实权责清单制度"]
    assert "长期坚持" not in rows["无人定时限的任务"] and "2021-06-30" in rows["有时限的任务"]

    year = reviewer_client.get(reverse("reports:detail", args=[2021])).content.decode()
    card = year[year.index("落实权责清单制度") :]
    assert "完成时限 长期坚持" in card[: card.index("source-text")]

    response = reviewer_client.get(reverse("tracker:items"), {"year": 2021, "_export": "csv"})
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    column = table[0].index("完成时限")
    assert {row[4]: row[column] for row in table[1:]} == {
        "有时限的任务": "2021-06-30",
        "无人定时限的任务": "",
        "落实权责清单制度": "长期坚持",
    }

    response = reviewer_client.get(reverse("reports:export", args=[2021, "xlsx"]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    tasks = {row[2]: row[6] for row in book["工作任务"].iter_rows(min_row=3, values_only=True)}
    assert tasks["落实权责清单制度"] == "长期坚持" and tasks["无人定时限的任务"] in ("", None)
