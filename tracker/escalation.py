"""Escalation rules (督办升级): an item overdue too long is taken higher, once per level.

- Level 1: a tracked, open item of an open year overdue by more than
  ``settings.LEDGER_ESCALATE_HEAD_DAYS`` days (its deadline is before ``on - N``) is escalated to
  the heads of its lead unit (``Membership.is_head``, 单位负责人).
- Level 2: overdue by more than ``settings.LEDGER_ESCALATE_LEADER_DAYS`` days, to the leaders who
  follow its area (``Area.followers``, set in the administration). Level 2 fires only with or
  after level 1: an item past both the first time it is seen gets both, in the same run.

Each rule fires once per item and level: an ``Escalation`` row records that it did (the
``escalation_once_per_level`` constraint), written in one transaction with the level's
messages (``notify(kind=ESCALATED)``, which also writes the chat groups' pushes) and a history
entry of the item (``UpdateKind.ESCALATED``, worded in tracker/history.py). Running again the
same day or later writes nothing new; two runs at once cannot both write a level (the
constraint refuses the second, whose item is then skipped).

A level with nobody to tell (a unit without a head, an area no leader follows, an item
without an area) is still recorded, with its history entry and its push to the chat groups:
the item was escalated as far as the rules say, and level 2 can follow on time. Who is set as head or follower later hears of
the items escalated after that, not before. An item done, given a later deadline or moved to
another unit keeps its escalations: they are history.

A run fires up to ``BATCH`` items of a level in one transaction, in a few statements (on
PostgreSQL the history entries and messages in one): a first run over a long backlog takes
seconds per ten thousand items, not minutes (bench/inbox_bench.py).

``escalate()`` runs from ``manage.py send_notifications`` and ``send_reminders``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from . import history, permissions, years
from .choices import MessageKind, UpdateKind
from .ledger_cache import ledger_changed
from .lights import Light, light_q
from .models import Area, Escalation, Government, Item, Membership, Message, ProgressUpdate
from .notices import notify_each, push_each
from .workflow import tracked_q

HEAD = Escalation.Level.HEAD
LEADERS = Escalation.Level.LEADERS


@dataclass
class Outcome:
    """What one run escalated: items per level, and the messages written."""

    heads: int = 0
    leaders: int = 0
    messages: int = 0


def level_days() -> dict[int, int]:
    """Days overdue past which each level fires."""
    return {HEAD: settings.LEDGER_ESCALATE_HEAD_DAYS, LEADERS: settings.LEDGER_ESCALATE_LEADER_DAYS}


def _recipients(items: list[Item], level: int) -> dict[int, list[int]]:
    """Who hears of each of ``items``' escalation at ``level``, by item: the active heads of
    its lead unit (level 1; a unit is its government's own), or the active users who follow
    its area among those who see its government (level 2: areas are national, their
    followers each government's own leaders). One query for level 1, one per government of
    the items for level 2."""
    User = get_user_model()
    told: dict[int, list[int]] = {item.pk: [] for item in items}
    if level == HEAD:
        heads = defaultdict(list)
        memberships = Membership.objects.filter(
            unit_id__in={item.lead_unit_id for item in items} - {None}, is_head=True, user__is_active=True
        )
        for unit_id, user_id in memberships.values_list("unit_id", "user_id").distinct():
            heads[unit_id].append(user_id)
        for item in items:
            told[item.pk] = heads.get(item.lead_unit_id, [])
        return told
    by_government = defaultdict(list)
    for item in items:
        if item.area_id is not None:
            by_government[item.government_id].append(item)
    governments = Government.objects.in_bulk(list(by_government))
    for government_id, its_items in by_government.items():
        seeing = User.objects.filter(permissions.seeing_government_q(governments[government_id]))
        following = Area.followers.through.objects.filter(
            area_id__in={item.area_id for item in its_items}, user__is_active=True, user__in=seeing
        )
        followers = defaultdict(list)
        for area_id, user_id in following.values_list("area_id", "user_id").distinct():
            followers[area_id].append(user_id)
        for item in its_items:
            told[item.pk] = followers.get(item.area_id, [])
    return told


def _due(level: int, on: date) -> QuerySet:
    """The items due to be escalated at ``level`` on ``on``: tracked, not done, of an open
    year, overdue by more than the level's days, not escalated at that level yet (and, for
    level 2, escalated at level 1). One query."""
    latest_deadline = on - timedelta(days=level_days()[level] + 1)
    items = (
        Item.objects.filter(tracked_q(), light_q(Light.RED, on), due_on__lte=latest_deadline)
        .exclude(years.closed_q())
        .exclude(Exists(Escalation.objects.filter(item=OuterRef("pk"), level=level)))
    )
    if level == LEADERS:
        items = items.filter(Exists(Escalation.objects.filter(item=OuterRef("pk"), level=HEAD)))
    return items


class _Refused(Exception):
    """The database refused an escalation record of a batch (another run wrote it first)."""


def _data(item: Item, level: int, on: date) -> dict:
    """The values an escalation's history entry and messages are worded from."""
    return {"level": int(level), "days": (on - item.due_on).days}


def _write(items: list[Item], level: int, on: date) -> int:
    """The records, history entries, messages and pushes of ``items``' escalation at
    ``level``: a few inserts. Returns how many messages were written; ``_Refused`` when the
    database refuses a record."""
    try:
        with transaction.atomic():
            Escalation.objects.bulk_create(
                [Escalation(item=item, level=level, days=(on - item.due_on).days) for item in items]
            )
    except IntegrityError as error:
        raise _Refused from error
    ProgressUpdate.objects.bulk_create(
        [
            ProgressUpdate(
                item=item,
                author=None,
                kind=UpdateKind.ESCALATED,
                event=history.event(history.ESCALATED, **_data(item, level, on)),
            )
            for item in items
        ]
    )
    recipients = _recipients(items, level)
    written = notify_each(
        kind=MessageKind.ESCALATED,
        told=[(item, recipients[item.pk], _data(item, level, on)) for item in items],
    )
    return len(written)


def _in_one_statement() -> bool:
    """Whether the database writes a batch's records, entries and messages in one statement."""
    return connection.vendor == "postgresql"


def _write_in_one_statement(items: list[Item], level: int, on: date) -> int:
    """``_write()``'s records, history entries and messages in one statement, on PostgreSQL:
    the same rows (tests/tracker/test_escalation.py compares them), without building a model
    object per row (who is told is `_recipients()`'s answer, as for the ORM). A first run over a backlog of 125k items overdue by more than 30 days
    (250k escalations, bench/inbox_bench.py) takes about 200 µs an escalation this way against
    400 µs through the ORM on a busy two-core machine. The pushes are still written by
    ``notices.push_each()``."""
    recipients = _recipients(items, level)
    told = [(item.pk, user_id) for item in items for user_id in sorted(recipients[item.pk])]
    sql = f"""
        WITH batch AS (
            SELECT item_id, days FROM unnest(%(items)s::bigint[], %(days)s::int[]) AS b (item_id, days)
        ), records AS (
            INSERT INTO {Escalation._meta.db_table} (item_id, level, days, created_at)
            SELECT item_id, %(level)s, days, %(now)s FROM batch
        ), entries AS (
            INSERT INTO {ProgressUpdate._meta.db_table}
                (item_id, author_id, created_at, kind, note, status_from, status_to, instruction_id, event)
            SELECT item_id, NULL, %(now)s, %(update_kind)s, '', '', '', NULL,
                   jsonb_build_object('code', %(code)s::text, 'level', %(level)s::int, 'days', days)
            FROM batch
        )
        INSERT INTO {Message._meta.db_table}
            (recipient_id, kind, item_id, actor_id, text, data, "on", created_at, read_at)
        SELECT told.user_id, %(message_kind)s, told.item_id, NULL, '',
               jsonb_build_object('level', %(level)s::int, 'days', batch.days), NULL, %(now)s, NULL
        FROM unnest(%(told_items)s::bigint[], %(told_users)s::bigint[]) AS told (item_id, user_id)
        JOIN batch ON batch.item_id = told.item_id
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    "items": [item.pk for item in items],
                    "days": [(on - item.due_on).days for item in items],
                    "now": timezone.now(),
                    "level": int(level),
                    "code": history.ESCALATED,
                    "update_kind": UpdateKind.ESCALATED.value,
                    "message_kind": MessageKind.ESCALATED.value,
                    "told_items": [item_id for item_id, _user in told],
                    "told_users": [user_id for _item, user_id in told],
                },
            )
            written = cursor.rowcount
    except IntegrityError as error:  # escalation_once_per_level
        raise _Refused from error
    push_each(kind=MessageKind.ESCALATED, told=[(item, _data(item, level, on)) for item in items])
    return written


def _fire(pks: list[int], level: int, on: date) -> tuple[int, int]:
    """Escalate the items ``pks`` at ``level``: their records, history entries, messages and
    pushes, all or nothing, in a few statements whatever their number. Returns how many items
    were escalated and how many messages written.

    The items' rows are locked (in order of pk, so two runs cannot deadlock) and only then
    checked again by a fresh query, which sees what another run committed meanwhile: items
    no longer due (done, given a later deadline, escalated by that run) are left out. Should
    the database still refuse a record (``escalation_once_per_level``: a writer that took no
    lock), the batch is undone and tried again item by item, so that the others still fire.
    """
    try:
        with transaction.atomic():
            list(Item.objects.select_for_update().filter(pk__in=pks).order_by("pk").values_list("pk"))
            items = list(
                _due(level, on)
                .filter(pk__in=pks)
                .annotate(government_id=F("report__government_id"))
                .only("pk", "title", "due_on", "lead_unit_id", "area_id")
                .order_by("due_on", "pk")
            )
            if not items:
                return 0, 0
            write = _write_in_one_statement if _in_one_statement() else _write
            written = write(items, level, on)
            ledger_changed()
            return len(items), written
    except _Refused:
        if len(pks) == 1:
            return 0, 0
        fired = [_fire([pk], level, on) for pk in pks]
        return sum(items for items, _written in fired), sum(written for _items, written in fired)


# Items escalated in one transaction: big enough that a first run over a long backlog takes
# seconds, small enough that the locks are held briefly.
BATCH = 2000


def escalate(*, on: date | None = None) -> Outcome:
    """Fire every escalation due on ``on`` (today by default) that has not fired yet: level 1,
    then level 2, so an item past both gets both in order. Returns what it wrote."""
    on = on or timezone.localdate()
    outcome = Outcome()
    for level in (HEAD, LEADERS):
        pks = list(_due(level, on).order_by("due_on", "pk").values_list("pk", flat=True))
        for start in range(0, len(pks), BATCH):
            items, written = _fire(pks[start : start + BATCH], level, on)
            outcome.messages += written
            if level == HEAD:
                outcome.heads += items
            else:
                outcome.leaders += items
        if level == HEAD and outcome.heads >= BATCH:
            _refresh_statistics()
    return outcome


def _refresh_statistics() -> None:
    """Tell PostgreSQL's planner how many records level 1 just wrote, before level 2 asks
    which items it escalated. Without it, a first run over a backlog (an empty table a moment
    ago, 125k records now) plans level 2's query as if there were none and takes minutes
    instead of a second, until autovacuum comes by."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {Escalation._meta.db_table}")
