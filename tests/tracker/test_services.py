"""item_add_progress: permissions, the status machine, files, atomicity, stale versions."""

import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection

from tests.factories import AnnualReportFactory, ItemFactory, LeaderFactory, ReviewerFactory, StaffFactory
from tests.zips import understate_sizes, zip_bytes
from tracker.models import Evidence, Item, ProgressUpdate
from tracker.services import StaleItem, item_add_progress

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def lead_staff(lead_unit):
    return StaffFactory(units=[lead_unit])


@pytest.fixture
def coop_staff(coop_unit):
    return StaffFactory(units=[coop_unit])


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_lead_staff_moves_status_and_history_records_it(item, lead_staff):
    update = item_add_progress(
        item=item, user=lead_staff, note="已启动", status="in_progress", expected_version=1
    )
    item.refresh_from_db()
    assert (item.status, item.version) == ("in_progress", 2)
    assert (update.status_from, update.status_to, update.note, update.author) == (
        "not_started",
        "in_progress",
        "已启动",
        lead_staff,
    )


def test_a_note_alone_bumps_the_version_but_not_the_status(item, coop_staff):
    update = item_add_progress(item=item, user=coop_staff, note="财政局已拨付经费", expected_version=1)
    item.refresh_from_db()
    assert (item.status, item.version) == ("not_started", 2)
    assert (update.status_from, update.status_to) == ("", "")


def test_cooperating_staff_cannot_move_the_status(item, coop_staff):
    with pytest.raises(PermissionDenied):
        item_add_progress(item=item, user=coop_staff, status="in_progress", expected_version=1)
    assert ProgressUpdate.objects.count() == 0


@pytest.mark.parametrize("factory", [LeaderFactory, lambda: StaffFactory(units=[])])
def test_leaders_and_other_units_add_nothing(item, factory):
    with pytest.raises(PermissionDenied):
        item_add_progress(item=item, user=factory(), note="x", expected_version=1)


def test_reviewer_may_record_progress(item):
    item_add_progress(
        item=item, user=ReviewerFactory(), note="法治办督办", status="in_progress", expected_version=1
    )
    item.refresh_from_db()
    assert item.status == "in_progress"


@pytest.mark.parametrize(
    "start, wanted",
    [("returned", "done"), ("not_started", "done"), ("submitted", "done"), ("done", "in_progress")],
)
def test_moves_outside_the_machine_are_refused(lead_unit, lead_staff, start, wanted):
    item = ItemFactory(lead_unit=lead_unit, status=start)
    with pytest.raises(ValidationError, match="cannot be moved"):
        item_add_progress(item=item, user=lead_staff, status=wanted, expected_version=1)
    item.refresh_from_db()
    assert item.status == start and item.version == 1


def test_an_empty_update_is_refused(item, lead_staff):
    with pytest.raises(ValidationError, match="Write a note"):
        item_add_progress(item=item, user=lead_staff, note="   ", expected_version=1)


def test_a_stale_version_is_refused_and_nothing_is_written(item, lead_staff, coop_staff):
    item_add_progress(item=item, user=coop_staff, note="先到", expected_version=1)
    stale = Item.objects.get(pk=item.pk)
    stale.version = 1  # the second person's form was opened before the first save
    with pytest.raises(StaleItem):
        item_add_progress(item=stale, user=lead_staff, note="后到", status="in_progress", expected_version=1)
    assert list(ProgressUpdate.objects.values_list("note", flat=True)) == ["先到"]
    assert Item.objects.get(pk=item.pk).status == "not_started"


def test_evidence_is_stored_under_a_random_name_with_its_metadata(item, lead_staff, pdf):
    # A path in the name (../../) never reaches the disk: only the base name is kept, as text.
    update = item_add_progress(
        item=item, user=lead_staff, note="见附件", files=[pdf("../../会议纪要.pdf")], expected_version=1
    )
    evidence = update.evidence.get()
    assert evidence.original_name == "会议纪要.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.size == len(pdf().read())
    assert len(evidence.sha256) == 64
    assert evidence.file.name.startswith("evidence/") and "会议纪要" not in evidence.file.name
    assert Path(evidence.file.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("scan.pdf", b"MZ\x90\x00 this is an exe", "not really"),
        ("photo.png", b"%PDF-1.4 pretending", "not really"),
        ("virus.exe", b"MZ\x90\x00", "only PDF"),
        ("noext", b"%PDF-1.4", "only PDF"),
        ("bad\x00name.pdf", b"%PDF-1.4", "not allowed"),
        ("..\\..\\x.pdf", b"%PDF-1.4", "not allowed"),
        ("blank.pdf", b"", "is empty"),
    ],
)
def test_refused_files_save_nothing(item, lead_staff, pdf, name, content, message):
    before = stored_files()
    upload = pdf(content=content)
    upload.name = name  # bypass the name cleaning of the upload handler, as a crafted request could
    with pytest.raises(ValidationError, match=message):
        item_add_progress(item=item, user=lead_staff, note="附件", files=[pdf(), upload], expected_version=1)
    assert ProgressUpdate.objects.count() == 0 and Evidence.objects.count() == 0
    assert stored_files() == before
    item.refresh_from_db()
    assert item.version == 1


def test_a_file_over_the_limit_is_refused(item, lead_staff, pdf, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="at most"):
        item_add_progress(
            item=item,
            user=lead_staff,
            note="大文件",
            files=[pdf(content=b"%PDF-1.4" + bytes(2048))],
            expected_version=1,
        )
    assert ProgressUpdate.objects.count() == 0


def test_a_failing_file_save_leaves_no_update_and_no_orphan_file(item, lead_staff, pdf, monkeypatch):
    before = stored_files()
    real_create = Evidence.objects.create
    calls = {"n": 0}

    def fail_on_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise DatabaseError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(Evidence.objects, "create", fail_on_second)
    with pytest.raises(DatabaseError):
        item_add_progress(
            item=item,
            user=lead_staff,
            note="两个附件",
            status="in_progress",
            files=[pdf(), pdf()],
            expected_version=1,
        )
    assert ProgressUpdate.objects.count() == 0 and Evidence.objects.count() == 0
    assert stored_files() == before
    item.refresh_from_db()
    assert (item.status, item.version) == ("not_started", 1)


def test_a_closed_year_refuses_progress(lead_unit, lead_staff):
    item = ItemFactory(lead_unit=lead_unit, report=AnnualReportFactory(state="closed"))
    with pytest.raises(ValidationError, match="closed"):
        item_add_progress(item=item, user=lead_staff, note="x", expected_version=1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_racing_saves_one_wins_one_is_refused(lead_unit):
    item = ItemFactory(lead_unit=lead_unit)
    users = [StaffFactory(units=[lead_unit]) for _ in range(2)]
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, note):
        from django.db import connection as thread_connection

        try:
            fresh = Item.objects.select_related("report").get(pk=item.pk)
            barrier.wait()
            item_add_progress(item=fresh, user=user, note=note, status="in_progress", expected_version=1)
            outcomes.append("saved")
        except StaleItem:
            outcomes.append("stale")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=save, args=(user, f"第{n}人")) for n, user in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "stale"]
    item.refresh_from_db()
    assert (item.status, item.version) == ("in_progress", 2)
    assert ProgressUpdate.objects.filter(item=item).count() == 1


def test_storage_cleanup_helper_sees_saved_files(item, lead_staff, pdf):
    update = item_add_progress(item=item, user=lead_staff, note="x", files=[pdf()], expected_version=1)
    assert default_storage.exists(update.evidence.get().file.name)


def _zip(entries: int = 1, unpacked: int = 10) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n in range(entries):
            with archive.open(f"f{n}.txt", "w") as handle:
                remaining = unpacked if n == 0 else 1
                while remaining > 0:
                    chunk = min(remaining, 1024 * 1024)
                    handle.write(b"\0" * chunk)
                    remaining -= chunk
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, make, message",
    [
        ("bomb.zip", lambda: _zip(unpacked=101 * 1024 * 1024), "unpacks to more than 100 MB"),
        ("many.docx", lambda: _zip(entries=1001), "holds 1001 files"),
        ("broken.xlsx", lambda: b"PK\x03\x04 not really a zip", "damaged archive"),
    ],
)
def test_zip_bombs_and_broken_archives_are_refused(item, lead_staff, pdf, name, make, message):
    upload = pdf(name=name, content=make())
    with pytest.raises(ValidationError, match=message):
        item_add_progress(item=item, user=lead_staff, note="附件", files=[upload], expected_version=1)
    assert ProgressUpdate.objects.count() == 0


def test_an_ordinary_archive_is_accepted(item, lead_staff, pdf):
    update = item_add_progress(
        item=item,
        user=lead_staff,
        note="附件",
        files=[pdf(name="材料.zip", content=_zip(entries=3))],
        expected_version=1,
    )
    assert update.evidence.get().original_name == "材料.zip"


@pytest.mark.parametrize("name", ["bomb.zip", "report.docx", "sheet.xlsx"])
def test_an_archive_whose_headers_understate_its_sizes_is_refused(item, lead_staff, pdf, name):
    """The directory and the local headers say 100 bytes; the member inflates to 101 MB."""
    data = understate_sizes(zip_bytes({"word/document.xml": 101 * 1024 * 1024}))
    with pytest.raises(ValidationError, match="unpacks to more than 100 MB"):
        item_add_progress(
            item=item, user=lead_staff, note="附件", files=[pdf(name=name, content=data)], expected_version=1
        )
    assert ProgressUpdate.objects.count() == 0 and Evidence.objects.count() == 0


def test_an_archive_of_exactly_the_limit_is_accepted_one_byte_more_refused(
    item, lead_staff, pdf, monkeypatch
):
    monkeypatch.setattr("tracker.evidence.ARCHIVE_MAX_UNPACKED", 1024 * 1024)
    at_limit = zip_bytes({"a.txt": 1024 * 1024 - 100, "b.txt": 100})
    update = item_add_progress(
        item=item,
        user=lead_staff,
        note="附件",
        files=[pdf(name="a.zip", content=at_limit)],
        expected_version=1,
    )
    assert update.evidence.get().size == len(at_limit)
    over = zip_bytes({"a.txt": 1024 * 1024 - 100, "b.txt": 101})
    with pytest.raises(ValidationError, match="unpacks to more than 1 MB"):
        item_add_progress(
            item=item,
            user=lead_staff,
            note="附件",
            files=[pdf(name="b.zip", content=over)],
            expected_version=2,
        )
    assert Evidence.objects.count() == 1


def test_a_password_protected_archive_is_refused_with_its_reason(item, lead_staff, pdf):
    data = bytearray(zip_bytes({"a.txt": b"secret"}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.index(signature) + offset] |= 1
    with pytest.raises(ValidationError, match="password"):
        item_add_progress(
            item=item,
            user=lead_staff,
            note="附件",
            files=[pdf(name="a.zip", content=bytes(data))],
            expected_version=1,
        )
