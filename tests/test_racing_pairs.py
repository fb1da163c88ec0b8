"""200 racing edit pairs through gunicorn on PostgreSQL: for each item, two people who opened
the same version save at the same moment; exactly one wins, the other is told the item
changed (409), and nothing is lost or written twice."""

import http.client
import re
import socket
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory, UnitFactory

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from common import gunicorn  # noqa: E402  (bench/common.py: gunicorn on 127.0.0.1)

PAIRS = 200

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="racing saves through gunicorn need PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def session_cookie(user) -> str:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session["last_seen"] = int(time.time())
    session.save()
    return session.session_key


def test_two_hundred_racing_pairs_one_wins_each_nothing_lost():
    from tracker.models import Item, ProgressUpdate

    unit = UnitFactory(name="县司法局")
    people = [StaffFactory(units=[unit]) for _ in range(2)]
    report = AnnualReportFactory(year=2020, state="active")
    items = [ItemFactory(report=report, lead_unit=unit) for _ in range(PAIRS)]
    cookies = [session_cookie(person) for person in people]

    port = free_port()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    # The sessions made here are signed with this process's key: the server needs the same.
    # Development mode: static files need no collectstatic manifest in a fresh checkout.
    extra = {
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
    }
    with gunicorn(port, url, extra, handle_sigterm=False):

        def opened(session_key, item_id):
            """GET the item page as one person: (csrf cookie, token, version)."""
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(
                "GET",
                f"/items/{item_id}/",
                headers={"Cookie": f"sessionid={session_key}", "Host": "127.0.0.1"},
            )
            response = conn.getresponse()
            body = response.read().decode()
            assert response.status == 200, (response.status, response.getheader("Location"), body[:300])
            csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
            version = re.search(r'name="version" value="(\d+)"', body).group(1)
            conn.close()
            return csrf, token, version

        outcomes = {}

        def save(n, who, form, barrier):
            csrf, token, version = form
            body = urlencode(
                {"csrfmiddlewaretoken": token, "note": f"第{who}人的进展", "status": "", "version": version}
            )
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            barrier.wait()
            conn.request(
                "POST",
                f"/items/{items[n].pk}/",
                body=body,
                headers={
                    "Cookie": f"sessionid={cookies[who]}; csrftoken={csrf}",
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Host": "127.0.0.1",
                    "Referer": f"http://127.0.0.1:{port}/items/{items[n].pk}/",
                },
            )
            status = conn.getresponse().status
            conn.close()
            outcomes.setdefault(n, []).append(status)

        for n, item in enumerate(items):
            forms = [opened(cookies[who], item.pk) for who in (0, 1)]
            barrier = threading.Barrier(2)
            threads = [threading.Thread(target=save, args=(n, who, forms[who], barrier)) for who in (0, 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()

    assert all(sorted(statuses) == [302, 409] for statuses in outcomes.values()), outcomes
    assert len(outcomes) == PAIRS
    assert ProgressUpdate.objects.filter(item__in=items).count() == PAIRS
    assert set(Item.objects.filter(pk__in=[i.pk for i in items]).values_list("version", flat=True)) == {2}
