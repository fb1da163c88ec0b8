"""The read replica (config/routers.py, utilities/replica.py): the heavy read-only pages read from
``replica`` when one is configured; writes and every other page stay on ``default``.

The test settings give a ``replica`` alias that mirrors the test database (a second
connection to the same rows), so that what each connection ran can be captured. The tests
are transactional: the second connection sees only committed rows.
"""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from config.routers import ReplicaRouter
from tests.factories import AnnualReportFactory, ItemFactory
from tracker.models import Item, Unit
from utilities.replica import replica_reads

replica_db = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_on(settings):
    settings.LEDGER_READ_REPLICA = True


def ledger_queries(captured) -> list[str]:
    """The queries that read the ledger itself (items), not the session or the user."""
    return [query["sql"] for query in captured.captured_queries if "tracker_item" in query["sql"]]


def test_router_reads_from_the_replica_only_inside_the_block(replica_on):
    router = ReplicaRouter()
    assert router.db_for_read(Item) is None  # Django's default choice: "default"
    with replica_reads():
        assert router.db_for_read(Item) == "replica"
        assert router.db_for_write(Item) == "default"
        with replica_reads():
            assert router.db_for_read(Unit) == "replica"
        assert router.db_for_read(Unit) == "replica"  # the inner block gave back the outer's state
    assert router.db_for_read(Item) is None
    assert router.db_for_write(Item) == "default"
    assert router.allow_migrate("replica", "tracker") is False
    assert router.allow_migrate("default", "tracker") is None


def test_without_a_replica_the_block_changes_nothing(settings):
    settings.LEDGER_READ_REPLICA = False
    with replica_reads():
        assert ReplicaRouter().db_for_read(Item) is None


def test_the_settings_add_the_replica_alias_only_when_asked(monkeypatch):
    import importlib

    import config.settings as base

    monkeypatch.delenv("DATABASE_REPLICA_URL", raising=False)
    plain = importlib.reload(base)
    assert "replica" not in plain.DATABASES and plain.LEDGER_READ_REPLICA is False
    monkeypatch.setenv("DATABASE_REPLICA_URL", "postgres://reader@10.0.0.2:5432/ledger")
    with_replica = importlib.reload(base)
    assert with_replica.LEDGER_READ_REPLICA is True
    assert with_replica.DATABASES["replica"]["HOST"] == "10.0.0.2"
    assert with_replica.DATABASES["replica"]["USER"] == "reader"
    assert with_replica.DATABASES["default"]["HOST"] != "10.0.0.2"
    monkeypatch.delenv("DATABASE_REPLICA_URL")
    importlib.reload(base)


@replica_db
def test_the_dashboard_reads_the_ledger_from_the_replica(replica_on, reviewer_client):
    report = AnnualReportFactory(year=2021, state="active")
    ItemFactory.create_batch(3, report=report)
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        response = reviewer_client.get("/")
    assert response.status_code == 200
    assert response.context["board"] is not None  # the dashboard was drawn
    assert ledger_queries(on_replica)
    assert not ledger_queries(on_default)


@replica_db
@pytest.mark.parametrize("path", ["/units/", "/reports/2021/", "/reports/2021/export/xlsx/"])
def test_the_scoreboard_year_page_and_exports_read_from_the_replica(replica_on, reviewer_client, path):
    report = AnnualReportFactory(year=2021, state="active")
    ItemFactory.create_batch(2, report=report)
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        response = reviewer_client.get(path)
        assert response.status_code == 200
        b"".join(response.streaming_content) if response.streaming else response.content
    assert ledger_queries(on_replica), path
    assert not ledger_queries(on_default), path


@replica_db
def test_a_streamed_csv_reads_its_rows_from_the_replica_while_it_is_sent(replica_on, reviewer_client):
    report = AnnualReportFactory(year=2021, state="active")
    ItemFactory(report=report, title="读副本的事项")
    response = reviewer_client.get("/reports/2021/export/csv/")
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "读副本的事项" in body
    assert ledger_queries(on_replica)
    assert not ledger_queries(on_default)


@replica_db
def test_other_pages_and_every_write_stay_on_default(replica_on, reviewer_client, staff_client, item):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert reviewer_client.get("/items/").status_code == 200
        assert reviewer_client.get(f"/items/{item.pk}/").status_code == 200
        response = staff_client.post(
            f"/items/{item.pk}/", {"note": "写入主库", "status": "in_progress", "version": item.version}
        )
        assert response.status_code in (200, 302)
    assert on_replica.captured_queries == []


@replica_db
def test_without_a_replica_the_dashboard_reads_default(settings, reviewer_client):
    settings.LEDGER_READ_REPLICA = False
    ItemFactory(report=AnnualReportFactory(year=2021, state="active"))
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        assert reviewer_client.get("/").status_code == 200
    assert on_replica.captured_queries == []


@replica_db
def test_a_replica_that_does_not_answer_costs_no_page(replica_on, reviewer_client, monkeypatch):
    from django.db import OperationalError

    from utilities import replica

    replica.replica_back()
    ItemFactory(report=AnnualReportFactory(year=2021, state="active"), title="主库上的事项")
    standby = connections["replica"]

    def refused(*args, **kwargs):
        raise OperationalError("could not connect to server: Connection refused")

    # (An in-memory SQLite connection is never closed, so the failure is its cursor's.)
    monkeypatch.setattr(standby, "create_cursor", refused)
    try:
        with CaptureQueriesContext(connections["default"]) as on_default:
            response = reviewer_client.get("/")
        assert response.status_code == 200 and response.context["board"] is not None
        assert ledger_queries(on_default)  # read again from the primary
        # Found down: the next pages go straight to the primary, without trying it again.
        attempts = []
        monkeypatch.setattr(standby, "create_cursor", lambda *a, **k: attempts.append(1) or refused())
        assert reviewer_client.get("/units/").status_code == 200
        assert attempts == []
    finally:
        replica.replica_back()
