"""Backups: one archive holding the ledger's data and its evidence files, and the way back.

The archive (a zip) holds ``data.json`` (Django's dumpdata of the ledger, users and groups,
with natural keys, so that it loads into any empty installation on SQLite or PostgreSQL),
``media/…`` (every evidence file under its stored name), on PostgreSQL also
``database.pgdump`` (pg_dump -Fc of the whole database), and ``manifest.json`` (row counts
per model, the sha256 of data.json, of the dump and of every file). ``restore`` loads the
portable data.json; the dump is there for a like-for-like PostgreSQL restore. Restore refuses a non-empty installation,
checks every sha256 first, and loads the data in one transaction.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

# What a backup holds: the ledger and who may use it. Left out: content types and
# permissions (migrate makes them), sessions, the admin's log, login attempts.
APPS = ["auth.user", "auth.group", "tracker", "reports"]
COUNTED = [
    "auth.User",
    "auth.Group",
    "tracker.Unit",
    "tracker.Membership",
    "tracker.Area",
    "tracker.Item",
    "tracker.Metric",
    "tracker.ProgressUpdate",
    "tracker.Evidence",
    "tracker.Review",
    "tracker.ExtensionRequest",
    "tracker.Instruction",
    "tracker.Follow",
    "tracker.UnitRating",
    "tracker.ReminderLog",
    "reports.AnnualReport",
    "reports.Section",
]


class BackupError(Exception):
    """The archive cannot be restored; the message says why."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def _pg_dump() -> bytes | None:
    """``pg_dump -Fc`` of the database when it is PostgreSQL and pg_dump is installed."""
    from django.db import connection

    if connection.vendor != "postgresql" or shutil.which("pg_dump") is None:
        return None
    db = connection.settings_dict
    env = {"PGPASSWORD": db.get("PASSWORD") or ""}
    command = [
        "pg_dump",
        "-Fc",
        "--no-owner",
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
    ]
    if db.get("USER"):
        command += ["-U", db["USER"]]
    result = subprocess.run([*command, db["NAME"]], capture_output=True, env={**os.environ, **env})
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def backup_write(path: Path) -> dict:
    """Write the archive to ``path``; returns its manifest."""
    out = io.StringIO()
    call_command("dumpdata", *APPS, natural_foreign=True, natural_primary=True, indent=0, stdout=out)
    data = out.getvalue().encode("utf-8")
    Evidence = apps.get_model("tracker", "Evidence")
    files = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", data)
        for name in Evidence.objects.order_by("pk").values_list("file", flat=True):
            if name in files or not default_storage.exists(name):
                continue
            with default_storage.open(name, "rb") as handle:
                content = handle.read()
            files[name] = _sha256(content)
            archive.writestr(f"media/{name}", content)
        manifest = {
            "created_at": timezone.now().isoformat(),
            "counts": counts(),
            "data_sha256": _sha256(data),
            "files": files,
        }
        dump = _pg_dump()
        if dump is not None:
            # PostgreSQL's own copy of the whole database beside the portable data.json:
            # `pg_restore -d NEWDB database.pgdump` restores it on the same major version.
            archive.writestr("database.pgdump", dump)
            manifest["pgdump_sha256"] = _sha256(dump)
        archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return manifest


def restore_read(path: Path) -> dict:
    """Rebuild an empty installation from the archive at ``path``; returns its manifest."""
    if (
        apps.get_model("tracker", "Item").objects.exists()
        or apps.get_model("reports", "AnnualReport").objects.exists()
    ):
        raise BackupError("this installation already holds a ledger; restore needs an empty one")
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"not a backup archive: {error}") from None
    with archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
            data = archive.read("data.json")
        except KeyError as error:
            raise BackupError(f"the archive lacks {error}") from None
        if _sha256(data) != manifest["data_sha256"]:
            raise BackupError("data.json does not match its checksum")
        contents = {}
        for name, digest in manifest["files"].items():
            content = archive.read(f"media/{name}")
            if _sha256(content) != digest:
                raise BackupError(f"{name} does not match its checksum")
            contents[name] = content
    with tempfile.TemporaryDirectory() as folder:
        fixture = Path(folder) / "data.json"
        fixture.write_bytes(data)
        with transaction.atomic():
            call_command("loaddata", str(fixture), verbosity=0)
    for name, content in contents.items():
        if default_storage.exists(name):
            default_storage.delete(name)
        default_storage.save(name, ContentFile(content))
    return manifest
