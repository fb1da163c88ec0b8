"""The message centre (/inbox/): what concerns each person, one message per person and event.

Writing. ``notify()`` is the one way a message is written (``notify_each()`` for an event of
many items; the escalation run on PostgreSQL writes the same rows in one statement, and a
test compares them). The services call it inside the
transaction of the event it tells of (tracker/services.py: a submission, a review, an
instruction, its reply and its handling, an extension's decision), so a message exists if and
only if its event was committed; the daily run (tracker/reminders.py) writes the due-soon and
overdue ones. Views never write messages, they only mark them read. Later senders (催办, the
escalations) call it the same way with their kind (``MessageKind.CHASED`` is defined for 催办)::

    notify(kind=MessageKind.CHASED, item=item, actor=user, to=LEAD_STAFF, text=note)

``to`` names who hears of it: ``REVIEWERS`` (everyone in the reviewer role, superusers
included, as ``tracker.permissions`` counts them), ``LEAD_STAFF`` (the unit staff of the item's
lead unit: the people ``permissions.is_lead_staff`` lets work on it), or explicit users (the
author of an instruction, who asked for an extension). Inactive accounts and the actor are
left out: nobody is told of his or her own act. One query finds the people, one inserts.

Reading. A message stores what happened (``kind``, ``item``, ``actor``, ``data``: plain values
such as a date) and what a person wrote (``text``, as written). Its sentence is drawn when it
is read, in the reader's language (``describe``), as tracker/history.py does for history
entries; no translated text is stored. ``inbox()`` lists a person's own messages only; the
menu bar's count is ``unread_count()``: one query, an index-only count over the partial index
of unread messages (``message_unread_idx``), stopped at ``UNREAD_CAP``.

A message stays when its item later moves to another unit; opening it then answers as the
item's page does for that person (404 when he or she may no longer see it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from utilities.people import user_label

from . import history, permissions, pushes
from .choices import MessageKind
from .models import Item, Message

# Audiences ``notify(to=...)`` resolves.
REVIEWERS = "reviewers"
LEAD_STAFF = "lead_staff"

# The menu bar counts unread messages up to this, and shows "99+" beyond.
UNREAD_CAP = 100


def _recipient_ids(to, item: Item) -> set[int]:
    if to == REVIEWERS:  # those who see the item's government, not every county's office
        return set(permissions.reviewer_ids(item.report.government))
    if to == LEAD_STAFF:
        return set(permissions.lead_staff_ids(item))
    if isinstance(to, str):
        raise ValueError(f"unknown audience {to!r}")
    wanted = {getattr(person, "pk", person) for person in to if person is not None}
    active = get_user_model().objects.filter(pk__in=wanted, is_active=True)
    return set(active.values_list("pk", flat=True))


def notify(
    *,
    kind: str,
    item: Item,
    to: str | Iterable,
    actor=None,
    text: str = "",
    data: dict | None = None,
) -> list[Message]:
    """Tell ``to`` (``REVIEWERS``, ``LEAD_STAFF``, or users or their ids) that ``kind``
    happened to ``item``, done by ``actor`` (None: the ledger itself), with what the actor
    wrote (``text``) and the values the sentence needs (``data``, plain JSON).

    Must run inside the transaction that writes the event (RuntimeError otherwise), so that
    the messages and their event are committed, or rolled back, together. The actor is never
    told; returns the messages written (none when nobody else is concerned).
    """
    recipients = _recipient_ids(to, item)
    recipients.discard(getattr(actor, "pk", None))
    return notify_each(kind=kind, told=[(item, recipients, data or {})], actor=actor, text=text)


def notify_each(
    *, kind: str, told: list[tuple[Item, Iterable[int], dict]], actor=None, text: str = ""
) -> list[Message]:
    """``notify()`` for an event that happened to many items at once (an escalation run): each
    ``(item, recipient ids, data)`` of ``told`` is written as ``notify()`` writes one (same
    rules, same transaction), the messages in one insert and the chat groups' pushes in three
    queries whatever the number of items. The recipients are taken as given (active users,
    the actor left out: the caller's query)."""
    if not connection.in_atomic_block:
        raise RuntimeError("notify() runs inside the transaction of the event it tells of.")
    if kind not in MessageKind.values:
        raise ValueError(f"unknown message kind {kind!r}")
    now = timezone.now()
    written = Message.objects.bulk_create(
        [
            Message(
                recipient_id=pk,
                kind=kind,
                item=item,
                actor=actor,
                text=text or "",
                data=data,
                created_at=now,
            )
            for item, recipients, data in told
            for pk in sorted(recipients)
        ],
        batch_size=1000,
    )
    push_each(kind=kind, told=[(item, data) for item, _to, data in told], actor=actor, text=text)
    return written


def push_each(*, kind: str, told: list[tuple[Item, dict]], actor=None, text: str = "") -> None:
    """The chat groups' pushes of an event of ``kind`` that happened to each ``(item, data)``
    of ``told``, if the chat groups hear of that kind and any is to be told. ``notify()``
    calls it; so does the escalation run's PostgreSQL path, which writes its messages itself."""
    if kind in PUSHED and told and pushes.any_target():
        _push([Message(kind=kind, item=item, actor=actor, text=text or "", data=data) for item, data in told])


# The events the chat groups hear of (tracker/pushes.py), once per event: not the daily
# due-soon and overdue messages (one push per item every day would drown a group), nor those
# addressed to one person ("your instruction", "your extension request").
PUSHED = {
    MessageKind.SUBMITTED,
    MessageKind.APPROVED,
    MessageKind.RETURNED,
    MessageKind.INSTRUCTION,
    MessageKind.INSTRUCTION_HANDLED,
    MessageKind.CHASED,
    MessageKind.ESCALATED,
}


def _push(messages: list[Message]) -> None:
    """The chat groups' pushes of the events ``messages`` tell of, in the site's language (a
    group has no reader's language to follow)."""
    with translation.override(settings.LANGUAGE_CODE):
        told = [
            (
                _("%(kind)s: %(title)s")
                % {"kind": MessageKind(message.kind).label, "title": message.item.title},
                " ".join(part for part in (describe(message), message.text) if part),
                message.item,
            )
            for message in messages
        ]
    pushes.enqueue_each(event=messages[0].kind, told=told)


# --- reading ---------------------------------------------------------------------------


def inbox(user, *, kind: str | None = None, unread: bool = False) -> QuerySet:
    """``user``'s own messages, newest first, each with its item and actor (one query)."""
    messages = Message.objects.filter(recipient=user)
    if kind:
        messages = messages.filter(kind=kind)
    if unread:
        messages = messages.filter(read_at__isnull=True)
    return messages.select_related("item", "actor").order_by("-created_at", "-pk")


def unread_count(user) -> int:
    """How many of ``user``'s messages are unread, counted up to ``UNREAD_CAP``: one query
    (none for an anonymous visitor)."""
    if not user.is_authenticated:
        return 0
    unread = Message.objects.filter(recipient=user, read_at__isnull=True).order_by()
    return unread[:UNREAD_CAP].count()


def _actor(message: Message) -> str:
    return user_label(message.actor) or _("Someone")


def _extension(message: Message) -> str:
    values = {"actor": _actor(message), "date": message.data.get("date", "")}
    if message.data.get("granted"):
        return _("%(actor)s granted your extension request: the deadline is now %(date)s.") % values
    return _("%(actor)s refused your extension request.") % values


_SAYINGS: dict[str, Callable[[Message], str]] = {
    MessageKind.SUBMITTED: lambda m: _("%(actor)s submitted it for review.") % {"actor": _actor(m)},
    MessageKind.APPROVED: lambda m: _("%(actor)s approved it: it is done.") % {"actor": _actor(m)},
    MessageKind.RETURNED: lambda m: _("%(actor)s returned it, saying:") % {"actor": _actor(m)},
    MessageKind.INSTRUCTION: lambda m: _("%(actor)s gave an instruction on it:") % {"actor": _actor(m)},
    MessageKind.INSTRUCTION_REPLY: lambda m: (
        _("%(actor)s replied to your instruction on it:") % {"actor": _actor(m)}
    ),
    MessageKind.INSTRUCTION_HANDLED: lambda m: (
        _("%(actor)s marked the instruction on it handled:") % {"actor": _actor(m)}
    ),
    MessageKind.EXTENSION_DECIDED: _extension,
    MessageKind.DUE_SOON: lambda m: _("It is due on %(date)s.") % {"date": m.data.get("date", "")},
    MessageKind.OVERDUE: lambda m: (
        _("It was due on %(date)s and is not done: it is overdue.") % {"date": m.data.get("date", "")}
    ),
    MessageKind.CHASED: lambda m: _("%(actor)s is chasing it:") % {"actor": _actor(m)},
    # Worded as its history entry is (tracker/escalation.py writes both).
    MessageKind.ESCALATED: lambda m: history.describe(history.event(history.ESCALATED, **m.data)),
}


def describe(message: Message) -> str:
    """The message's sentence, in the active language (its ``text`` is shown after it)."""
    say = _SAYINGS.get(message.kind)
    return say(message) if say else ""


# --- marking read (the view's only writes) -------------------------------------------


@transaction.atomic
def message_open(*, user, pk: int) -> Message:
    """Mark ``user``'s message ``pk`` read (it stays read if it was); Http404 for a message
    that is not his or hers, so that its existence does not leak."""
    message = get_object_or_404(Message.objects.only("pk", "item_id", "read_at"), pk=pk, recipient=user)
    if message.read_at is None:
        message.read_at = timezone.now()
        Message.objects.filter(pk=message.pk, read_at__isnull=True).update(read_at=message.read_at)
    return message


def messages_mark_all_read(*, user) -> int:
    """Mark every unread message of ``user`` read; returns how many were."""
    return Message.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
