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

``escalate()`` runs from ``manage.py send_notifications`` and ``send_reminders``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from . import history, permissions, years
from .choices import MessageKind, UpdateKind
from .ledger_cache import ledger_changed
from .lights import Light, light_q
from .models import Escalation, Item, ProgressUpdate
from .notices import notify
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


def head_ids(item: Item) -> list[int]:
    """The active heads of ``item``'s lead unit."""
    if item.lead_unit_id is None:
        return []
    return list(
        get_user_model()
        .objects.filter(memberships__unit_id=item.lead_unit_id, memberships__is_head=True, is_active=True)
        .values_list("pk", flat=True)
        .distinct()
    )


def leader_ids(item: Item) -> list[int]:
    """The active users who follow ``item``'s area, among those who see its government (areas
    are national; their followers are each county's own leaders)."""
    if item.area_id is None:
        return []
    return list(
        get_user_model()
        .objects.filter(followed_areas=item.area_id, is_active=True)
        .filter(permissions.seeing_government_q(item.report.government))
        .values_list("pk", flat=True)
        .distinct()
    )


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


def _fire(pk: int, level: int, on: date) -> int | None:
    """Escalate item ``pk`` at ``level``: the record, the messages and the history entry, all
    or nothing. None when it is no longer due (done, given a later deadline, or escalated by
    another run meanwhile: the item's row is locked and checked again, and the database
    refuses a second record of a level); else how many messages were written."""
    with transaction.atomic():
        item = _due(level, on).select_for_update(of=("self",)).filter(pk=pk).first()
        if item is None:
            return None
        days = (on - item.due_on).days
        try:
            with transaction.atomic():
                Escalation.objects.create(item=item, level=level, days=days)
        except IntegrityError:  # escalation_once_per_level: a parallel run wrote it first
            return None
        ProgressUpdate.objects.create(
            item=item,
            author=None,
            kind=UpdateKind.ESCALATED,
            event=history.event(history.ESCALATED, level=int(level), days=days),
        )
        recipients = head_ids(item) if level == HEAD else leader_ids(item)
        written = notify(
            kind=MessageKind.ESCALATED,
            item=item,
            to=recipients,
            data={"level": int(level), "days": days},
        )
        ledger_changed()
    return len(written)


def escalate(*, on: date | None = None) -> Outcome:
    """Fire every escalation due on ``on`` (today by default) that has not fired yet: level 1,
    then level 2, so an item past both gets both in order. Returns what it wrote."""
    on = on or timezone.localdate()
    outcome = Outcome()
    for level in (HEAD, LEADERS):
        for pk in list(_due(level, on).order_by("due_on", "pk").values_list("pk", flat=True)):
            written = _fire(pk, level, on)
            if written is None:
                continue
            outcome.messages += written
            if level == HEAD:
                outcome.heads += 1
            else:
                outcome.leaders += 1
    return outcome
