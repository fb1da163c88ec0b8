"""Two people open the same item and save at the same moment, PAIRS times over, through the
whole request stack into a SQLite file (the production settings: WAL, busy timeout,
immediate transactions); prints, as JSON, what each pair was answered and what the
database kept.

Run by tests/test_sqlite_races.py in a subprocess with DJANGO_VAR_DIR set to a temporary
folder, like tests/sqlite_writers.py: the test runner's in-memory database has no such
concurrency to offer.
"""

import json
import os
import re
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

PAIRS = int(sys.argv[1]) if len(sys.argv) > 1 else 20
VERSION = re.compile(r'name="version" value="(\d+)"')


def main():
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from reports.models import AnnualReport
    from tracker import roles
    from tracker.models import Item, Membership, ProgressUpdate, Unit

    report = AnnualReport.objects.create(year=2020, title="并发保存测试", state="active")
    unit = Unit.objects.create(name="县司法局")
    people = []
    for name in ("zhang", "li"):
        user = get_user_model().objects.create_user(name)
        user.groups.add(Group.objects.get(name=roles.STAFF))
        Membership.objects.create(user=user, unit=unit)
        people.append(user)
    items = [
        Item.objects.create(report=report, year=report.year, title=f"事项{n}", lead_unit=unit)
        for n in range(PAIRS)
    ]
    clients = []
    for user in people:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        clients.append((user.username, client))
    connection.close()

    pairs, errors = [], []
    for item in items:
        barrier, answers = threading.Barrier(2), {}

        def save(who, client, item_id=item.pk, barrier=barrier, answers=answers):
            from django.db import connection as own

            try:
                page = client.get(f"/items/{item_id}/").content.decode()
                version = int(VERSION.search(page).group(1))  # the version this person opened
                barrier.wait()
                note = f"{who}写的说明"
                response = client.post(
                    f"/items/{item_id}/", {"note": note, "status": "in_progress", "version": version}
                )
                body = response.content.decode()
                answers[who] = {
                    "opened": version,
                    "status": response.status_code,
                    "told": "已更新此事项" in body,
                    "note_kept": f"{note}</textarea>" in body,
                }
            except Exception as error:  # reported: the test fails on any
                errors.append(f"{type(error).__name__}: {error}")
            finally:
                own.close()

        threads = [threading.Thread(target=save, args=(who, client)) for who, client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        pairs.append(answers)

    kept = []
    for item in Item.objects.filter(pk__in=[i.pk for i in items]).order_by("pk"):
        notes = list(ProgressUpdate.objects.filter(item=item).values_list("note", flat=True))
        kept.append({"status": item.status, "version": item.version, "notes": notes})
    mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    print(json.dumps({"errors": errors, "pairs": pairs, "kept": kept, "journal_mode": mode}))


if __name__ == "__main__":
    main()
