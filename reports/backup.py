"""Backups: one archive from one snapshot of the database, with the evidence files that snapshot
references, and the way back into an empty installation.

The archive (a zip) holds:

* the database as of one moment: ``database.pgdump`` (``pg_dump -Fc`` run on a snapshot
  exported by a ``REPEATABLE READ, READ ONLY`` transaction) on PostgreSQL, ``database.sqlite3``
  (a copy made with SQLite's online backup API) on SQLite. People go on working meanwhile:
  neither blocks a writer;
* ``media/<stored name>`` for every evidence file the snapshot's rows name, streamed into the
  zip a chunk at a time;
* ``manifest.json``: the format, when and on which engine it was written, the row counts per
  model, the schema's latest migration per app, the sha256 and size of the database copy and
  of every file, and the evidence rows whose file was missing on disk (or differed from the
  sha256 its row records) — reported, never a silent gap;
* with ``--portable`` also ``data.json`` (Django's dumpdata with natural keys, read from the same
  snapshot), which lets the archive move between SQLite and PostgreSQL.

The counts, the evidence list and the migrations are read from the same snapshot as the
database copy (inside the exporting transaction on PostgreSQL, from the copy on SQLite), so
dump, manifest and files all describe one moment.

Restore refuses an installation that already holds a ledger, reads the manifest, checks the
sha256 of the database copy and of every file by streaming them before it writes anything,
then puts the database back (``pg_restore`` in one transaction, SQLite's backup API, or
loaddata of data.json in one transaction when the engines differ), streams each file to a
temporary name in the media folder, checks its sha256 while writing and renames it into place,
and finally counts the restored rows and fails loudly if they differ from the manifest.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

FORMAT = 2
CHUNK = 1024 * 1024
MANIFEST = "manifest.json"
PORTABLE = "data.json"
DATABASE_MEMBER = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# What data.json holds: the ledger and who may use it. Left out: content types and
# permissions (migrate makes them), sessions, the admin's log, login attempts.
PORTABLE_APPS = ["auth.user", "auth.group", "tracker", "reports"]
# The apps whose rows are counted (the ledger, users, groups and their links); Permission is
# made by migrate, so an installation's own set stands.
COUNTED_APPS = ["auth", "tracker", "reports"]


class BackupError(Exception):
    """The backup cannot be written or the archive cannot be restored; the message says why."""


def counted_models() -> list:
    models = []
    for label in COUNTED_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label != "auth.Permission" and model._meta.managed and not model._meta.proxy:
                models.append(model)
    return sorted(models, key=lambda model: model._meta.label)


@dataclass
class Snapshot:
    """What one moment of the database holds, read inside that moment."""

    counts: dict[str, int]
    evidence: list[tuple[str, str]]  # (stored name, sha256 the row records), in row order
    migrations: dict[str, str]  # app → latest applied migration
    server_version: str = ""
    files: dict[str, Path] = field(default_factory=dict)  # archive member → file in the work dir


def _describe(cursor) -> Snapshot:
    """Counts, evidence list and migrations through a DB-API ``cursor`` (Django's on PostgreSQL
    inside the snapshot's transaction, sqlite3's on the copy), in SQL both engines speak."""
    counts = _count_rows(cursor, counted_models())
    evidence = apps.get_model("tracker", "Evidence")._meta.db_table
    cursor.execute(f'SELECT "file", "sha256" FROM "{evidence}" ORDER BY "id"')
    rows = [(name, digest) for name, digest in cursor.fetchall()]
    cursor.execute('SELECT "app", "name" FROM "django_migrations"')
    migrations: dict[str, str] = {}
    for app, name in cursor.fetchall():
        migrations[app] = max(migrations.get(app, ""), name)
    return Snapshot(counts=counts, evidence=rows, migrations=dict(sorted(migrations.items())))


def _count_rows(cursor, models) -> dict[str, int]:
    result = {}
    for model in models:
        cursor.execute(f'SELECT COUNT(*) FROM "{model._meta.db_table}"')
        result[model._meta.label] = cursor.fetchone()[0]
    return result


def counts(labels=None) -> dict[str, int]:
    """Row counts per model in the configured database, as the manifest has them: of the
    counted models, or of the models named by ``labels`` that this code knows."""
    if labels is None:
        models = counted_models()
    else:
        models = []
        for label in labels:
            with contextlib.suppress(LookupError):  # a model this version no longer has
                models.append(apps.get_model(label))
    with connection.cursor() as cursor:
        return _count_rows(cursor, models)


def listed(names: list[str], shown: int = 10) -> str:
    """The first few of ``names`` for a message; the manifest lists them all."""
    more = f", … ({len(names) - shown} more in the manifest)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


# -- writing ---------------------------------------------------------------------------------


def _engine() -> str:
    if connection.vendor not in DATABASE_MEMBER:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {connection.vendor}")
    if connection.in_atomic_block:
        raise BackupError("a backup takes its own snapshot: run it outside any transaction")
    return connection.vendor


def _libpq_command(program: str) -> tuple[list[str], dict[str, str]]:
    """``program`` with the configured database's host, port and user, and the environment
    (password, SSL settings) Django's own ``dbshell`` would pass; never the password in argv."""
    found = shutil.which(program)
    if found is None:
        raise BackupError(
            f"{program} is not installed (or not on PATH). Install the PostgreSQL client tools of "
            f"the server's major version or newer (Debian: apt-get install postgresql-client), or "
            f"put their bin folder first on PATH."
        )
    db = connection.settings_dict
    _args, env = connection.client.settings_to_cmd_args_env(db, [])
    command = [found]
    if db.get("HOST"):
        command += ["-h", db["HOST"]]
    if db.get("PORT"):
        command += ["-p", str(db["PORT"])]
    if db.get("USER"):
        command += ["-U", db["USER"]]
    command += ["-d", db["NAME"]]
    return command, {**os.environ, **(env or {})}


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.stdout.strip()}")


def _dumpdata(path: Path, using: str) -> None:
    call_command(
        "dumpdata",
        *PORTABLE_APPS,
        natural_foreign=True,
        natural_primary=True,
        database=using,
        output=str(path),
        verbosity=0,
    )


def _postgresql_snapshot(work: Path, portable: bool) -> Snapshot:
    """One REPEATABLE READ, READ ONLY transaction: its snapshot is exported, pg_dump reads
    that snapshot while the transaction stays open, and the manifest is read inside it."""
    command, env = _libpq_command("pg_dump")
    dump = work / DATABASE_MEMBER["postgresql"]
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot_id, server_version = cursor.fetchone()
            snapshot = _describe(cursor)
        snapshot.server_version = server_version
        if portable:
            _dumpdata(work / PORTABLE, DEFAULT_DB_ALIAS)
        _run([*command, "-Fc", f"--snapshot={snapshot_id}", "-f", str(dump)], env, "pg_dump")
    snapshot.files[DATABASE_MEMBER["postgresql"]] = dump
    if portable:
        snapshot.files[PORTABLE] = work / PORTABLE
    return snapshot


def _sqlite_snapshot(work: Path, portable: bool) -> Snapshot:
    """SQLite's online backup API copies the database in one step, inside one read
    transaction (in WAL mode writers go on meanwhile); the manifest is read from the copy, and
    data.json, when asked for, inside the same read transaction."""
    copy = work / DATABASE_MEMBER["sqlite"]
    connection.ensure_connection()
    source = connection.connection
    target = sqlite3.connect(copy)
    try:
        with connection.wrap_database_errors:
            # DEFERRED: a read transaction, never the write lock (Django's atomic() would take
            # it: the settings ask for IMMEDIATE transactions). Its snapshot starts at the
            # first read and holds for the copy and dumpdata alike.
            source.execute("BEGIN DEFERRED")
            try:
                source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                source.backup(target)
                if portable:
                    _dumpdata(work / PORTABLE, DEFAULT_DB_ALIAS)
            finally:
                source.execute("ROLLBACK")
        # A standalone file: no -wal beside it once closed.
        target.execute("PRAGMA journal_mode=DELETE")
        snapshot = _describe(target.cursor())
        snapshot.server_version = sqlite3.sqlite_version
    finally:
        target.close()
    snapshot.files[DATABASE_MEMBER["sqlite"]] = copy
    if portable:
        snapshot.files[PORTABLE] = work / PORTABLE
    return snapshot


def _stream_into(archive: zipfile.ZipFile, member: str, source, size: int, compress: int) -> tuple[str, int]:
    """Copy ``source`` (a binary file object) into the archive a chunk at a time: (sha256, size)."""
    info = zipfile.ZipInfo(member, date_time=time.localtime()[:6])
    info.compress_type = compress
    info.file_size = size
    digest, total = hashlib.sha256(), 0
    with archive.open(info, "w", force_zip64=size > 2**30) as target:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            target.write(chunk)
            total += len(chunk)
    return digest.hexdigest(), total


def backup_write(path: Path, *, portable: bool = False) -> dict:
    """Write the archive to ``path`` (through a temporary name, so a failed backup leaves no
    archive that looks whole); returns its manifest."""
    path = Path(path)
    engine = _engine()
    if not path.parent.is_dir():
        raise BackupError(f"the folder {path.parent} does not exist")
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        with tempfile.TemporaryDirectory(prefix=".ledger-backup-", dir=path.parent) as folder:
            work = Path(folder)
            created_at = timezone.now()
            if engine == "postgresql":
                snapshot = _postgresql_snapshot(work, portable)
            else:
                snapshot = _sqlite_snapshot(work, portable)
            manifest = {
                "format": FORMAT,
                "created_at": created_at.isoformat(),
                "engine": engine,
                "server_version": snapshot.server_version,
                "counts": snapshot.counts,
                "migrations": snapshot.migrations,
            }
            with zipfile.ZipFile(partial, "w", allowZip64=True) as archive:
                for member, source in snapshot.files.items():
                    # A pg_dump is compressed already.
                    compress = zipfile.ZIP_STORED if member.endswith(".pgdump") else zipfile.ZIP_DEFLATED
                    with source.open("rb") as handle:
                        digest, size = _stream_into(archive, member, handle, source.stat().st_size, compress)
                    key = "portable" if member == PORTABLE else "database"
                    manifest[key] = {"name": member, "sha256": digest, "size": size}
                manifest.setdefault("portable", None)
                manifest.update(_write_files(archive, snapshot.evidence))
                archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return manifest


def _write_files(archive: zipfile.ZipFile, evidence: list[tuple[str, str]]) -> dict:
    """Stream every file the snapshot's evidence rows name; the ones missing on disk, or whose
    content differs from the sha256 the row records, are listed, never silently left out."""
    files, missing, damaged = {}, [], []
    for name, recorded in evidence:
        if name in files or name in missing:
            continue
        try:
            size = default_storage.size(name)
            with default_storage.open(name, "rb") as handle:
                digest, size = _stream_into(archive, f"media/{name}", handle, size, zipfile.ZIP_DEFLATED)
        except FileNotFoundError:
            missing.append(name)
            continue
        files[name] = {"sha256": digest, "size": size}
        if digest != recorded:
            damaged.append({"name": name, "recorded": recorded, "found": digest})
    return {"files": files, "missing": missing, "damaged": damaged}


# -- restoring -------------------------------------------------------------------------------


@dataclass
class Restored:
    """What a restore put back."""

    manifest: dict
    method: str  # "pg_restore", "sqlite backup", "loaddata"
    counts: dict[str, int]
    files: int
    bytes: int
    pending_migrations: list[str]


def _table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        return name in connection.introspection.table_names(cursor)


def _ensure_empty() -> bool:
    """Refuse an installation that holds a ledger; True when it is migrated (has the tables)."""
    if not _table_exists(apps.get_model("tracker", "Item")._meta.db_table):
        return False
    if (
        apps.get_model("tracker", "Item").objects.exists()
        or apps.get_model("reports", "AnnualReport").objects.exists()
    ):
        raise BackupError("this installation already holds a ledger; restore needs an empty one")
    return True


def _read_manifest(archive: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError(f"the archive lacks {MANIFEST}") from None
    except ValueError as error:
        raise BackupError(f"{MANIFEST} cannot be read: {error}") from None
    if "format" not in manifest and "data_sha256" in manifest:
        # Written before format 2: data.json (dumpdata, one table at a time) and name → sha256.
        manifest = {
            **manifest,
            "format": 1,
            "engine": None,
            "database": None,
            "portable": {"name": PORTABLE, "sha256": manifest["data_sha256"]},
            "files": {name: {"sha256": digest} for name, digest in manifest["files"].items()},
            "missing": [],
        }
    if manifest.get("format") not in (1, FORMAT):
        raise BackupError(f"this archive's format ({manifest.get('format')}) is not one this version reads")
    return manifest


def _method(manifest: dict) -> str:
    engine = connection.vendor
    if manifest.get("engine") == engine and manifest.get("database"):
        return "pg_restore" if engine == "postgresql" else "sqlite backup"
    if manifest.get("portable"):
        return "loaddata"
    raise BackupError(
        f"this archive was written on {manifest.get('engine')} and holds only that engine's copy of "
        f"the database; restore it into a {manifest.get('engine')} installation, or write the backup "
        f"again with --portable to move it to {engine}"
    )


def _applied_here() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return latest


def _check_schema(manifest: dict, method: str, migrated: bool) -> None:
    """The archive's schema must be one this code knows; native restores replace the schema
    (a PostgreSQL one must not leave newer tables behind), data.json needs the same one."""
    archived = manifest.get("migrations")
    if archived is None:  # format 1: loaddata will say what does not fit
        if not migrated:
            raise BackupError("run `manage.py migrate` first: data.json loads into a migrated installation")
        return
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app} {name}" for app, name in archived.items() if (app, name) not in known]
    if unknown:
        raise BackupError(
            f"this archive comes from a newer version of the ledger ({', '.join(unknown)} unknown "
            f"here): install that version or a newer one, then restore"
        )
    here = _applied_here() if migrated else {}
    if method == "loaddata":
        if not migrated:
            raise BackupError("run `manage.py migrate` first: data.json loads into a migrated installation")
        apps_in_data = {label.split(".")[0] for label in PORTABLE_APPS}
        differ = [
            f"{app}: {here.get(app, '-')} here, {archived.get(app, '-')} in the archive"
            for app in sorted(apps_in_data)
            if here.get(app) != archived.get(app)
        ]
        if differ:
            raise BackupError(
                "data.json needs this installation at the archive's schema ("
                + "; ".join(differ)
                + "): migrate to it (`manage.py migrate APP MIGRATION`), restore, then migrate"
            )
    elif method == "pg_restore":
        newer = [
            f"{app}: {name} here, {archived.get(app, '-')} in the archive"
            for app, name in here.items()
            if name > archived.get(app, "")
        ]
        if newer:
            raise BackupError(
                "this installation's schema is newer than the archive's ("
                + "; ".join(newer)
                + "): restore into a new empty database (created, not migrated) or one migrated "
                "to the archive's schema, then run `manage.py migrate`"
            )


def _checked_copy(archive: zipfile.ZipFile, member: str, expected: str, target) -> int:
    """Stream ``member`` to the file object ``target`` (or nowhere, for None) and check its
    sha256 on the way; returns its size."""
    try:
        source = archive.open(member)
    except KeyError:
        raise BackupError(f"the archive lacks {member}") from None
    digest, total = hashlib.sha256(), 0
    try:
        with source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                total += len(chunk)
                if target is not None:
                    target.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        raise BackupError(f"{member} cannot be read from the archive: {error}") from None
    if digest.hexdigest() != expected:
        raise BackupError(f"{member} does not match its checksum")
    return total


def _media_path(name: str) -> Path:
    try:
        return Path(default_storage.path(name))
    except SuspiciousFileOperation:
        raise BackupError(f"the archive names a file outside the media folder: {name}") from None


def restore_read(path: Path) -> Restored:
    """Rebuild an empty installation from the archive at ``path``."""
    migrated = _ensure_empty()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise BackupError(f"not a backup archive: {error}") from None
    with archive, tempfile.TemporaryDirectory(prefix=".ledger-restore-") as folder:
        manifest = _read_manifest(archive)
        method = _method(manifest)
        _check_schema(manifest, method, migrated)
        source = manifest["portable"] if method == "loaddata" else manifest["database"]
        copy = Path(folder) / Path(source["name"]).name
        with copy.open("wb") as handle:
            _checked_copy(archive, source["name"], source["sha256"], handle)
        for name, meta in manifest["files"].items():
            _media_path(name)
            _checked_copy(archive, f"media/{name}", meta["sha256"], None)
        # Everything checked: only now is anything written.
        before = _ledger_version() if migrated else 0
        if method == "pg_restore":
            _pg_restore(copy)
        elif method == "sqlite backup":
            _sqlite_restore(copy)
        else:
            with transaction.atomic():
                call_command("loaddata", str(copy), verbosity=0)
        _move_ledger_version_past(before)
        files, size = _restore_files(archive, manifest["files"])
    expected = manifest.get("counts", {})
    # The manifest's models: a restored database older than this code lacks the newer tables
    # until `migrate` runs.
    restored = counts(expected)
    differ = {
        label: (want, restored[label])
        for label, want in expected.items()
        if label in restored and restored[label] != want
    }
    if differ:
        raise BackupError(
            "the restored database does not hold what the manifest counts: "
            + "; ".join(
                f"{label}: {want} in the manifest, {got} restored" for label, (want, got) in differ.items()
            )
        )
    return Restored(
        manifest=manifest,
        method=method,
        counts=restored,
        files=files,
        bytes=size,
        pending_migrations=_pending_migrations(),
    )


def _pg_restore(dump: Path) -> None:
    """pg_restore into the configured database, in one transaction: every table the dump
    holds is dropped and made again (--clean --if-exists), owned by the restoring user."""
    command, env = _libpq_command("pg_restore")
    # pg_restore drops tables: no connection of ours may hold a lock on them meanwhile.
    connections.close_all()
    _run(
        [
            *command,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            str(dump),
        ],
        env,
        "pg_restore",
    )
    _forget_cached_ids()


def _sqlite_restore(copy: Path) -> None:
    """SQLite's backup API, from the archive's copy into the configured database."""
    connections.close_all()
    connection.ensure_connection()
    source = sqlite3.connect(copy)
    try:
        with connection.wrap_database_errors:
            source.backup(connection.connection)
    finally:
        source.close()
    _forget_cached_ids()


def _forget_cached_ids() -> None:
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def _ledger_version() -> int:
    stamp = apps.get_model("tracker", "LedgerStamp")
    if not _table_exists(stamp._meta.db_table):
        return 0
    return stamp.objects.filter(pk=1).values_list("version", flat=True).first() or 0


def _move_ledger_version_past(before: int) -> None:
    """Figures a running server cached for the empty installation are filed under its ledger
    version; the restored ledger must not carry the same one."""
    from tracker.ledger_cache import ledger_changed

    if _table_exists(apps.get_model("tracker", "LedgerStamp")._meta.db_table):
        ledger_changed(past=before)


def _restore_files(archive: zipfile.ZipFile, files: dict) -> tuple[int, int]:
    """Each file streamed to a temporary name beside its place, its sha256 checked while it is
    written, then renamed into place: a file is there whole or not at all."""
    total = 0
    for name, meta in files.items():
        target = _media_path(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.restoring-{uuid.uuid4().hex}")
        try:
            with temporary.open("wb") as handle:
                total += _checked_copy(archive, f"media/{name}", meta["sha256"], handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        if settings.FILE_UPLOAD_PERMISSIONS is not None:
            os.chmod(target, settings.FILE_UPLOAD_PERMISSIONS)
    return len(files), total


def _pending_migrations() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    return [f"{m.app_label} {m.name}" for m, _backwards in executor.migration_plan(targets)]
