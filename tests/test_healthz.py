"""/healthz with the scale-out parts switched on (tracker/views.py): each configured part is
reported; only the database (and this host's own folders, tests/tracker/test_views.py) make
the answer 503, shared parts that fail are reported with the answer still 200."""

from unittest import mock

import pytest
from django.db import OperationalError

from tests.test_s3_storage import BUCKET, s3  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
# The replica alias mirrors the test database: a second connection, which sees committed rows.
replica_db = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


def healthz(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_a_single_server_reports_the_shared_parts_off(client):
    status, body = healthz(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "database": "ok",
        "media": "ok",
        "replica": "off",
        "cache": "off",
        "queue": "off",
        "storage": "ok",
    }


@replica_db
def test_the_replica_is_asked_too_and_its_fault_is_reported_not_fatal(client, settings):
    settings.LEDGER_READ_REPLICA = True
    assert healthz(client) == (200, {**healthz(client)[1], "replica": "ok"})
    from django.db import connections

    with mock.patch.object(connections["replica"], "cursor", side_effect=OperationalError("down")):
        status, body = healthz(client)
    assert status == 200 and body["replica"] == "unavailable" and body["database"] == "ok"


@replica_db
def test_the_database_down_is_503_whatever_the_rest(client, settings):
    settings.LEDGER_READ_REPLICA = True
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        status, body = healthz(client)
    assert status == 503
    assert (
        body["status"] == "error" and body["database"] == "unavailable" and body["replica"] == "unavailable"
    )


def test_the_shared_cache_is_written_and_read_back(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"  # configured; the test cache stands in for it
    assert healthz(client)[1]["cache"] == "ok"
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }
    status, body = healthz(client)
    assert status == 200 and body["cache"] == "unavailable"


def test_the_queue_needs_redis_and_a_worker(client, settings, monkeypatch):
    import fakeredis
    from rq import Queue, Worker

    settings.LEDGER_JOBS_QUEUED = True
    redis = fakeredis.FakeStrictRedis()
    monkeypatch.setattr("jobs.runner.redis_connection", lambda **kwargs: redis)
    assert healthz(client)[1]["queue"] == "no worker"
    worker = Worker([Queue("default", connection=redis)], connection=redis)
    worker.register_birth()
    assert healthz(client)[1]["queue"] == "ok"
    worker.register_death()

    from redis import Redis

    monkeypatch.setattr(
        "jobs.runner.redis_connection", lambda **kwargs: Redis(port=1, socket_connect_timeout=0.2)
    )
    status, body = healthz(client)
    assert status == 200 and body["queue"] == "unavailable"


def test_s3_storage_answers_for_its_bucket(client, s3, settings):  # noqa: F811
    status, body = healthz(client)
    assert status == 200 and body["storage"] == "ok" and body["media"] == "ok"
    s3.delete_bucket(Bucket=BUCKET)
    status, body = healthz(client)
    assert status == 200 and body["storage"] == "unavailable"
