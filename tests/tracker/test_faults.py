"""Races and faults end in a clear message, never a 500, and leave nothing half-written: unique
constraints answered as conflicts, a full or unwritable media folder, files a killed worker
left behind (manage.py sweep_orphans)."""

import errno
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from reports.models import UnitRating
from reports.services import ratings_set
from tests.factories import AnnualReportFactory, ItemFactory, ReviewerFactory, StaffFactory
from tracker.models import Evidence, ExtensionRequest, Item, ProgressUpdate
from tracker.services import Conflict, item_add_progress

pytestmark = pytest.mark.django_db


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


# -- the media folder full or not writable -----------------------------------------------------


def full_disk_after_some_bytes(self, name, content):
    """FileSystemStorage._save on a disk that fills up midway: part of the file is written."""
    path = Path(self.path(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.read(10))
    raise OSError(errno.ENOSPC, "No space left on device", str(path))


def post_progress(client, item, pdf):
    return client.post(
        item.get_absolute_url(),
        {"note": "我写了很久的进展说明", "status": "in_progress", "version": 1, "files": [pdf("纪要.pdf")]},
    )


def assert_form_kept_and_nothing_written(response, item, before):
    content = response.content.decode()
    assert response.status_code == 503
    assert "佐证材料未能保存" in content and "请稍后重试或联系管理员" in content
    assert "附件需要重新选择" in content  # the files are not kept, and it says so
    assert "我写了很久的进展说明</textarea>" in content  # the note, as typed
    assert '<option value="in_progress" selected>' in content  # the status chosen
    assert ProgressUpdate.objects.count() == 0 and Evidence.objects.count() == 0
    item.refresh_from_db()
    assert (item.status, item.version) == ("not_started", 1)
    assert stored_files() == before  # not even the part written before the disk filled up


def test_a_full_disk_keeps_the_form_and_leaves_no_partial_file(staff_client, item, pdf, monkeypatch):
    before = stored_files()
    monkeypatch.setattr(FileSystemStorage, "_save", full_disk_after_some_bytes)
    assert_form_kept_and_nothing_written(post_progress(staff_client, item, pdf), item, before)


def test_a_media_folder_that_cannot_be_written_keeps_the_form(staff_client, item, pdf, settings, tmp_path):
    # Tests may run as root, whom chmod does not stop: a folder under a plain file can never be
    # created, by anyone.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = str(blocker / "media")
    assert_form_kept_and_nothing_written(post_progress(staff_client, item, pdf), item, set())


@pytest.fixture
def spooled(settings, tmp_path):
    """Every upload spooled to FILE_UPLOAD_TEMP_DIR (as those over 2.5 MB are); returns the folder."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    return tmp_path / "uploads"


def test_an_upload_folder_that_cannot_be_written_keeps_the_form(staff_client, item, pdf, settings, spooled):
    """A full disk stops the upload before the view (Django spools it while reading the
    request): no server error, the same message and kept form as a full evidence folder."""
    blocker = spooled.parent / "not-a-folder"
    blocker.write_text("x")
    settings.FILE_UPLOAD_TEMP_DIR = str(blocker / "uploads")
    before = stored_files()
    assert_form_kept_and_nothing_written(post_progress(staff_client, item, pdf), item, before)


def test_a_disk_that_fills_up_while_an_upload_is_spooled_keeps_the_form_and_no_part_file(
    staff_client, item, pdf, spooled, monkeypatch
):
    from django.core.files.uploadhandler import TemporaryFileUploadHandler

    def disk_full(self, raw_data, start):
        self.file.write(raw_data[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", disk_full)
    before = stored_files()
    assert_form_kept_and_nothing_written(post_progress(staff_client, item, pdf), item, before)
    assert not list(spooled.iterdir())  # the part spooled is gone


def test_a_report_file_that_cannot_be_received_is_told_and_nothing_imported(reviewer_client, spooled):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from reports.models import AnnualReport
    from tests.samples import XINXIANG

    spooled.rmdir()
    spooled.write_text("x")  # the folder is a plain file now: nothing can be spooled into it
    upload = SimpleUploadedFile("2020年报告.txt", XINXIANG.encode(), content_type="text/plain")
    response = reviewer_client.post(reverse("reports:import"), {"file": upload})
    assert response.status_code == 503
    assert "文件未能接收：服务器存储空间已满或无法写入" in response.content.decode()
    assert not AnnualReport.objects.exists()


def test_evidence_saved_in_a_transaction_that_rolls_back_leaves_no_file(item, pdf):
    """The save must be its own outermost transaction: inside a caller's, whose later rollback
    would strand the file, it is refused before anything is stored."""
    user = StaffFactory(units=[item.lead_unit])
    before = stored_files()

    class Undone(Exception):
        pass

    with pytest.raises((Undone, RuntimeError)), transaction.atomic():
        item_add_progress(item=item, user=user, note="附件", files=[pdf()], expected_version=1)
        raise Undone
    assert stored_files() == before
    assert Evidence.objects.count() == 0


# -- unique constraints answered as conflicts ----------------------------------------------------


def test_an_extension_request_that_loses_the_race_is_answered_409(staff_client, item, monkeypatch):
    """The other request lands between the check (none pending) and the insert."""
    other = StaffFactory(units=[item.lead_unit])
    real_create = ExtensionRequest.objects.create

    def create_after_the_other(**fields):
        real_create(**{**fields, "requested_by": other, "reason": "另一人的申请"})
        return real_create(**fields)

    monkeypatch.setattr(ExtensionRequest.objects, "create", create_after_the_other)
    new_due = (timezone.localdate() + timedelta(days=60)).isoformat()
    response = staff_client.post(
        reverse("tracker:item_extension", args=[item.pk]), {"new_due_on": new_due, "reason": "材料未齐"}
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "此事项已有一份延期申请在等待审批" in content
    assert "材料未齐</textarea>" in content
    assert not ExtensionRequest.objects.filter(reason="材料未齐").exists()


@pytest.fixture
def rating_year(lead_unit):
    report = AnnualReportFactory(year=2020, state="active")
    ItemFactory(report=report, lead_unit=lead_unit)
    return report


def ratings_race(monkeypatch, *, other_rating=None, barrier=None):
    """Make the ratings check (which ratings exist) see none, then let another reviewer's
    rating land before the insert: ``other_rating`` made here, or the other thread's, after
    ``barrier``."""
    real_filter = UnitRating.objects.filter
    checks = threading.local()

    def check_then_race(*args, **kwargs):
        if getattr(checks, "done", False):  # only the save's check races, not the page after it
            return real_filter(*args, **kwargs)
        checks.done = True
        rows = list(real_filter(*args, **kwargs))
        if other_rating is not None:
            UnitRating.objects.create(**other_rating)
        if barrier is not None:
            barrier.wait(timeout=10)
        return rows

    monkeypatch.setattr(UnitRating.objects, "filter", check_then_race)


def test_ratings_saved_at_the_same_moment_are_answered_409_keeping_what_was_typed(
    reviewer_client, rating_year, lead_unit, monkeypatch
):
    ratings_race(monkeypatch, other_rating={"report": rating_year, "unit": lead_unit, "grade": "fair"})
    response = reviewer_client.post(
        reverse("ratings"),
        {"year": "2020", f"grade_{lead_unit.pk}": "good", f"comment_{lead_unit.pk}": "逾期一项"},
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "其他人刚刚同时保存了本年度的考核等次" in content
    assert '<option value="good" selected>' in content and ">逾期一项</textarea>" in content
    assert not UnitRating.objects.filter(grade="good").exists()


def test_a_refused_rating_shows_what_the_other_reviewer_saved_grade_and_comment(
    reviewer_client, rating_year, lead_unit, monkeypatch
):
    """The other reviewer's rating was saved between this save's check and its insert."""
    other = UnitRating.objects.create(
        report=rating_year, unit=lead_unit, grade="fair", comment="台账更新不及时"
    )
    real_filter = UnitRating.objects.filter

    def check_misses_it(*args, **kwargs):
        monkeypatch.setattr(UnitRating.objects, "filter", real_filter)
        return real_filter(*args, **kwargs).exclude(pk=other.pk)

    monkeypatch.setattr(UnitRating.objects, "filter", check_misses_it)
    response = reviewer_client.post(
        reverse("ratings"),
        {"year": "2020", f"grade_{lead_unit.pk}": "good", f"comment_{lead_unit.pk}": "逾期一项"},
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "他人刚刚保存的是：中，意见：台账更新不及时" in content
    assert '<option value="good" selected>' in content and ">逾期一项</textarea>" in content


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_rating_one_unit_at_once_one_saves_one_is_told(lead_unit, monkeypatch):
    report = AnnualReportFactory(year=2020, state="active")
    reviewers = [ReviewerFactory() for _ in range(2)]
    ratings_race(monkeypatch, barrier=threading.Barrier(2))  # both checks run before either insert
    outcomes = []

    def rate(user, grade):
        from django.db import connection as own

        try:
            ratings_set(report_id=report.pk, user=user, grades={lead_unit.pk: (grade, "")})
            outcomes.append("saved")
        except Conflict:
            outcomes.append("conflict")
        finally:
            own.close()

    threads = [
        threading.Thread(target=rate, args=(user, grade))
        for user, grade in zip(reviewers, ["good", "fair"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    assert sorted(outcomes) == ["conflict", "saved"]
    assert UnitRating.objects.filter(report=report, unit=lead_unit).count() == 1


def test_a_stray_integrity_error_is_answered_409_not_500(reviewer_client, item, monkeypatch):
    def duplicate(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: tracker_follow.user_id, tracker_follow.item_id")

    monkeypatch.setattr("tracker.views.item_follow", duplicate)
    response = reviewer_client.post(reverse("tracker:item_follow", args=[item.pk]), {"follow": "1"})
    assert response.status_code == 409
    assert "其他人刚刚同时修改了同一条记录" in response.content.decode()


def test_the_409_page_leads_back_to_the_page_the_form_was_on_and_only_on_this_site(
    reviewer_client, item, monkeypatch
):
    def duplicate(**kwargs):
        raise IntegrityError("UNIQUE constraint failed: tracker_follow.user_id, tracker_follow.item_id")

    monkeypatch.setattr("tracker.views.item_follow", duplicate)
    url = reverse("tracker:item_follow", args=[item.pk])
    page = f"http://testserver{item.get_absolute_url()}"
    content = reviewer_client.post(url, {"follow": "1"}, HTTP_REFERER=page).content.decode()
    assert f'href="{page}" data-testid="back">返回刚才的页面' in content
    content = reviewer_client.post(
        url, {"follow": "1"}, HTTP_REFERER="https://elsewhere.example/x"
    ).content.decode()
    assert 'data-testid="back"' not in content and "elsewhere.example" not in content
    assert "返回首页" in content


# -- manage.py sweep_orphans ------------------------------------------------------------------


def put(path: Path, content: bytes = b"%PDF-1.4 x", *, age: timedelta = timedelta(hours=2)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))
    return path


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def sweep(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("sweep_orphans", *args, stdout=out)
    return out.getvalue()


def test_sweep_lists_an_old_orphan_with_its_size_and_keeps_it_in_a_dry_run(media):
    orphan = put(media / "evidence/2026/01/abc.pdf", b"x" * 1500)
    out = sweep()
    assert "evidence/2026/01/abc.pdf" in out and "1.5 KB" in out
    assert "1 files, 1.5 KB in all" in out and "--delete" in out
    assert orphan.exists()


def test_sweep_delete_removes_orphans_never_a_file_with_a_row_nor_a_young_one(media, item):
    orphan = put(media / "evidence/2026/01/orphan.pdf")
    young = put(media / "evidence/2026/01/in-flight.pdf", age=timedelta(minutes=5))
    kept = put(media / "evidence/2026/01/kept.pdf")
    update = ProgressUpdate.objects.create(item=item, note="x")
    Evidence.objects.create(
        update=update,
        item=item,
        file="evidence/2026/01/kept.pdf",
        original_name="a.pdf",
        size=10,
        sha256="0" * 64,
    )
    elsewhere = put(media / "backups/old.zip")
    out = sweep("--delete")
    assert "orphan.pdf" in out and "kept.pdf" not in out and "in-flight.pdf" not in out
    assert "Removed 1 files" in out
    assert not orphan.exists()
    assert kept.exists() and young.exists() and elsewhere.exists()


def test_sweep_grace_period_is_configurable(media):
    young = put(media / "evidence/2026/01/young.pdf", age=timedelta(minutes=5))
    assert "young.pdf" not in sweep("--delete")
    assert "young.pdf" in sweep("--delete", "--older-than", "1m")
    assert not young.exists()


def test_sweep_removes_stale_upload_temp_files_when_the_folder_is_set(media, settings, tmp_path):
    uploads = tmp_path / "uploads"
    settings.FILE_UPLOAD_TEMP_DIR = str(uploads)
    stale = put(uploads / "tmpa1b2c3.upload.pdf", b"x" * 2048)
    fresh = put(uploads / "tmpd4e5f6.upload.pdf", age=timedelta(seconds=30))
    out = sweep()
    assert "tmpa1b2c3.upload.pdf" in out and "tmpd4e5f6" not in out and stale.exists()
    sweep("--delete")
    assert not stale.exists() and fresh.exists()


def test_sweep_refuses_a_duration_it_cannot_read(media):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="older-than"):
        sweep("--older-than", "soon")


def test_sweep_finds_the_file_a_killed_save_left(media, item, pdf, monkeypatch):
    """A worker killed after the file was written and before the row was committed."""
    user = StaffFactory(units=[item.lead_unit])

    def killed(**kwargs):
        raise SystemExit  # what the worker's death looks like from here: the row is never written

    monkeypatch.setattr(Evidence.objects, "create", killed)
    monkeypatch.setattr("tracker.services._discard_files", lambda names: None)  # no time to clean up
    with pytest.raises(SystemExit):
        item_add_progress(item=item, user=user, note="附件", files=[pdf()], expected_version=1)
    [left] = list((media / "evidence").rglob("*.pdf"))
    old = time.time() - 7200
    os.utime(left, (old, old))
    assert left.name in sweep("--delete") and not left.exists()
    assert Item.objects.get(pk=item.pk).version == 1
