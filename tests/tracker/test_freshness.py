"""Cached figures follow every change to the ledger, whichever path writes it."""

import pytest
from django.db import transaction
from django.db.models import F

from tests.factories import ItemFactory
from tracker import freshness
from tracker.models import Item, LedgerStamp


def stored():
    return LedgerStamp.objects.get(pk=1).version


@pytest.mark.django_db
def test_a_cached_figure_is_counted_again_after_any_write():
    ItemFactory(title="甲")
    count = lambda: Item.objects.count()  # noqa: E731
    assert freshness.cached("n", build=count) == 1
    Item.objects.create(report=Item.objects.get().report, year=Item.objects.get().year, title="乙")
    assert freshness.cached("n", build=count) == 2
    Item.objects.filter(title="乙").update(title="丙")  # no signals: the statement is seen
    assert freshness.cached("titles", build=lambda: sorted(Item.objects.values_list("title", flat=True))) == [
        "丙",
        "甲",
    ]
    Item.objects.filter(title="丙").delete()
    assert freshness.cached("n", build=count) == 1


@pytest.mark.django_db
def test_a_change_made_by_another_process_is_seen_through_the_stored_version():
    calls = []
    build = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert freshness.cached("x", build=build) == 1
    assert freshness.cached("x", build=build) == 1  # cached
    # What another worker's commit leaves behind: only the stored version moved.
    LedgerStamp.objects.filter(pk=1).update(version=F("version") + 1)
    assert freshness.cached("x", build=build) == 2


@pytest.mark.django_db(transaction=True)
def test_the_stored_version_rises_once_per_committed_transaction_and_not_on_rollback():
    ItemFactory()
    before = stored()
    with transaction.atomic():
        item = Item.objects.get()
        for n in range(5):
            Item.objects.filter(pk=item.pk).update(title=f"改{n}")
    assert stored() == before + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        Item.objects.filter(pk=item.pk).update(title="不算")
        raise RuntimeError
    assert stored() == before + 1
    Item.objects.filter(pk=item.pk).update(title="自动提交")  # autocommit: at once
    assert stored() == before + 2


@pytest.mark.django_db(transaction=True)
def test_writes_outside_the_ledger_tables_change_nothing():
    before = stored()
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["x"] = 1
    session.save()
    assert stored() == before


def test_only_writes_to_ledger_tables_count():
    assert freshness._noticed_write('UPDATE "tracker_item" SET "title" = %s')
    assert freshness._noticed_write('INSERT INTO "tracker_progressupdate" ("note") VALUES (%s)')
    assert freshness._noticed_write('DELETE FROM "reports_section" WHERE "id" IN (%s)')
    assert not freshness._noticed_write('UPDATE "django_session" SET "expire_date" = %s')
    assert not freshness._noticed_write('SELECT * FROM "tracker_item"')
    assert not freshness._noticed_write("UPDATE tracker_ledgerstamp SET version = version + 1 WHERE id = 1")


@pytest.mark.django_db
def test_none_is_cached_too():
    calls = []
    build = lambda: calls.append(1)  # noqa: E731 - returns None
    freshness.cached("none", build=build)
    freshness.cached("none", build=build)
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_version_raise_never_fails_the_write(monkeypatch):
    from django.db import DatabaseError

    item = ItemFactory()

    def broken(using):
        raise DatabaseError("the stamp is gone")

    monkeypatch.setattr(freshness, "_bump_database", broken)
    Item.objects.filter(pk=item.pk).update(title="自动提交")
    with transaction.atomic():
        Item.objects.filter(pk=item.pk).update(title="事务中")
    assert Item.objects.get(pk=item.pk).title == "事务中"
