"""Backups under real conditions, run by tests/reports/test_backup.py in subprocesses, each
against an installation of its own (DATABASE_URL or DJANGO_VAR_DIR, DJANGO_MEDIA_ROOT), with
the production settings module (WAL and immediate transactions on SQLite), migrated, no
ledger yet. Prints JSON.

    backup_scenario.py write-and-backup ARCHIVE   writers upload evidence through the request
                                                  stack while `manage.py backup` runs
    backup_scenario.py big-media ARCHIVE MB COUNT a ledger with COUNT evidence files of MB
                                                  (zeros), backed up
    backup_scenario.py restore-capped ARCHIVE MB  `manage.py restore` with the address space
                                                  capped at MB above what the process uses
    backup_scenario.py check ARCHIVE              what the restored installation holds,
                                                  against the archive's manifest
"""

import hashlib
import json
import os
import resource
import sys
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

WRITERS = 6
PASSWORD = "backup-scenario-2020"


def ledger(people: int):
    """A 2020 ledger with one unit, ``people`` staff and one item each."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from reports.models import AnnualReport
    from tracker import roles
    from tracker.models import Item, Membership, Unit

    report = AnnualReport.objects.create(year=2020, title="备份测试", state="active")
    unit = Unit.objects.create(name="县司法局")
    staff = Group.objects.get(name=roles.STAFF)
    users, items = [], []
    for n in range(people):
        user = get_user_model().objects.create_user(f"writer{n}", password=PASSWORD)
        user.groups.add(staff)
        Membership.objects.create(user=user, unit=unit)
        users.append(user)
        items.append(Item.objects.create(report=report, year=report.year, title=f"事项{n}", lead_unit=unit))
    return users, items


def write_and_backup(archive: str) -> dict:
    """Writers log in and post progress notes with two evidence files each, continuously;
    once each has saved a few times, the backup runs; they stop only after it is done."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client, override_settings

    from tracker.models import Item

    # Six logins at PBKDF2's million rounds would cost seconds of CPU and test nothing here.
    override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]).enable()
    users, items = ledger(WRITERS)
    connection.close()
    stop, lock = threading.Event(), threading.Lock()
    saves: list[tuple[float, float, int]] = []  # (started, ended, status)
    errors: list[str] = []
    ready = threading.Barrier(WRITERS + 1)

    def write(n: int):
        from django.db import connection as own

        client = Client(HTTP_HOST="127.0.0.1")
        try:
            login = client.post("/accounts/login/", {"username": users[n].username, "password": PASSWORD})
            assert login.status_code == 302, login.status_code
            done = 0
            while not stop.is_set():
                if done == 3:
                    ready.wait()
                version = Item.objects.values_list("version", flat=True).get(pk=items[n].pk)
                files = [
                    SimpleUploadedFile(
                        f"佐证{n}-{done}-{k}.pdf",
                        b"%PDF-1.4\n" + os.urandom(2000) + b"\n%%EOF\n",
                        content_type="application/pdf",
                    )
                    for k in range(2)
                ]
                started = time.monotonic()
                response = client.post(
                    f"/items/{items[n].pk}/",
                    {"note": f"第{done}次进展", "status": "", "version": version, "files": files},
                )
                with lock:
                    saves.append((started, time.monotonic(), response.status_code))
                done += 1
        except Exception as error:  # reported in the JSON, never hidden
            errors.append(repr(error))
            ready.abort()
        finally:
            own.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=120)
    began = time.monotonic()
    call_command("backup", archive, verbosity=0)
    ended = time.monotonic()
    # A few more saves after the backup, so that the last ones it saw were not the last made.
    time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join()
    statuses = [status for _started, _ended, status in saves]
    return {
        "errors": errors,
        "answers": {str(code): statuses.count(code) for code in sorted(set(statuses))},
        "during": sum(1 for started, finished, _s in saves if started < ended and finished > began),
        "seconds": round(ended - began, 3),
    }


def big_media(archive: str, megabytes: int, count: int) -> dict:
    """``count`` evidence files of ``megabytes`` zeros each (sparse on disk), then a backup."""
    from django.conf import settings

    from tracker.models import Evidence, ProgressUpdate

    users, items = ledger(1)
    size = megabytes * 1024 * 1024
    digest = hashlib.sha256()
    for _ in range(megabytes):
        digest.update(bytes(1024 * 1024))
    for n in range(count):
        update = ProgressUpdate.objects.create(item=items[0], author=users[0], note=f"大文件{n}")
        name = f"evidence/2020/01/big{n}.pdf"
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            handle.truncate(size)
        Evidence.objects.create(
            update=update,
            item=items[0],
            file=name,
            original_name=f"大文件{n}.pdf",
            size=size,
            content_type="application/pdf",
            sha256=digest.hexdigest(),
            uploaded_by=users[0],
        )
    call_command("backup", archive, verbosity=0)
    return {"archive_bytes": Path(archive).stat().st_size, "media_bytes": size * count}


def address_space() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize")


def restore_capped(archive: str, megabytes: int) -> dict:
    """Restore with the address space capped ``megabytes`` above what this process uses once
    Django and the database connection are up."""
    import reports.backup  # noqa: F401  (loaded before the cap is measured)

    connection.ensure_connection()
    baseline = address_space()
    limit = baseline + megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    call_command("restore", archive, verbosity=0)
    return {"baseline": baseline, "limit": limit}


def check(archive: str) -> dict:
    """The restored installation, against the archive's manifest."""
    from django.core.files.storage import default_storage

    from reports.backup import counts
    from tracker.models import Evidence, Item

    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
    files = manifest["files"]
    without_file, mismatched = [], []
    for name, recorded in Evidence.objects.values_list("file", "sha256"):
        if not default_storage.exists(name):
            without_file.append(name)
            continue
        digest = hashlib.sha256()
        with default_storage.open(name, "rb") as handle:
            for chunk in iter(lambda handle=handle: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        if not (digest.hexdigest() == recorded == files.get(name, {}).get("sha256")):
            mismatched.append(name)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM tracker_evidence e LEFT JOIN tracker_progressupdate u "
            "ON u.id = e.update_id WHERE u.id IS NULL"
        )
        orphans = cursor.fetchone()[0]
    # Each save raises the item's version by one and writes one history entry: one moment
    # of the database has them agree.
    versions_off = [item.pk for item in Item.objects.all() if item.version != 1 + item.updates.count()]
    return {
        "counts": counts(),
        "manifest_counts": manifest["counts"],
        "evidence": Evidence.objects.count(),
        "files": len(files),
        "missing": manifest["missing"],
        "without_file": without_file,
        "mismatched": mismatched,
        "orphans": orphans,
        "versions_off": versions_off,
    }


if __name__ == "__main__":
    command, archive, *rest = sys.argv[1:]
    if command == "write-and-backup":
        result = write_and_backup(archive)
    elif command == "big-media":
        result = big_media(archive, int(rest[0]), int(rest[1]))
    elif command == "restore-capped":
        result = restore_capped(archive, int(rest[0]))
    else:
        result = check(archive)
    print(json.dumps(result, ensure_ascii=False))
