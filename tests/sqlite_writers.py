"""Eight people save progress at once, through the whole request stack (middleware, views,
services), into a SQLite file; prints what happened as JSON.

Run by tests/test_settings.py in a subprocess with DJANGO_VAR_DIR set to a temporary folder,
so that it uses the production SQLite settings (WAL, busy timeout, immediate transactions)
on a real file, not the test runner's in-memory database.
"""

import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import OperationalError, connection  # noqa: E402

WRITERS, ROUNDS = 8, 10


def main():
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from reports.models import AnnualReport
    from tracker import roles
    from tracker.models import Item, Membership, ProgressUpdate, Unit

    report = AnnualReport.objects.create(year=2020, title="并发写入测试")
    unit = Unit.objects.create(name="县司法局")
    user = get_user_model().objects.create_user("writer")
    user.groups.add(Group.objects.get(name=roles.STAFF))
    Membership.objects.create(user=user, unit=unit)
    items = [
        Item.objects.create(report=report, year=report.year, title=f"事项{n}", lead_unit=unit)
        for n in range(WRITERS)
    ]
    connection.close()
    errors, statuses, barrier = [], [], threading.Barrier(WRITERS)

    def write(item_id):
        from django.db import connection as own
        from django.test import Client

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        try:
            barrier.wait()
            for n in range(ROUNDS):
                version = Item.objects.values_list("version", flat=True).get(pk=item_id)
                response = client.post(
                    f"/items/{item_id}/", {"note": f"第{n}次", "status": "", "version": version}
                )
                statuses.append(response.status_code)
        except OperationalError as error:
            errors.append(str(error))
        finally:
            own.close()

    threads = [threading.Thread(target=write, args=(item.pk,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mode = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]
    answers = {str(code): statuses.count(code) for code in sorted(set(statuses))}
    print(
        json.dumps(
            {
                "errors": errors,
                "answers": answers,
                "updates": ProgressUpdate.objects.count(),
                "journal_mode": mode,
            }
        )
    )


if __name__ == "__main__":
    main()
