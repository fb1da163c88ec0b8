"""Bad input everywhere: overlong, malformed, wrong-type and script-carrying values in every
query parameter of the pages and in the forms answer with a page, a form error, a 400 or a
404, never a 500, and nothing they carry renders unescaped."""

import pytest
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory

pytestmark = pytest.mark.django_db

BAD = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{7*7}}{% debug %}",
    "\x00",
    "a\u202eb",  # right-to-left override
    "9" * 5000,
    "-1",
    "2020-13-45",
    "'; DROP TABLE tracker_item; --",
    "%",
]
PARAMS = {
    "tracker:items": [
        "q",
        "year",
        "area",
        "kind",
        "lead_unit",
        "cooperating_unit",
        "assignee",
        "due_after",
        "due_before",
        "overdue",
        "status",
        "scope",
        "page",
        "sort",
        "_export",
    ],
    "tracker:scoreboard": ["year", "sort"],
    "tracker:review": ["page"],
    "home": ["year"],
    "reports:list": ["year"],
}
UNESCAPED = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")


@pytest.fixture
def ledger(lead_unit):
    report = AnnualReportFactory(year=2020, state="active")
    return ItemFactory(report=report, lead_unit=lead_unit)


@pytest.mark.parametrize("name", list(PARAMS))
@pytest.mark.parametrize("role", ["reviewer_client", "staff_client"])
def test_bad_query_parameters_never_break_a_page(request, ledger, name, role):
    client = request.getfixturevalue(role)
    url = reverse(name)
    tried = 0
    for param in PARAMS[name]:
        for value in BAD:
            response = client.get(url, {param: value})
            assert response.status_code in (200, 302, 400, 403, 404), (param, value, response.status_code)
            if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                body = response.content.decode()
                assert not any(marker in body for marker in UNESCAPED), (param, value)
            tried += 1
    assert tried == len(PARAMS[name]) * len(BAD)


@pytest.mark.parametrize("value", BAD)
def test_script_in_a_progress_note_is_shown_as_text(staff_client, ledger, value):
    response = staff_client.post(ledger.get_absolute_url(), {"note": value, "version": ledger.version})
    assert response.status_code in (302, 400, 200)
    page = staff_client.get(ledger.get_absolute_url()).content.decode()
    assert not any(marker in page for marker in UNESCAPED)
    ledger.refresh_from_db()


@pytest.mark.parametrize("value", BAD)
def test_bad_values_in_the_reviewers_forms_are_refused_politely(reviewer_client, ledger, value):
    for url, data in [
        (
            reverse("tracker:item_assign", args=[ledger.pk]),
            {"lead_unit": value, "due_on": value, "version": value},
        ),
        (reverse("tracker:item_review", args=[ledger.pk]), {"decision": value, "comment": value}),
        (reverse("tracker:bulk_assign"), {"items": [value], "lead_unit": value}),
        (reverse("tracker:ratings"), {"year": value, "grade_1": value}),
        (reverse("reports:import"), {"text": value, "year": value}),
    ]:
        response = reviewer_client.post(url, data)
        assert response.status_code in (200, 302, 400, 404), (url, value, response.status_code)
        assert not any(marker in response.content.decode() for marker in UNESCAPED)


def test_report_text_with_html_shows_as_text(reviewer_client):
    from reports.services import report_import
    from tests.samples import QINGSHI

    text = QINGSHI.replace("全年召开领导小组会议3次", "全年召开领导小组会议3次<script>alert(1)</script>")
    report_import(text=text)
    page = reviewer_client.get(reverse("reports:detail", args=[2022])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)</script>" not in page
