"""Traffic lights (亮灯): how near an item's deadline is, in one definition.

- red (红灯): overdue, the deadline past and the item not done: exactly ``overdue_q`` (which
  is ``light_q(Light.RED)``), the dashboard's 逾期 figure;
- yellow (黄灯): not done and due within ``settings.LEDGER_LIGHT_YELLOW_DAYS`` days, today
  included (0 days left);
- green (绿灯): not done and due later, or with no fixed date (ongoing, or no deadline set
  yet): an item without a date is never red;
- no light: done (已完成 / 已销号): the work is over and its status says so. Achievements,
  the year's records, are done: they have none either.

``light_q`` is the condition in SQL (filters, counts); ``light_of`` the light of a row already
in hand (the list's rows, the item page). tests/tracker/test_lights.py holds them to one table
of cases.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import ItemStatus


class Light(models.TextChoices):
    RED = "red", _("Red light")
    YELLOW = "yellow", _("Yellow light")
    GREEN = "green", _("Green light")


# One word per light, for the exports' cells (红 / 黄 / 绿).
SHORT_LABELS = {
    Light.RED: pgettext_lazy("traffic light", "Red"),
    Light.YELLOW: pgettext_lazy("traffic light", "Yellow"),
    Light.GREEN: pgettext_lazy("traffic light", "Green"),
}


def yellow_days() -> int:
    """Days before its deadline an open item turns yellow (``LEDGER_LIGHT_YELLOW_DAYS``)."""
    return settings.LEDGER_LIGHT_YELLOW_DAYS


def light_q(light: str, on: date | None = None) -> Q:
    """The items showing ``light`` on the day ``on`` (today by default)."""
    on = on or timezone.localdate()
    not_done = ~Q(status=ItemStatus.DONE)
    last_yellow = on + timedelta(days=yellow_days())
    if light == Light.RED:
        return Q(due_on__lt=on) & not_done
    if light == Light.YELLOW:
        return Q(due_on__gte=on, due_on__lte=last_yellow) & not_done
    if light == Light.GREEN:
        return (Q(due_on__isnull=True) | Q(due_on__gt=last_yellow)) & not_done
    raise ValueError(f"no light {light!r}")


def light_of(*, due_on: date | None, status: str, on: date | None = None) -> Light | None:
    """The light of one item from its deadline and status (``light_q`` for a row in hand),
    None when it is done."""
    if status == ItemStatus.DONE:
        return None
    if due_on is None:
        return Light.GREEN
    days_left = (due_on - (on or timezone.localdate())).days
    if days_left < 0:
        return Light.RED
    return Light.YELLOW if days_left <= yellow_days() else Light.GREEN


def light_badge(light: Light) -> SafeString:
    """A light as the pages draw it: a coloured dot and its words (红灯), never colour alone;
    print.css draws it with a border instead of colours."""
    return format_html(
        '<span class="light light-{}" data-light="{}"><span class="light-dot" aria-hidden="true"></span>{}</span>',
        light,
        light,
        light.label,
    )
