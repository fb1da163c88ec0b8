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
        "links",
        "status",
        "scope",
        "page",
        "sort",
        "_export",
    ],
    "scoreboard": ["year", "sort"],
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
def test_script_in_a_submission_note_is_shown_as_text(staff_client, ledger, value):
    response = staff_client.post(
        reverse("tracker:item_submit", args=[ledger.pk]),
        {"submit-note": value, "submit-version": ledger.version},
    )
    assert response.status_code in (302, 400)
    page = staff_client.get(ledger.get_absolute_url()).content.decode()
    assert not any(marker in page for marker in UNESCAPED)


@pytest.mark.parametrize("value", BAD)
def test_bad_values_in_the_reviewers_forms_are_refused_politely(reviewer_client, ledger, value):
    measure = ItemFactory(report=ledger.report, kind="measure")
    for url, data in [
        (
            reverse("tracker:item_assign", args=[ledger.pk]),
            {"lead_unit": value, "due_on": value, "version": value},
        ),
        (
            reverse("tracker:item_assign", args=[ledger.pk]),
            {
                "lead_unit": ledger.lead_unit_id,
                "responsible_name": value,
                "responsible_post": value,
                "responsible_phone": value,
                "version": ledger.version,
            },
        ),
        (reverse("tracker:item_links", args=[measure.pk]), {"links-others": [value], "links-version": value}),
        (reverse("tracker:item_review", args=[ledger.pk]), {"decision": value, "comment": value}),
        (reverse("tracker:bulk_assign"), {"items": [value], "lead_unit": value}),
        (reverse("ratings"), {"year": value, "grade_1": value}),
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


# -- bounded requests ------------------------------------------------------------------------

PER_PAGE = {"-5": 1, "0": 1, "abc": None, "30000": 200, "9" * 5000: None, "201": 200, "7": 7}


def test_per_page_is_bounded_on_the_item_list_and_the_review_queue(reviewer_client, lead_unit):
    from tracker.choices import ItemStatus

    report = AnnualReportFactory(year=2020, state="active")
    ItemFactory.create_batch(205, report=report, lead_unit=lead_unit, status=ItemStatus.SUBMITTED)
    for value, rows in PER_PAGE.items():
        listed = reviewer_client.get(reverse("tracker:items"), {"per_page": value})
        assert listed.status_code == 200, value
        shown = listed.content.decode().count('name="items" value=')  # one tick box a row
        assert shown == (rows or 25), (value, shown)
        queue = reviewer_client.get(reverse("tracker:review"), {"per_page": value})
        assert queue.status_code == 200, value
        shown = queue.content.decode().count('name="decision" value="approve"')  # one a submission
        assert shown == (rows or 30), (value, shown)


def test_a_stranger_cannot_send_more_than_the_login_form_needs(client, lead_unit):
    from tests.factories import StaffFactory

    StaffFactory(username="staff1")
    big = {"username": "staff1", "password": "correct-horse-battery", "pad": "x" * 100_000}
    response = client.post(reverse("login"), big)
    assert response.status_code == 413
    content = response.content.decode()
    # Most often a login that expired before a save with files: says so, and leads to the login.
    assert "您尚未登录或登录已过期" in content and "请先登录" in content
    assert f'href="{reverse("login")}"' in content
    # A declared 300 MB is refused on its Content-Length, before a byte of it is read.
    response = client.generic(
        "POST", reverse("login"), b"x", content_type="application/octet-stream", CONTENT_LENGTH=str(300 << 20)
    )
    assert response.status_code == 413
    # The login form itself still passes.
    ok = client.post(reverse("login"), {"username": "staff1", "password": "correct-horse-battery"})
    assert ok.status_code == 302


def test_a_logged_in_upload_over_the_request_limit_is_refused_unread(staff_client, item, settings):
    from tracker.models import ProgressUpdate

    assert settings.MAX_REQUEST_BYTES == 100 * 1024 * 1024
    response = staff_client.generic(
        "POST",
        item.get_absolute_url(),
        b"x",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1),
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "100 MB" in page and "分几次" in page
    assert not ProgressUpdate.objects.filter(item=item).exists()


def _spooled(folder):
    return {path.name for path in folder.iterdir()}


def test_upload_temp_files_are_removed_on_every_path(staff_client, item, pdf, settings, monkeypatch):
    """Uploads are spooled to var/tmp/uploads while a request lasts (not the system's /tmp),
    and nothing of them stays there, whatever the request's outcome."""
    from pathlib import Path

    from tracker import views
    from tracker.models import Evidence

    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    assert folder == settings.VAR_DIR / "tmp" / "uploads" and folder.is_dir()
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes to disk, as one over 2.5 MB does
    before = _spooled(folder)
    seen_during = []
    real_service = views.item_add_progress

    def watching(**kwargs):
        seen_during.append(_spooled(folder) - before)
        return real_service(**kwargs)

    monkeypatch.setattr(views, "item_add_progress", watching)

    def post(version, files, **extra):
        return staff_client.post(
            item.get_absolute_url(), {"note": "佐证", "version": version, "files": files}, **extra
        )

    # Accepted: the file moved into the media folder.
    assert post(1, [pdf(), pdf("第二份.pdf")]).status_code == 302
    assert [len(new) for new in seen_during] == [2]  # both spooled in var/tmp/uploads meanwhile
    assert _spooled(folder) == before and Evidence.objects.count() == 2
    # Refused by content (a program named .pdf): the form again, with the reason.
    refused = post(2, [pdf("报告.pdf", b"MZ\x90\x00" + b"\x00" * 2000)])
    assert refused.status_code == 200 and _spooled(folder) == before
    # An invalid form (a version that is no number), and an outdated one.
    assert post("abc", [pdf()]).status_code == 200 and _spooled(folder) == before
    assert post(1, [pdf()]).status_code == 409 and _spooled(folder) == before

    # An error inside the save.
    def failing(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(views, "item_add_progress", failing)
    with pytest.raises(RuntimeError):
        post(2, [pdf()])
    assert _spooled(folder) == before
    # Over the request limit: refused before the body is read, so nothing is spooled at all.
    settings.MAX_REQUEST_BYTES = 1024
    assert post(2, [pdf("大文件.pdf", b"%PDF-1.4\n" + b"0" * 4096)]).status_code == 413
    assert _spooled(folder) == before
    assert Evidence.objects.count() == 2
