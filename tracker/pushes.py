"""Pushes to the county's chat groups: 企业微信 and 钉钉 group robots, or any system that takes
JSON, told of the ledger's events.

How it flows:

- ``enqueue()`` is called by a service inside the transaction of the event (a return, an
  instruction, a 催办; ``enqueue_each()`` for an event of many items at once): it writes one ``Push`` row per target that should hear of it (every
  active global target, the targets of the item's lead and cooperating units, and the target
  the environment gives), so a rolled-back event pushes nothing.
- ``send_due()`` (``manage.py send_notifications``, run every few minutes by cron or the
  deployment's worker; ``make run`` works without it, the rows simply wait) posts what is due,
  outside any request: a target in its quiet hours waits until they end; a failure (no answer,
  an HTTP error, a robot's non-zero ``errcode``) is retried after 1, 5, 15, 60 and 240
  minutes, then marked failed. The ``Push`` rows are the log of what was sent and what failed
  (the admin lists them).

Formats (the robots' documented bodies):

- ``wecom``: ``{"msgtype": "markdown", "markdown": {"content": ...}}``; no signature.
- ``dingtalk``: ``{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}``; with a
  secret (加签) the address gets ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256(secret,
  "timestamp\\nsecret")), URL-encoded.
- ``json``: ``{"event", "title", "text", "link", "item", "sent_at"}``; with a secret, the header
  ``X-Ledger-Signature: sha256=<hex HMAC-SHA256 of the body>``.

Texts are written in the site's language (``LANGUAGE_CODE``): a chat group has no reader's
language to follow.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import Item, Push, PushTarget

logger = logging.getLogger(__name__)

# Minutes to wait after the 1st, 2nd, ... failure; after the last, the push is failed.
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
TIMEOUT_SECONDS = 10
SENT_AT_ONCE = 200


@dataclass(frozen=True)
class Target:
    """Where a push goes: a PushTarget row, or the environment's (``row`` None)."""

    kind: str
    url: str
    secret: str = ""
    quiet_from: clock | None = None
    quiet_until: clock | None = None
    row: PushTarget | None = None

    @classmethod
    def of(cls, row: PushTarget) -> Target:
        return cls(row.kind, row.url, row.secret, row.quiet_from, row.quiet_until, row)


def environment_target() -> Target | None:
    """The global target of ``LEDGER_WEBHOOK_URL`` / ``_KIND`` / ``_SECRET``, if set."""
    url = getattr(settings, "LEDGER_WEBHOOK_URL", "")
    if not url:
        return None
    return Target(settings.LEDGER_WEBHOOK_KIND, url, settings.LEDGER_WEBHOOK_SECRET)


def any_target() -> bool:
    """Whether any chat group is to be told of anything (one query, none when the environment
    gives a target): callers skip wording pushes nobody would get."""
    return environment_target() is not None or PushTarget.objects.filter(active=True).exists()


def enqueue(*, event: str, title: str, text: str, item: Item | None = None) -> list[Push]:
    """Write the pushes of one event (call inside the event's transaction). ``title`` and
    ``text`` are already in the site's language; ``item`` picks the units' own targets and
    gives the link."""
    return enqueue_each(event=event, told=[(title, text, item)])


def enqueue_each(*, event: str, told: list[tuple[str, str, Item | None]]) -> list[Push]:
    """Write the pushes of one kind of event that happened to many items at once (an
    escalation run), each ``(title, text, item)`` as ``enqueue()`` would, in three queries
    whatever their number: the items' cooperating units, the targets, the insert."""
    items = [item for _title, _text, item in told if item is not None]
    units = _units_of(items)
    wanted = {unit for item_units in units.values() for unit in item_units}
    targets = list(
        PushTarget.objects.filter(active=True).filter(Q(unit__isnull=True) | Q(unit_id__in=wanted))
    )
    from_environment = environment_target() is not None
    rows = []
    for title, text, item in told:
        item_units = units.get(item.pk, set()) if item is not None else set()
        link = f"{settings.LEDGER_BASE_URL}{item.get_absolute_url()}" if item is not None else ""
        fields = {"event": event, "title": title, "text": text, "link": link, "item": item}
        rows += [
            Push(target=target, **fields)
            for target in targets
            if target.unit_id is None or target.unit_id in item_units
        ]
        if from_environment:
            rows.append(Push(target=None, **fields))
    return Push.objects.bulk_create(rows, batch_size=1000)


def _units_of(items: list[Item]) -> dict[int, set[int]]:
    """Each item's lead and cooperating units (one query)."""
    units = {item.pk: {item.lead_unit_id} - {None} for item in items}
    through = Item.cooperating_units.through.objects.filter(item_id__in=units)
    for item_id, unit_id in through.values_list("item_id", "unit_id"):
        units[item_id].add(unit_id)
    return units


def in_quiet_hours(target: Target, now: datetime) -> datetime | None:
    """When the quiet hours that hold at ``now`` end (local time), or None outside them. A span
    that passes midnight (20:00 to 08:00) is quiet on both sides of it."""
    start, end = target.quiet_from, target.quiet_until
    if start is None or end is None or start == end:
        return None
    local = timezone.localtime(now)
    moment = local.time()
    quiet = start <= moment < end if start < end else (moment >= start or moment < end)
    if not quiet:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return ends if ends > local else ends + timedelta(days=1)


def body(kind: str, push: Push, *, now: datetime) -> dict:
    """The JSON the target's kind takes."""
    more = f"\n\n[{push.link}]({push.link})" if push.link else ""
    if kind == PushTarget.Kind.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": f"**{push.title}**\n{push.text}{more}"}}
    if kind == PushTarget.Kind.DINGTALK:
        return {
            "msgtype": "markdown",
            "markdown": {"title": push.title, "text": f"#### {push.title}\n{push.text}{more}"},
        }
    return {
        "event": push.event,
        "title": push.title,
        "text": push.text,
        "link": push.link,
        "item": push.item_id,
        "sent_at": now.isoformat(),
    }


def dingtalk_url(url: str, secret: str, *, millis: int) -> str:
    """The robot's address with DingTalk's signature (加签) of ``millis``."""
    signed = hmac.new(secret.encode(), f"{millis}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(signed))
    return f"{url}{'&' if '?' in url else '?'}timestamp={millis}&sign={sign}"


def post(target: Target, push: Push, *, now: datetime) -> None:
    """Send one push; raises (OSError, ValueError) on any failure, the robots' errcode too."""
    data = json.dumps(body(target.kind, push, now=now), ensure_ascii=False).encode()
    url, headers = target.url, {"Content-Type": "application/json; charset=utf-8"}
    if target.kind == PushTarget.Kind.DINGTALK and target.secret:
        url = dingtalk_url(url, target.secret, millis=int(time.time() * 1000))
    elif target.kind == PushTarget.Kind.JSON and target.secret:
        digest = hmac.new(target.secret.encode(), data, hashlib.sha256).hexdigest()
        headers["X-Ledger-Signature"] = f"sha256={digest}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        answer = response.read(65536)
    if target.kind in (PushTarget.Kind.WECOM, PushTarget.Kind.DINGTALK):
        try:
            errcode = json.loads(answer or b"{}").get("errcode", 0)
        except ValueError:
            errcode = None
        if errcode != 0:
            raise ValueError(f"robot answered {answer[:200]!r}")


@dataclass
class Sent:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    waiting: int = 0


def send_due(*, now: datetime | None = None) -> Sent:
    """Post every push that is due; see the module's docstring."""
    now = now or timezone.now()
    outcome = Sent()
    env = environment_target()
    due = (
        Push.objects.filter(state=Push.State.PENDING, next_attempt_at__lte=now)
        .select_related("target")
        .order_by("next_attempt_at", "pk")[:SENT_AT_ONCE]
    )
    for push in due:
        target = Target.of(push.target) if push.target is not None else env
        if target is None:  # the environment's target was removed: nothing to send it to
            push.state, push.last_error = Push.State.FAILED, "LEDGER_WEBHOOK_URL is not set"
            push.save(update_fields=["state", "last_error"])
            outcome.failed += 1
            continue
        quiet_until = in_quiet_hours(target, now)
        if quiet_until is not None:
            push.next_attempt_at = quiet_until
            push.save(update_fields=["next_attempt_at"])
            outcome.waiting += 1
            continue
        try:
            post(target, push, now=now)
        except (OSError, ValueError) as error:
            _failed(push, error, now=now, outcome=outcome)
        else:
            push.state, push.sent_at, push.attempts = Push.State.SENT, now, push.attempts + 1
            push.last_error = ""
            push.save(update_fields=["state", "sent_at", "attempts", "last_error"])
            outcome.sent += 1
    return outcome


def _failed(push: Push, error: Exception, *, now: datetime, outcome: Sent) -> None:
    push.attempts += 1
    push.last_error = str(error)[:500]
    if push.attempts > len(BACKOFF_MINUTES):
        push.state = Push.State.FAILED
        outcome.failed += 1
        logger.warning("Push %s failed for good: %s", push.pk, error)
    else:
        push.next_attempt_at = now + timedelta(minutes=BACKOFF_MINUTES[push.attempts - 1])
        outcome.retried += 1
    push.save(update_fields=["attempts", "last_error", "state", "next_attempt_at"])
