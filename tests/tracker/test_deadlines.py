"""An item due today is not overdue yet: it becomes overdue tomorrow. Everywhere a person
meets the word 逾期 says so alike: the list's flag and its overdue filter, the export's
column, the item page, the unit's home page and the reminder mail.

Each test sets one item due yesterday beside the one due today, so that it also shows the
flag where it belongs (a test that never sees the flag would pass on a broken page)."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory
from tracker.reminders import reminders_for

pytestmark = pytest.mark.django_db

OVERDUE_BADGE = 'text-bg-danger">逾期</span>'


@pytest.fixture
def deadlines(lead_unit):
    """Three open items of 县司法局 in 2020: due yesterday, today and tomorrow."""
    today = timezone.localdate()
    report = AnnualReportFactory(year=2020, state="active")
    return {
        name: ItemFactory(
            report=report, lead_unit=lead_unit, title=title, due_on=today + timedelta(days=shift)
        )
        for name, title, shift in (
            ("yesterday", "昨天到期的事项", -1),
            ("today", "今天到期的事项", 0),
            ("tomorrow", "明天到期的事项", 1),
        )
    }


def _row(page: str, title: str) -> str:
    """The list row (<tr>…</tr>) that shows ``title``."""
    rows = [row for row in page.split("<tr")[1:] if title in row]
    assert len(rows) == 1, title
    return rows[0].split("</tr>")[0]


def test_the_list_flags_yesterdays_deadline_but_not_todays(reviewer_client, deadlines):
    page = reviewer_client.get(reverse("tracker:items"), {"year": "2020"}).content.decode()
    assert OVERDUE_BADGE in _row(page, "昨天到期的事项")
    assert OVERDUE_BADGE not in _row(page, "今天到期的事项")
    assert OVERDUE_BADGE not in _row(page, "明天到期的事项")


def test_the_overdue_filter_leaves_out_an_item_due_today(reviewer_client, deadlines):
    url = reverse("tracker:items")
    overdue = reviewer_client.get(url, {"year": "2020", "overdue": "yes"}).content.decode()
    assert "昨天到期的事项" in overdue
    assert "今天到期的事项" not in overdue and "明天到期的事项" not in overdue
    not_overdue = reviewer_client.get(url, {"year": "2020", "overdue": "no"}).content.decode()
    assert "今天到期的事项" in not_overdue and "明天到期的事项" in not_overdue
    assert "昨天到期的事项" not in not_overdue


def test_the_export_marks_only_yesterdays_deadline_overdue(reviewer_client, deadlines):
    response = reviewer_client.get(reverse("tracker:items"), {"year": "2020", "_export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    column = rows[0].index("逾期")
    overdue = {row[4]: row[column] for row in rows[1:]}
    assert overdue == {"昨天到期的事项": "是", "今天到期的事项": "", "明天到期的事项": ""}


def test_the_item_page_calls_an_item_due_today_not_overdue(staff_client, deadlines):
    badge = 'text-bg-danger fs-6">逾期</span>'
    assert badge in staff_client.get(deadlines["yesterday"].get_absolute_url()).content.decode()
    assert badge not in staff_client.get(deadlines["today"].get_absolute_url()).content.decode()


def _home_boxes(page: str) -> dict[str, str]:
    """Each box of the unit's home page: its title → its content."""
    boxes = {}
    for box in page.split('<div class="col-md-6 col-xl-3">')[1:]:
        title = re.search(r'<div class="card-header[^"]*"><span>([^<]+)</span>', box).group(1)
        boxes[title] = box
    return boxes


def test_the_units_home_lists_an_item_due_today_as_due_soon_not_overdue(staff_client, deadlines):
    boxes = _home_boxes(staff_client.get(reverse("home")).content.decode())
    assert "昨天到期的事项" in boxes["逾期"]
    assert "今天到期的事项" not in boxes["逾期"] and "明天到期的事项" not in boxes["逾期"]
    assert "今天到期的事项" in boxes["两周内到期"] and "明天到期的事项" in boxes["两周内到期"]
    assert "昨天到期的事项" not in boxes["两周内到期"]


def _mail_sections(body: str) -> dict[str, list[str]]:
    """The reminder mail's sections (逾期, N天内到期, 退回本单位) → the lines listed under each."""
    sections, current = {}, None
    for line in body.splitlines():
        if line.startswith("- ") and current is not None:
            sections[current].append(line)
        elif line.endswith(":") and not line.startswith("- "):
            current = line[:-1]
            sections[current] = []
    return sections


def test_the_reminder_lists_an_item_due_today_as_due_soon_not_overdue(mailoutbox, lead_unit, deadlines):
    StaffFactory(units=[lead_unit], email="sfj@example.gov.cn")
    (reminder,) = reminders_for(on=timezone.localdate(), days=7)
    assert [item.title for item in reminder.overdue] == ["昨天到期的事项"]
    assert [item.title for item in reminder.due_soon] == ["今天到期的事项", "明天到期的事项"]

    call_command("send_reminders", "--days", "7", verbosity=0)
    (mail,) = mailoutbox
    sections = _mail_sections(mail.body)
    assert [line.split(" (")[0] for line in sections["逾期"]] == ["- 昨天到期的事项"]
    assert [line.split(" (")[0] for line in sections["7天内到期"]] == ["- 今天到期的事项", "- 明天到期的事项"]
