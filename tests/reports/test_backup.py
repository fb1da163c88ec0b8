"""Backups round-trip: a ledger with progress, reviews and evidence is written to one archive,
the installation emptied, and the archive restored: counts, the CSV export and every
evidence file come back the same."""

import hashlib
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from reports.backup import counts
from reports.models import AnnualReport
from tracker.models import Evidence, Item, Unit
from tracker.services import extension_request, item_add_progress, item_review

pytestmark = pytest.mark.django_db


def sha256_of(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_sha256s() -> dict[str, str]:
    result = {}
    for name in Evidence.objects.values_list("file", flat=True):
        with default_storage.open(name, "rb") as handle:
            result[name] = hashlib.sha256(handle.read()).hexdigest()
    return result


@pytest.fixture
def ledger(pdf):
    from datetime import timedelta

    from django.utils import timezone

    call_command("load_demo", verbosity=0)
    users = {u.username: u for u in get_user_model().objects.all()}
    item = Item.objects.filter(lead_unit__name="县司法局").order_by("pk").first()
    item_add_progress(
        item=item, user=users["staff1"], status="in_progress", note="启动", files=[pdf()], expected_version=1
    )
    item.refresh_from_db()
    item_add_progress(
        item=item,
        user=users["staff1"],
        status="submitted",
        note="报送",
        files=[pdf("第二份.pdf")],
        expected_version=item.version,
    )
    item.refresh_from_db()
    item_review(item=item, user=users["reviewer"], decision="return", comment="补充材料")
    item.refresh_from_db()
    extension_request(
        item=item, user=users["staff1"], new_due_on=timezone.localdate() + timedelta(days=40), reason="等文件"
    )
    return item


def test_backup_then_restore_into_an_empty_installation_gives_the_same_ledger(ledger, tmp_path):
    before = counts()
    call_command(
        "export_summary", "2020", "--format", "csv", "--output", str(tmp_path / "before.csv"), verbosity=0
    )
    files_before = stored_sha256s()
    assert len(files_before) == 2

    call_command("backup", str(tmp_path / "ledger.zip"), verbosity=0)
    with zipfile.ZipFile(tmp_path / "ledger.zip") as archive:
        names = set(archive.namelist())
    assert {"data.json", "manifest.json"} <= names and sum(n.startswith("media/") for n in names) == 2
    # On PostgreSQL the archive also carries pg_dump's own copy of the database.
    assert ("database.pgdump" in names) == (connection.vendor == "postgresql")

    # An empty installation: migrated, no ledger, no files.
    for name in files_before:
        default_storage.delete(name)
    AnnualReport.objects.all().delete()
    Unit.objects.filter(parent__isnull=False).delete()
    Unit.objects.all().delete()
    get_user_model().objects.all().delete()
    assert Item.objects.count() == 0

    call_command("restore", str(tmp_path / "ledger.zip"), verbosity=0)
    assert counts() == before
    call_command(
        "export_summary", "2020", "--format", "csv", "--output", str(tmp_path / "after.csv"), verbosity=0
    )
    assert sha256_of(tmp_path / "after.csv") == sha256_of(tmp_path / "before.csv")
    assert stored_sha256s() == files_before
    staff1 = get_user_model().objects.get(username="staff1")
    assert staff1.check_password("staff1-demo-2020") and staff1.units.get().name == "县司法局"


def test_restore_refuses_a_ledger_that_is_not_empty_and_a_damaged_archive(ledger, tmp_path):
    call_command("backup", str(tmp_path / "ledger.zip"), verbosity=0)
    with pytest.raises(CommandError, match="already holds a ledger"):
        call_command("restore", str(tmp_path / "ledger.zip"), verbosity=0)
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    AnnualReport.objects.all().delete()
    with pytest.raises(CommandError, match="not a backup archive"):
        call_command("restore", str(tmp_path / "broken.zip"), verbosity=0)
