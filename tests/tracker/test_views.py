"""Pages every user meets: health, login requirement, home page, language."""

import errno
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError
from django.urls import reverse

from tests.factories import AnnualReportFactory, ItemFactory, UnitFactory
from tests.urlwalk import project_routes

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "set_language", "tracker:healthz"}
# Routes with parameters, and an example path for each. A new route with parameters must
# be added here, so that no page escapes the login check.
EXAMPLE_PATHS: dict[str, str] = {
    "reports:detail": "/reports/2020/",
    "tracker:item": "/items/1/",
    "tracker:inbox_read": "/inbox/1/read/",
    "tracker:evidence": "/evidence/1/",
    "tracker:evidence_view": "/evidence/1/view/",
    "tracker:instruction_reply": "/instructions/1/reply/",
    "tracker:instruction_handle": "/instructions/1/handle/",
    "tracker:item_review": "/items/1/review/",
    "tracker:item_submit": "/items/1/submit/",
    "tracker:item_links": "/items/1/links/",
    "tracker:item_extension": "/items/1/extension/",
    "tracker:item_assign": "/items/1/assign/",
    "tracker:item_instruction": "/items/1/instruction/",
    "tracker:item_follow": "/items/1/follow/",
    "tracker:item_chase": "/items/1/chase/",
    "chase_notice": "/chases/1/notice/",
    "tracker:extension_decide": "/extensions/1/decide/",
    "reports:rollover": "/reports/2020/rollover/",
    "reports:close": "/reports/2020/close/",
    "reports:export": "/reports/2020/export/xlsx/",
    "reports:export_job": "/reports/2020/export/xlsx/job/",
    "jobs:detail": "/jobs/00000000-0000-0000-0000-000000000001/",
    "jobs:status": "/jobs/00000000-0000-0000-0000-000000000001/status/",
    "jobs:download": "/jobs/00000000-0000-0000-0000-000000000001/download/",
    "reports:circular": "/reports/2020/circular/?month=2020-09",
    "reports:tasks_import": "/reports/2020/tasks/import/",
    "reports:tasks_import_preview": "/reports/2020/tasks/import/preview/",
    "reports:tasks_import_confirm": "/reports/2020/tasks/import/confirm/",
    "reports:tasks_import_cancel": "/reports/2020/tasks/import/cancel/",
}


# The parts a single-server install has not configured (no replica, Redis or S3):
# tests/test_healthz.py covers them switched on.
SHARED_OFF = {"replica": "off", "cache": "off", "queue": "off"}


def test_healthz_answers_200_when_the_database_answers_and_media_takes_a_file(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "media": "ok", **SHARED_OFF, "storage": "ok"}
    assert not list(Path(settings.MEDIA_ROOT).glob(".healthz-*"))  # the probe file is gone


def test_healthz_answers_503_when_the_database_does_not(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "unavailable",
        "media": "ok",
        **SHARED_OFF,
        "storage": "ok",
    }


def test_healthz_answers_503_when_the_media_folder_cannot_be_written(client, settings, tmp_path):
    # A path under a plain file can never be created, even by root (for whom chmod stops nothing).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = str(blocker / "media")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "media": "not writable",
        **SHARED_OFF,
        "storage": "not writable",
    }


def test_healthz_answers_503_when_the_upload_folder_cannot_be_written(client, settings, tmp_path):
    # Uploads over 2.5 MB are spooled to FILE_UPLOAD_TEMP_DIR before the view sees them: when
    # it cannot be written, every larger upload would fail.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.FILE_UPLOAD_TEMP_DIR = str(blocker / "uploads")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "media": "not writable",
        **SHARED_OFF,
        "storage": "not writable",
    }


class FullDisk:
    """A file on a full disk: it opens, and refuses what is written to it."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_healthz_answers_503_when_the_media_disk_is_full(client):
    with mock.patch("tracker.views.tempfile.NamedTemporaryFile", return_value=FullDisk()):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "error",
        "database": "ok",
        "media": "not writable",
        **SHARED_OFF,
        "storage": "not writable",
    }


def test_every_non_public_url_redirects_an_anonymous_user_to_login(client):
    checked = []
    for name, route in project_routes():
        if name in PUBLIC:
            continue
        if "<" in route:
            assert name in EXAMPLE_PATHS, f"add an example path for {name} ({route})"
            path = EXAMPLE_PATHS[name]
        else:
            path = "/" + route
        response = client.get(path)
        assert response.status_code == 302, f"{path} answered {response.status_code}"
        assert response.url.startswith(reverse("login")), f"{path} redirected to {response.url}"
        checked.append(path)
    assert "/" in checked and "/accounts/password_change/" in checked


def test_public_pages_answer_anonymous_users(client):
    assert client.get(reverse("login")).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_login_page_is_in_chinese_by_default(client):
    response = client.get(reverse("login"))
    content = response.content.decode()
    assert '<html lang="zh-hans">' in content
    assert "登录" in content
    assert "法治政府建设台账" in content


def test_login_page_stays_chinese_for_a_browser_asking_for_english(client):
    content = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="zh-hans">' in content and "登录" in content


def test_login_page_is_in_english_when_chosen(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    assert response.status_code == 302
    content = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in content
    assert "Log in" in content
    assert "Rule-of-law government ledger" in content
    assert "登录" not in content


def test_login_with_right_password_lands_on_home(client, lead_unit):
    from tests.factories import StaffFactory

    StaffFactory(username="zhang", units=[lead_unit])
    response = client.post(reverse("login"), {"username": "zhang", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert "县司法局" in client.get(reverse("home")).content.decode()


def test_login_with_wrong_password_says_so_in_chinese(client, lead_unit):
    from tests.factories import StaffFactory

    StaffFactory(username="zhang", units=[lead_unit])
    response = client.post(reverse("login"), {"username": "zhang", "password": "wrong-password"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def _count_cells(content: str, year: int) -> list[int]:
    """The numbers in the home page's row for ``year``."""
    import re

    row = re.search(rf"<th scope=\"row\">{year}</th>(.*?)</tr>", content, re.S).group(1)
    return [int(n) for n in re.findall(r'class="text-end num[^"]*">(?:<a [^>]*>)?(\d+)(?:</a>)?</td>', row)]


def test_home_shows_reviewer_every_item_by_status(reviewer_client, lead_unit, other_unit):
    report = AnnualReportFactory(year=2020)
    ItemFactory.create_batch(2, report=report, lead_unit=lead_unit, status="in_progress")
    ItemFactory(report=report, lead_unit=other_unit, status="done")
    content = reviewer_client.get(reverse("home")).content.decode()
    # not started, in progress, submitted, returned, done, total, achievements (apart)
    assert _count_cells(content, 2020) == [0, 2, 0, 0, 1, 3, 0]


def test_home_shows_staff_only_their_units_items(staff_client, lead_unit, other_unit):
    report = AnnualReportFactory(year=2020)
    ItemFactory.create_batch(2, report=report, lead_unit=lead_unit, status="in_progress")
    helped = ItemFactory(report=report, lead_unit=other_unit, status="submitted")
    helped.cooperating_units.add(lead_unit, UnitFactory())
    ItemFactory(report=report, lead_unit=other_unit, status="done")
    content = staff_client.get(reverse("home")).content.decode()
    assert _count_cells(content, 2020) == [0, 2, 1, 0, 0, 3, 0]


def test_home_shows_leader_every_item(leader_client, lead_unit, other_unit):
    report = AnnualReportFactory(year=2021)
    ItemFactory(report=report, lead_unit=lead_unit)
    ItemFactory(report=report, lead_unit=other_unit)
    assert _count_cells(leader_client.get(reverse("home")).content.decode(), 2021)[-2] == 2  # total


def test_home_query_count_does_not_grow_with_items_or_years(
    reviewer_client, staff_client, lead_unit, django_assert_max_num_queries
):
    def fill(years, items_per_year):
        for year in years:
            report = AnnualReportFactory(year=year)
            ItemFactory.create_batch(items_per_year, report=report, lead_unit=lead_unit)

    # The reviewer's home carries the dashboard (figures by year, area and unit; waiting
    # extensions; followed items); the staff home its lists and leaders' instructions.
    # The menu bar's unread count included, and the person's government (issue 19).
    limits = {reviewer_client: 21, staff_client: 15}
    fill([2020], 3)
    for client, limit in limits.items():
        with django_assert_max_num_queries(limit):
            assert client.get(reverse("home")).status_code == 200
    fill([2021, 2022, 2023], 30)
    for client, limit in limits.items():
        with django_assert_max_num_queries(limit):
            assert client.get(reverse("home")).status_code == 200


def test_password_change_page_renders_for_a_logged_in_user(staff_client):
    response = staff_client.get(reverse("password_change"))
    assert response.status_code == 200
    assert "修改密码" in response.content.decode()
