"""Escalation rules (tracker/escalation.py): an item overdue by more than N days is told to its
lead unit's head (level 1), then to the leaders who follow its area (level 2); once per item
and level, recorded with a history entry."""

import threading
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from tests.factories import AnnualReportFactory, ItemFactory, LeaderFactory, StaffFactory, UnitFactory
from tracker.choices import ItemKind, ItemStatus, MessageKind, UpdateKind
from tracker.escalation import escalate
from tracker.models import Area, Escalation, Membership, Message, ProgressUpdate, Push, PushTarget

ON = date(2020, 9, 30)


@pytest.fixture(autouse=True)
def _days(settings):
    settings.LEDGER_ESCALATE_HEAD_DAYS = 7
    settings.LEDGER_ESCALATE_LEADER_DAYS = 30
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def people(lead_unit):
    """The lead unit's head and a plain member, another unit's head, the area's leader and a
    leader following another area."""
    head = StaffFactory(username="head", units=[lead_unit])
    Membership.objects.filter(user=head).update(is_head=True)
    member = StaffFactory(username="member", units=[lead_unit])
    elsewhere = StaffFactory(username="elsewhere", units=[UnitFactory()])
    Membership.objects.filter(user=elsewhere).update(is_head=True)
    area_leader = LeaderFactory(username="area_leader")
    other_leader = LeaderFactory(username="other_leader")
    area = Area.objects.get(code="2015-functions")
    area.followers.add(area_leader)
    Area.objects.exclude(pk=area.pk).first().followers.add(other_leader)
    return {
        "head": head,
        "member": member,
        "elsewhere": elsewhere,
        "area_leader": area_leader,
        "other_leader": other_leader,
    }


def overdue_by(days, lead_unit, **kwargs):
    report = AnnualReportFactory(year=2020, state="active")
    return ItemFactory(report=report, lead_unit=lead_unit, due_on=ON - timedelta(days=days), **kwargs)


def told(item, kind=MessageKind.ESCALATED):
    return sorted(
        Message.objects.filter(item=item, kind=kind).values_list("recipient__username", "data__level")
    )


@pytest.mark.django_db
def test_level_1_fires_at_n_plus_one_days_overdue_not_at_n(lead_unit, people):
    at_n = overdue_by(7, lead_unit)
    past_n = overdue_by(8, lead_unit)
    outcome = escalate(on=ON)
    assert (outcome.heads, outcome.leaders) == (1, 0)
    assert not Escalation.objects.filter(item=at_n).exists()
    assert list(Escalation.objects.filter(item=past_n).values_list("level", "days")) == [(1, 8)]
    assert told(at_n) == []
    assert told(past_n) == [("head", 1)]


@pytest.mark.django_db
def test_level_2_fires_past_its_own_days_to_the_areas_leaders_only(lead_unit, people):
    at_n = overdue_by(30, lead_unit)
    past_n = overdue_by(31, lead_unit)
    escalate(on=ON)
    assert told(at_n) == [("head", 1)]
    # Past both the first time it is seen: both levels, in order, in one run.
    assert told(past_n) == [("area_leader", 2), ("head", 1)]
    levels = Escalation.objects.filter(item=past_n).order_by("pk").values_list("level", flat=True)
    assert list(levels) == [1, 2]


@pytest.mark.django_db
def test_each_level_fires_once_across_repeated_runs(lead_unit, people):
    item = overdue_by(10, lead_unit)
    escalate(on=ON)
    escalate(on=ON)
    escalate(on=ON + timedelta(days=5))
    assert told(item) == [("head", 1)]
    # Later it passes the leaders' days: level 2 fires, level 1 does not again.
    escalate(on=ON + timedelta(days=25))
    escalate(on=ON + timedelta(days=26))
    assert told(item) == [("area_leader", 2), ("head", 1)]
    assert Escalation.objects.filter(item=item).count() == 2
    assert ProgressUpdate.objects.filter(item=item, kind=UpdateKind.ESCALATED).count() == 2
    assert escalate(on=ON + timedelta(days=60)).heads == 0


@pytest.mark.django_db
def test_the_database_refuses_a_second_escalation_of_a_level_or_an_unknown_level(lead_unit):
    item = overdue_by(10, lead_unit)
    Escalation.objects.create(item=item, level=1, days=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(item=item, level=1, days=11)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(item=item, level=3, days=11)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "days, expected",
    [
        (3, []),
        (8, [("head", 1)]),
        (40, [("area_leader", 2), ("head", 1)]),
    ],
)
def test_exactly_the_right_people_are_told(lead_unit, people, days, expected):
    # Not the unit's other members, not another unit's head, not a leader of another area.
    item = overdue_by(days, lead_unit)
    escalate(on=ON)
    assert told(item) == expected


@pytest.mark.django_db
def test_an_inactive_head_is_not_told_and_a_unit_without_head_is_still_recorded(lead_unit, people):
    people["head"].is_active = False
    people["head"].save()
    item = overdue_by(40, lead_unit, area=None)
    outcome = escalate(on=ON)
    assert told(item) == []
    assert (outcome.heads, outcome.leaders, outcome.messages) == (1, 1, 0)
    assert Escalation.objects.filter(item=item).count() == 2


@pytest.mark.django_db
def test_the_history_says_it_in_the_readers_language(lead_unit, people):
    item = overdue_by(40, lead_unit)
    escalate(on=ON)
    entries = ProgressUpdate.objects.filter(item=item, kind=UpdateKind.ESCALATED).order_by("pk")
    assert [entry.author for entry in entries] == [None, None]
    with translation.override("en"):
        assert [entry.text for entry in entries] == [
            "Overdue by 40 days: escalated to the head of its lead unit.",
            "Overdue by 40 days: escalated to the leaders following its area.",
        ]
    with translation.override("zh-hans"):
        assert entries[0].text == "逾期40天：已升级督办至牵头单位负责人。"
        assert entries[1].text == "逾期40天：已升级督办至分管领导。"


@pytest.mark.django_db
def test_the_message_reads_as_its_history_entry(lead_unit, people, client):
    item = overdue_by(8, lead_unit)
    escalate(on=ON)
    client.force_login(people["head"])
    with translation.override("zh-hans"):
        page = client.get("/inbox/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert item.title in page
    assert "逾期8天：已升级督办至牵头单位负责人。" in page


@pytest.mark.django_db
def test_a_global_chat_group_hears_of_each_level(lead_unit, people):
    PushTarget.objects.create(name="县法治办群", kind="wecom", url="http://127.0.0.1:9/hook")
    item = overdue_by(40, lead_unit)
    escalate(on=ON)
    pushes = list(Push.objects.filter(item=item).order_by("pk"))
    assert [push.event for push in pushes] == ["escalated", "escalated"]
    assert pushes[0].title == f"升级督办：{item.title}"
    assert "逾期40天：已升级督办至牵头单位负责人。" in pushes[0].text
    assert "逾期40天：已升级督办至分管领导。" in pushes[1].text
    escalate(on=ON)
    assert Push.objects.filter(item=item).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": ItemStatus.DONE},
        {"kind": ItemKind.ACHIEVEMENT},
        {"due_on": None},
    ],
)
def test_done_untracked_or_undated_items_never_escalate(lead_unit, people, kwargs):
    report = AnnualReportFactory(year=2020, state="active")
    values = {"due_on": ON - timedelta(days=100), **kwargs}
    item = ItemFactory(report=report, lead_unit=lead_unit, **values)
    assert escalate(on=ON).heads == 0
    assert not Escalation.objects.filter(item=item).exists()
    assert told(item) == []


@pytest.mark.django_db
def test_closed_years_never_escalate(lead_unit, people):
    report = AnnualReportFactory(year=2019, state="closed")
    item = ItemFactory(report=report, lead_unit=lead_unit, due_on=ON - timedelta(days=100))
    assert escalate(on=ON).heads == 0
    assert not Escalation.objects.filter(item=item).exists()
    assert not ProgressUpdate.objects.filter(item=item).exists()


@pytest.mark.django_db
def test_the_commands_escalate_and_say_how_many(lead_unit, people, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args: ON)
    item = overdue_by(40, lead_unit)
    out = StringIO()
    call_command("send_notifications", stdout=out)
    assert "escalations: 1 to unit heads, 1 to area leaders, 2 messages" in out.getvalue()
    out = StringIO()
    call_command("send_reminders", "--no-mail", stdout=out)
    assert "escalations: 0 to unit heads, 0 to area leaders, 0 messages" in out.getvalue()
    assert Escalation.objects.filter(item=item).count() == 2


@pytest.mark.django_db
def test_the_admin_sets_unit_heads_and_offers_only_leaders_to_follow_an_area(
    superuser_client, lead_unit, people
):
    from django.urls import reverse

    page = superuser_client.get(reverse("admin:tracker_unit_change", args=[lead_unit.pk]))
    assert page.status_code == 200
    assert 'name="memberships-0-is_head"' in page.content.decode()
    area = Area.objects.get(code="2015-functions")
    page = superuser_client.get(reverse("admin:tracker_area_change", args=[area.pk]))
    choices = page.context["adminform"].form.fields["followers"].queryset
    assert set(choices.values_list("username", flat=True)) == {"area_leader", "other_leader"}


@pytest.mark.django_db
def test_a_level_another_run_fired_meanwhile_is_not_written_twice(lead_unit, people, monkeypatch):
    from tracker import escalation
    from tracker.models import Item

    item = overdue_by(10, lead_unit)
    # Another run fires it between this run's listing and its write.
    Escalation.objects.create(item=item, level=1, days=10)
    assert escalation._fire([item.pk], Escalation.Level.HEAD, ON) == (0, 0)
    # Even when the check under the row lock does not see it yet (another snapshot), the
    # database refuses the second record, and nothing else is written.
    monkeypatch.setattr(escalation, "_due", lambda level, on: Item.objects.all())
    assert escalation._fire([item.pk], Escalation.Level.HEAD, ON) == (0, 0)
    assert Escalation.objects.filter(item=item).count() == 1
    assert told(item) == []
    assert not ProgressUpdate.objects.filter(item=item, kind=UpdateKind.ESCALATED).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_escalate_each_item_once_per_level(lead_unit, people):
    items = [overdue_by(40 + n, lead_unit) for n in range(5)]
    barrier = threading.Barrier(2)
    failures = []

    def run():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            escalate(on=ON)
        except Exception as error:  # any failure of either run is reported
            failures.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for item in items:
        assert sorted(Escalation.objects.filter(item=item).values_list("level", flat=True)) == [1, 2]
        assert told(item) == [("area_leader", 2), ("head", 1)]
        assert ProgressUpdate.objects.filter(item=item, kind=UpdateKind.ESCALATED).count() == 2


@pytest.mark.django_db
def test_a_refused_record_undoes_only_its_own_item_of_the_batch(lead_unit, people, monkeypatch):
    from tracker import escalation
    from tracker.models import Item

    first, second = overdue_by(10, lead_unit), overdue_by(11, lead_unit)
    # A writer that took no lock recorded the first meanwhile, unseen by this run's check.
    Escalation.objects.create(item=first, level=1, days=10)
    monkeypatch.setattr(escalation, "_due", lambda level, on: Item.objects.all())
    assert escalation._fire([first.pk, second.pk], Escalation.Level.HEAD, ON) == (1, 1)
    assert told(first) == []
    assert told(second) == [("head", 1)]
    assert list(ProgressUpdate.objects.filter(kind=UpdateKind.ESCALATED).values_list("item", flat=True)) == [
        second.pk
    ]


@pytest.mark.django_db
def test_a_run_costs_the_same_queries_for_3_items_as_for_30(lead_unit, people):
    from django.test.utils import CaptureQueriesContext

    PushTarget.objects.create(name="县法治办群", kind="wecom", url="http://127.0.0.1:9/hook")
    PushTarget.objects.create(name="单位群", kind="json", url="http://127.0.0.1:9/unit", unit=lead_unit)

    def queries(count, start):
        for n in range(count):
            overdue_by(40 + start + n, lead_unit)
        with CaptureQueriesContext(connection) as context:
            outcome = escalate(on=ON)
        assert (outcome.heads, outcome.leaders) == (count, count)
        return len(context)

    assert queries(3, 0) == queries(30, 100)
    # Each level of each item: the head or the leader told, both groups pushed.
    assert Message.objects.filter(kind=MessageKind.ESCALATED).count() == 66
    assert Push.objects.count() == 33 * 2 * 2


@pytest.mark.django_db
def test_a_units_own_group_hears_only_of_its_units_items(lead_unit, people):
    other = UnitFactory()
    PushTarget.objects.create(name="单位群", kind="json", url="http://127.0.0.1:9/unit", unit=lead_unit)
    mine = overdue_by(10, lead_unit)
    cooperating = overdue_by(10, other)
    cooperating.cooperating_units.add(lead_unit)
    elsewhere = overdue_by(10, other)
    escalate(on=ON)
    assert set(Push.objects.values_list("item", flat=True)) == {mine.pk, cooperating.pk}
    assert not Push.objects.filter(item=elsewhere).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement path is PostgreSQL's")
@pytest.mark.django_db
def test_the_one_statement_path_writes_the_rows_the_orm_writes(lead_unit, people, monkeypatch):
    from tracker import escalation

    Membership.objects.create(
        user=StaffFactory(username="gone", is_active=False), unit=lead_unit, is_head=True
    )
    for days in (10, 40, 41):
        overdue_by(days, lead_unit)
    overdue_by(40, lead_unit, area=None)
    overdue_by(40, UnitFactory())  # a unit without a head

    def rows(model):
        fields = [
            field.attname
            for field in model._meta.concrete_fields
            if field.attname not in ("id", "created_at")
        ]
        return sorted(model.objects.values_list(*fields), key=repr)

    def written(in_one_statement):
        monkeypatch.setattr(escalation, "_in_one_statement", lambda: in_one_statement)
        outcome = escalate(on=ON)
        snapshot = (outcome, rows(Escalation), rows(ProgressUpdate), rows(Message))
        for model in (Escalation, ProgressUpdate, Message):
            model.objects.all().delete()
        return snapshot

    through_the_orm = written(False)
    assert (through_the_orm[0].messages, len(through_the_orm[2])) == (7, 9)
    assert written(True) == through_the_orm


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics are PostgreSQL's")
@pytest.mark.django_db
def test_a_large_first_level_refreshes_the_planners_statistics_before_the_second(
    lead_unit, people, monkeypatch
):
    from django.test.utils import CaptureQueriesContext

    from tracker import escalation

    monkeypatch.setattr(escalation, "BATCH", 2)
    for days in (40, 41, 42):
        overdue_by(days, lead_unit)
    with CaptureQueriesContext(connection) as context:
        outcome = escalate(on=ON)
    assert (outcome.heads, outcome.leaders) == (3, 3)
    statements = [query["sql"] for query in context.captured_queries]
    analyzed = [n for n, sql in enumerate(statements) if sql.startswith("ANALYZE")]
    assert len(analyzed) == 1
    assert "tracker_escalation" in statements[analyzed[0]]


@pytest.mark.django_db
def test_an_areas_followers_hear_only_of_their_own_governments_items(lead_unit, people):
    from tests.factories import GovernmentFactory
    from tracker.models import Affiliation

    ours = overdue_by(40, lead_unit)  # while the county is the only government
    home = lead_unit.government
    Affiliation.objects.create(user=people["area_leader"], government=home)
    elsewhere = GovernmentFactory(name="获嘉县")
    far_leader = LeaderFactory(username="far_leader", government=elsewhere)
    Area.objects.get(code="2015-functions").followers.add(far_leader)
    report = AnnualReportFactory(government=elsewhere, year=2020, state="active")
    theirs = ItemFactory(
        report=report, lead_unit=UnitFactory(government=elsewhere), due_on=ON - timedelta(days=40)
    )
    escalate(on=ON)
    assert told(ours) == [("area_leader", 2), ("head", 1)]
    assert told(theirs) == [("far_leader", 2)]
