"""Backups: one archive from one snapshot of the database, restored into an empty installation.

In this process: a ledger with progress, reviews and evidence round-trips (counts, the CSV
export and every file come back the same), and restore refuses what it must (a ledger that is
not empty, a damaged archive, a wrong checksum, an archive of the other engine without
data.json) before writing anything. In subprocesses, each with an installation of its own (a
SQLite file, or a new PostgreSQL database when the suite runs on PostgreSQL): a backup taken
while six people upload evidence through the request stack restores into a fresh installation
whole, and a media set larger than the memory restore may use is restored all the same.
"""

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from reports.backup import counts
from reports.models import AnnualReport
from tracker.models import Evidence, Item, Unit
from tracker.services import extension_request, item_add_progress, item_review

ROOT = Path(__file__).resolve().parents[2]
OTHER_ENGINE = {"postgresql": "sqlite", "sqlite": "postgresql"}

# A backup takes its own snapshot outside any transaction: the tests that write one commit.
transactional = pytest.mark.django_db(transaction=True)


def sha256_of(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stored_sha256s() -> dict[str, str]:
    result = {}
    for name in Evidence.objects.values_list("file", flat=True):
        with default_storage.open(name, "rb") as handle:
            result[name] = hashlib.sha256(handle.read()).hexdigest()
    return result


def media_files() -> list[Path]:
    return [path for path in Path(default_storage.location).rglob("*") if path.is_file()]


@pytest.fixture
def ledger(pdf):
    from datetime import timedelta

    from django.utils import timezone

    from reports.demo import SEED_REPORT, _directory_and_users
    from reports.services import report_import

    # The demo's units, users and 2020 report, without its sample progress: this ledger's
    # files are the two below.
    _directory_and_users(random_passwords=False)
    report_import(text=SEED_REPORT.read_text(encoding="utf-8"))
    users = {u.username: u for u in get_user_model().objects.all()}
    item = Item.objects.filter(year=2021, kind="measure").order_by("pk").first()
    item.lead_unit = Unit.objects.get(name="县司法局")
    item.save()
    item_add_progress(
        item=item,
        user=users["staff1"],
        status="in_progress",
        note="启动",
        files=[pdf()],
        expected_version=item.version,
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
    yield item
    for path in media_files():
        path.unlink()


def empty_installation():
    """Migrated, no ledger, no files."""
    for path in media_files():
        path.unlink()
    for report in AnnualReport.objects.order_by("-year"):  # later years point at earlier ones
        report.delete()
    Unit.objects.filter(parent__isnull=False).delete()
    Unit.objects.all().delete()
    get_user_model().objects.all().delete()
    assert Item.objects.count() == 0


def manifest_of(path) -> dict:
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("manifest.json"))


def rewrite(path, changes: dict):
    """The archive again, with some members replaced (bytes) or dropped (None)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, content in changes.items():
        if content is None:
            members.pop(name)
        else:
            members[name] = content
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def backup(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def restore(path) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@transactional
def test_backup_then_restore_into_an_empty_installation_gives_the_same_ledger(ledger, tmp_path):
    before = counts()
    call_command(
        "export_summary", "2021", "--format", "csv", "--output", str(tmp_path / "before.csv"), verbosity=0
    )
    files_before = stored_sha256s()
    assert len(files_before) == 2

    backup(tmp_path / "ledger.zip")
    copy = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}[connection.vendor]
    with zipfile.ZipFile(tmp_path / "ledger.zip") as archive:
        names = set(archive.namelist())
    # The database once (no second copy), the two files, the manifest.
    assert names == {"manifest.json", copy} | {f"media/{name}" for name in files_before}
    manifest = manifest_of(tmp_path / "ledger.zip")
    assert manifest["counts"] == before and manifest["engine"] == connection.vendor
    assert {name: meta["sha256"] for name, meta in manifest["files"].items()} == files_before
    assert manifest["missing"] == [] and manifest["migrations"]["tracker"].startswith("00")

    empty_installation()
    out, _err = restore(tmp_path / "ledger.zip")
    assert counts() == before
    assert f"tracker.Item: {before['tracker.Item']}" in out and "evidence files: 2" in out
    call_command(
        "export_summary", "2021", "--format", "csv", "--output", str(tmp_path / "after.csv"), verbosity=0
    )
    assert sha256_of(tmp_path / "after.csv") == sha256_of(tmp_path / "before.csv")
    assert stored_sha256s() == files_before
    staff1 = get_user_model().objects.get(username="staff1")
    assert staff1.check_password("staff1-demo-2020") and staff1.units.get().name == "县司法局"


@transactional
def test_restore_refuses_a_ledger_that_is_not_empty_and_a_damaged_archive(ledger, tmp_path):
    backup(tmp_path / "ledger.zip")
    with pytest.raises(CommandError, match="already holds a ledger"):
        call_command("restore", str(tmp_path / "ledger.zip"), verbosity=0)
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    empty_installation()
    with pytest.raises(CommandError, match="not a backup archive"):
        call_command("restore", str(tmp_path / "broken.zip"), verbosity=0)


@transactional
@pytest.mark.parametrize("damaged", ["a file", "the database copy"])
def test_restore_with_a_wrong_checksum_writes_nothing(ledger, tmp_path, damaged):
    path = tmp_path / "ledger.zip"
    backup(path)
    manifest = manifest_of(path)
    member = (
        manifest["database"]["name"] if damaged == "the database copy" else f"media/{min(manifest['files'])}"
    )
    with zipfile.ZipFile(path) as archive:
        content = bytearray(archive.read(member))
    content[len(content) // 2] ^= 0xFF  # one byte changed: zip's own CRC is rewritten, sha256 is not
    rewrite(path, {member: bytes(content)})
    empty_installation()
    users = get_user_model().objects.count()

    with pytest.raises(CommandError, match=re.escape(f"{member} does not match its checksum")):
        call_command("restore", str(path), verbosity=0)
    assert Item.objects.count() == 0 and get_user_model().objects.count() == users
    assert media_files() == []


@transactional
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda manifest: manifest["migrations"].update(tracker="9999_from_a_newer_version"),
            "comes from a newer version of the ledger (tracker 9999_from_a_newer_version unknown here)",
        ),
        (
            lambda manifest: manifest["counts"].update(
                **{"tracker.Item": manifest["counts"]["tracker.Item"] + 1}
            ),
            "the restored database does not hold what the manifest counts: tracker.Item:",
        ),
    ],
    ids=["newer schema", "counts differ"],
)
def test_restore_refuses_a_newer_schema_and_fails_loudly_on_counts_that_differ(
    ledger, tmp_path, change, message
):
    path = tmp_path / "ledger.zip"
    backup(path)
    manifest = manifest_of(path)
    change(manifest)
    rewrite(path, {"manifest.json": json.dumps(manifest).encode()})
    empty_installation()
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("restore", str(path), verbosity=0)


@transactional
def test_an_archive_written_before_snapshots_still_restores_from_its_data_json(ledger, tmp_path):
    before, files_before = counts(), stored_sha256s()
    path = tmp_path / "ledger.zip"
    backup(path, "--portable")
    manifest = manifest_of(path)
    # The old layout: data.json, media/…, and a manifest of counts and name → sha256.
    old = {
        "created_at": manifest["created_at"],
        "counts": {label: before[label] for label in ("auth.User", "tracker.Item", "tracker.Evidence")},
        "data_sha256": manifest["portable"]["sha256"],
        "files": {name: meta["sha256"] for name, meta in manifest["files"].items()},
    }
    rewrite(path, {"manifest.json": json.dumps(old).encode(), manifest["database"]["name"]: None})
    empty_installation()
    out, _err = restore(path)
    assert "with loaddata" in out
    assert counts() == before and stored_sha256s() == files_before


@transactional
def test_an_archive_from_the_other_engine_needs_data_json_and_then_loads_it(ledger, tmp_path):
    before, files_before = counts(), stored_sha256s()
    other = OTHER_ENGINE[connection.vendor]
    backup(tmp_path / "native.zip")
    manifest = manifest_of(tmp_path / "native.zip")
    assert manifest["portable"] is None
    rewrite(tmp_path / "native.zip", {"manifest.json": json.dumps({**manifest, "engine": other}).encode()})

    out, _err = backup(tmp_path / "portable.zip", "--portable")
    assert "with data.json" in out
    manifest = manifest_of(tmp_path / "portable.zip")
    data = json.loads(zipfile.ZipFile(tmp_path / "portable.zip").read("data.json"))
    # data.json is read from the same snapshot as the copy: the same rows.
    assert (
        sum(1 for row in data if row["model"] == "tracker.evidence") == manifest["counts"]["tracker.Evidence"]
    )
    # As if written on the other engine: the native copy cannot be used here, data.json can.
    rewrite(tmp_path / "portable.zip", {"manifest.json": json.dumps({**manifest, "engine": other}).encode()})

    empty_installation()
    with pytest.raises(CommandError, match=rf"written on {other}.*--portable"):
        call_command("restore", str(tmp_path / "native.zip"), verbosity=0)
    assert Item.objects.count() == 0
    out, _err = restore(tmp_path / "portable.zip")
    assert "with loaddata" in out
    assert counts() == before and stored_sha256s() == files_before


@transactional
def test_an_evidence_file_missing_or_changed_on_disk_is_reported_not_silently_left_out(ledger, tmp_path):
    names = sorted(stored_sha256s())
    default_storage.delete(names[0])
    with default_storage.open(names[1], "ab") as handle:
        handle.write(b"changed on disk")
    _out, err = backup(tmp_path / "ledger.zip")
    assert "1 evidence file(s)" in err and names[0] in err
    assert f"{names[1]} on disk does not match the sha256 its evidence row records" in err
    manifest = manifest_of(tmp_path / "ledger.zip")
    assert manifest["missing"] == [names[0]] and list(manifest["files"]) == [names[1]]
    assert [damaged["name"] for damaged in manifest["damaged"]] == [names[1]]

    empty_installation()
    _out, err = restore(tmp_path / "ledger.zip")
    assert "already missing when the backup was written" in err and names[0] in err
    assert [path.name for path in media_files()] == [Path(names[1]).name]


@transactional
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump: PostgreSQL only")
def test_without_pg_dump_the_backup_says_what_to_install_and_writes_no_archive(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CommandError, match=r"pg_dump is not installed.*postgresql-client"):
        call_command("backup", str(tmp_path / "ledger.zip"), verbosity=0)
    assert list(tmp_path.iterdir()) == []


# -- fresh installations in subprocesses -------------------------------------------------------


def _server() -> dict:
    db = connection.settings_dict
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }


def _postgresql(sql: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **_server()) as admin:
        admin.execute(sql)


def _environment(folder: Path, database: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(
        DJANGO_DEBUG="1",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_VAR_DIR=str(folder),
        DJANGO_MEDIA_ROOT=str(folder / "media"),
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    if database:
        server = _server()
        password = f":{server['password']}" if server["password"] else ""
        env["DATABASE_URL"] = (
            f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{database}"
        )
    return env


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """``fresh(folder)``: the environment of a new installation of its own, migrated, no ledger:
    a folder (SQLite file, media) and, when the suite runs on PostgreSQL, a new database on the
    same server (dropped afterwards). Each starts as a copy of one migrated once."""
    postgresql = connection.vendor == "postgresql"
    prefix = f"{connection.settings_dict['NAME']}_{uuid.uuid4().hex[:8]}"
    template = tmp_path_factory.mktemp("migrated")
    databases = [f"{prefix}_migrated"] if postgresql else []
    if postgresql:
        _postgresql(f'CREATE DATABASE "{databases[0]}"')
    try:
        migrated = run(_environment(template, databases[0] if postgresql else None), "manage.py", "migrate")
        assert migrated.returncode == 0, migrated.stderr

        def make(folder: Path) -> dict:
            folder.mkdir()
            if not postgresql:
                shutil.copy(template / "db.sqlite3", folder / "db.sqlite3")
                return _environment(folder, None)
            databases.append(f"{prefix}_{len(databases)}")
            _postgresql(f'CREATE DATABASE "{databases[-1]}" TEMPLATE "{databases[0]}"')
            return _environment(folder, databases[-1])

        yield make
    finally:
        for database in reversed(databases):
            _postgresql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def run(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def scenario(env, *args) -> dict:
    result = run(env, "tests/backup_scenario.py", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_backup_taken_while_people_upload_restores_whole_into_a_fresh_installation(fresh, tmp_path):
    archive = str(tmp_path / "ledger.zip")
    source, target = fresh(tmp_path / "source"), fresh(tmp_path / "target")
    writing = scenario(source, "write-and-backup", archive)
    # Six people logged in and saved notes with two files each, before, during and after the
    # backup; every save was answered as a save.
    assert writing["errors"] == [] and list(writing["answers"]) == ["302"], writing
    assert writing["during"] >= 1, writing

    restored = run(target, "manage.py", "restore", archive)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "every count matches the manifest" in restored.stdout
    check = scenario(target, "check", archive)

    assert check["counts"] == check["manifest_counts"]
    assert check["evidence"] == check["files"] == check["manifest_counts"]["tracker.Evidence"] > 0
    # Every row has its file, with the sha256 the row and the manifest record; every file
    # belongs to a progress update; every item's history matches its version.
    assert check["missing"] == check["without_file"] == check["mismatched"] == []
    assert check["orphans"] == 0 and check["versions_off"] == []


def test_restore_streams_a_media_set_larger_than_the_memory_it_may_use(fresh, tmp_path):
    archive = str(tmp_path / "ledger.zip")
    margin, size, count = 32, 16, 4  # MB: 64 MB of files, 32 MB of memory to spare
    source, target = fresh(tmp_path / "source"), fresh(tmp_path / "target")
    made = scenario(source, "big-media", archive, str(size), str(count))
    assert made["media_bytes"] >= 2 * margin * 1024 * 1024 > 100 * made["archive_bytes"]
    scenario(target, "restore-capped", archive, str(margin))
    check = scenario(target, "check", archive)
    assert check["evidence"] == check["files"] == count
    assert check["without_file"] == check["mismatched"] == []
    assert check["counts"] == check["manifest_counts"]
