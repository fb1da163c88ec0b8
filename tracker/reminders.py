"""Reminder mails: each unit's staff hear of items due soon, overdue, or returned to them.

One mail per person per day at most: a ReminderLog row (unique per user and day) is written
with each mail, so running the command twice on the same day sends nothing new.

The same daily run writes the message centre's due-soon and overdue messages
(``write_daily_messages``) for every staff member of the item's lead unit, with an e-mail
address or not: a person hears of an item's deadline the first day it is due soon, the first
day it is overdue, and again every ``LEDGER_MESSAGE_REPEAT_DAYS`` (7) days while it stays so;
a changed deadline is told at once. (Told every day, a unit with forty overdue items would get
forty messages a day, and stop reading them.) At most one per item, person and day (the
``message_once_a_day`` constraint). Returned items need no daily message: their return wrote
one when it happened.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import translation

from utilities.people import user_label

from . import permissions
from .choices import ItemStatus, MessageKind
from .models import Item, Membership, Message, ReminderLog
from .roles import STAFF
from .workflow import tracked_q


@dataclass
class Reminder:
    user: object
    due_soon: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    returned: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.due_soon) + len(self.overdue) + len(self.returned)


def _open_items(on: date, horizon: date):
    """Tracked, open items of an open year with a lead unit, due by ``horizon`` or overdue."""
    return (
        Item.objects.filter(tracked_q(), report__state__in=["draft", "active"], lead_unit__isnull=False)
        .exclude(status=ItemStatus.DONE)
        .filter(Q(due_on__lt=on) | Q(due_on__gte=on, due_on__lte=horizon))
    )


@transaction.atomic
def write_daily_messages(*, on: date, days: int = 7) -> int:
    """Write today's due-soon (due within ``days``) and overdue messages to the staff of each
    item's lead unit, leaving out those told of the same item, kind and deadline within the
    last ``LEDGER_MESSAGE_REPEAT_DAYS`` days before today; returns how many today's are
    (whether written now or by an earlier run today). Run again the same day, it writes
    nothing new: the database refuses a second message of an item to a person on a day.
    Three queries and the inserts."""
    horizon = on + timedelta(days=days)
    due = _open_items(on, horizon).values_list("pk", "lead_unit_id", "due_on")
    by_unit = defaultdict(list)
    for pk, unit_id, due_on in due:
        by_unit[unit_id].append((pk, due_on))
    if not by_unit:
        return 0
    members = (
        Membership.objects.filter(unit_id__in=by_unit, user_id__in=permissions.unit_staff_ids())
        .values_list("unit_id", "user_id")
        .order_by("unit_id", "user_id")
    )
    recently_told = set(
        Message.objects.filter(
            kind__in=[MessageKind.DUE_SOON, MessageKind.OVERDUE],
            on__lt=on,
            on__gt=on - timedelta(days=settings.LEDGER_MESSAGE_REPEAT_DAYS),
        ).values_list("recipient_id", "item_id", "kind", "data__date")
    )
    rows = []
    for unit_id, user_id in members:
        for pk, due_on in by_unit[unit_id]:
            kind = MessageKind.OVERDUE if due_on < on else MessageKind.DUE_SOON
            deadline = due_on.strftime("%Y-%m-%d")
            if (user_id, pk, kind, deadline) not in recently_told:
                rows.append(
                    Message(recipient_id=user_id, item_id=pk, kind=kind, data={"date": deadline}, on=on)
                )
    Message.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def reminders_for(*, on: date, days: int) -> list[Reminder]:
    """Who should hear of what today: staff with an e-mail address, per their units' led items.

    Three queries whatever the number of people and items.
    """
    horizon = on + timedelta(days=days)
    items = list(
        Item.objects.filter(tracked_q(), report__state__in=["draft", "active"], lead_unit__isnull=False)
        .exclude(status=ItemStatus.DONE)
        .filter(Q(due_on__lt=on) | Q(due_on__gte=on, due_on__lte=horizon) | Q(status=ItemStatus.RETURNED))
        .select_related("lead_unit")
        .order_by("due_on", "pk")
    )
    by_unit = defaultdict(list)
    for item in items:
        by_unit[item.lead_unit_id].append(item)
    members = (
        Membership.objects.filter(unit_id__in=by_unit, user__is_active=True, user__groups__name=STAFF)
        .exclude(user__email="")
        .exclude(user__reminders__sent_on=on)
        .select_related("user")
        .order_by("user_id", "unit_id")
    )
    reminders: dict[int, Reminder] = {}
    for membership in members:
        reminder = reminders.setdefault(membership.user_id, Reminder(user=membership.user))
        for item in by_unit[membership.unit_id]:
            if item.status == ItemStatus.RETURNED:
                reminder.returned.append(item)
            elif item.due_on is not None and item.due_on < on:
                reminder.overdue.append(item)
            elif item.due_on is not None:
                reminder.due_soon.append(item)
    return [reminder for reminder in reminders.values() if reminder.count]


def send_reminders(*, on: date, days: int = 7) -> list[Reminder]:
    """Send today's reminders; returns those sent. A person already reminded today is skipped."""
    sent = []
    connection = get_connection()
    with translation.override(settings.LANGUAGE_CODE):
        for reminder in reminders_for(on=on, days=days):
            context = {
                "reminder": reminder,
                "days": days,
                "on": on,
                "base_url": settings.LEDGER_BASE_URL,
                "name": user_label(reminder.user),
            }
            subject = render_to_string("tracker/email/reminder_subject.txt", context).strip()
            body = render_to_string("tracker/email/reminder.txt", context)
            try:
                with transaction.atomic():
                    # The log row first: a second run (or a parallel one) cannot send again.
                    ReminderLog.objects.create(user=reminder.user, sent_on=on, item_count=reminder.count)
                    EmailMessage(subject, body, to=[reminder.user.email], connection=connection).send()
            except IntegrityError:
                continue
            sent.append(reminder)
    return sent


def staff_without_email() -> int:
    """How many active staff have no e-mail address (and so get no reminder)."""
    return get_user_model().objects.filter(is_active=True, groups__name=STAFF, email="").distinct().count()
