"""Traffic lights (亮灯, tracker/lights.py): one definition, in SQL and for a row in hand.

The case table is the rule: done items show no light; open ones are red once overdue (exactly
``overdue_q``), yellow when due within LEDGER_LIGHT_YELLOW_DAYS days (today included), green
later or with no fixed date.
"""

import datetime
from datetime import timedelta

import pytest
from django.test import override_settings

from tests.factories import ItemFactory
from tests.test_settings import run_manage
from tracker.choices import ItemKind, ItemStatus
from tracker.lights import Light, light_of, light_q
from tracker.models import Item
from tracker.selectors import overdue_q

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 5, 10)
RED, YELLOW, GREEN = Light.RED, Light.YELLOW, Light.GREEN

# (status, days from ON to the deadline or None, ongoing, kind, the light with 7 yellow days)
CASES = [
    (ItemStatus.NOT_STARTED, -1, False, ItemKind.TASK, RED),
    (ItemStatus.SUBMITTED, -30, False, ItemKind.TASK, RED),
    (ItemStatus.RETURNED, -1, False, ItemKind.SHORTFALL, RED),
    (ItemStatus.IN_PROGRESS, 0, False, ItemKind.TASK, YELLOW),  # due today: 0 days left
    (ItemStatus.NOT_STARTED, 1, False, ItemKind.MEASURE, YELLOW),
    (ItemStatus.SUBMITTED, 7, False, ItemKind.TASK, YELLOW),  # the last yellow day
    (ItemStatus.RETURNED, 8, False, ItemKind.TASK, GREEN),
    (ItemStatus.IN_PROGRESS, 365, False, ItemKind.TASK, GREEN),
    (ItemStatus.NOT_STARTED, None, True, ItemKind.TASK, GREEN),  # ongoing: never red
    (ItemStatus.IN_PROGRESS, None, False, ItemKind.SHORTFALL, GREEN),  # no deadline set yet
    (ItemStatus.DONE, -10, False, ItemKind.TASK, None),  # done late: no light, not overdue
    (ItemStatus.DONE, 3, False, ItemKind.TASK, None),
    (ItemStatus.DONE, None, True, ItemKind.TASK, None),
    (ItemStatus.DONE, None, False, ItemKind.ACHIEVEMENT, None),  # a record of the year
]


def _make(status, days, ongoing, kind):
    due_on = None if days is None else ON + timedelta(days=days)
    return ItemFactory(status=status, due_on=due_on, ongoing=ongoing, kind=kind)


def _sql_light(item, on):
    """The light the database gives ``item``: which light_q holds it (each at most one)."""
    lights = [light for light in Light if Item.objects.filter(light_q(light, on), pk=item.pk).exists()]
    assert len(lights) <= 1, lights
    return lights[0] if lights else None


@pytest.mark.parametrize(("status", "days", "ongoing", "kind", "expected"), CASES)
def test_the_sql_light_and_the_row_light_agree_on_every_case(status, days, ongoing, kind, expected):
    item = _make(status, days, ongoing, kind)
    assert light_of(due_on=item.due_on, status=item.status, on=ON) == expected
    assert _sql_light(item, ON) == expected
    # Red is overdue, exactly: the dashboard's 逾期 figure counts the same items.
    assert Item.objects.filter(overdue_q(ON), pk=item.pk).exists() is (expected == RED)


@override_settings(LEDGER_LIGHT_YELLOW_DAYS=2)
@pytest.mark.parametrize(("days", "expected"), [(-1, RED), (0, YELLOW), (2, YELLOW), (3, GREEN), (7, GREEN)])
def test_the_yellow_days_come_from_the_settings(days, expected):
    item = _make(ItemStatus.IN_PROGRESS, days, False, ItemKind.TASK)
    assert light_of(due_on=item.due_on, status=item.status, on=ON) == expected
    assert _sql_light(item, ON) == expected


def test_the_yellow_days_are_read_from_the_environment(tmp_path):
    show = (
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.LEDGER_LIGHT_YELLOW_DAYS)",
    )
    env = {"DJANGO_DEBUG": "1", "DJANGO_VAR_DIR": str(tmp_path)}
    assert run_manage(*show, env_overrides=env).stdout.strip() == "7"
    assert run_manage(*show, env_overrides=env | {"DJANGO_LIGHT_YELLOW_DAYS": "3"}).stdout.strip() == "3"
    refused = run_manage(*show, env_overrides=env | {"DJANGO_LIGHT_YELLOW_DAYS": "soon"})
    assert refused.returncode != 0 and "DJANGO_LIGHT_YELLOW_DAYS must be a whole number" in refused.stderr
