"""Traffic lights (亮灯, tracker/lights.py): one definition, in SQL and for a row in hand.

The case table is the rule: done items show no light; open ones are red once overdue (exactly
``overdue_q``), yellow when due within LEDGER_LIGHT_YELLOW_DAYS days (today included), green
later or with no fixed date.
"""

import datetime
import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import AnnualReportFactory, ItemFactory, UnitFactory
from tests.reports.test_figure_links import assert_figures_match_lists, figure_links
from tests.test_settings import run_manage
from tests.tracker.test_item_table import csv_rows, xlsx_rows
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


# -- where the lights show -----------------------------------------------------------------


@pytest.fixture
def lit(lead_unit):
    """2026, today's lights: two red, one yellow, three green, one done; an achievement."""
    today = timezone.localdate()
    report = AnnualReportFactory(year=2026, state="active")
    other = UnitFactory(name="县市场监督管理局")
    for title, due, status, unit in [
        ("红一", -3, ItemStatus.NOT_STARTED, lead_unit),
        ("红二", -1, ItemStatus.SUBMITTED, other),
        ("黄一", 5, ItemStatus.IN_PROGRESS, lead_unit),
        ("绿一", 20, ItemStatus.NOT_STARTED, lead_unit),
        ("绿二", None, ItemStatus.NOT_STARTED, other),
        ("完成", -2, ItemStatus.DONE, lead_unit),
    ]:
        ItemFactory(
            report=report,
            title=title,
            lead_unit=unit,
            status=status,
            due_on=None if due is None else today + timedelta(days=due),
        )
    ItemFactory(report=report, title="绿三", lead_unit=None, ongoing=True)
    ItemFactory(report=report, title="成效", lead_unit=lead_unit, kind=ItemKind.ACHIEVEMENT, status="done")
    return report


def _titles(client, **params):
    response = client.get(reverse("tracker:items"), {"year": 2026, **params})
    assert response.status_code == 200
    return sorted(row.record["title"] for row in response.context["table"].page.object_list)


def test_the_list_filters_by_light(reviewer_client, lit):
    assert _titles(reviewer_client, light="red") == ["红一", "红二"]
    assert _titles(reviewer_client, light="yellow") == ["黄一"]
    assert _titles(reviewer_client, light="green") == ["绿一", "绿三", "绿二"]
    assert _titles(reviewer_client, light="red") == _titles(reviewer_client, overdue="yes")
    # An unknown light is refused by the form, which says so; the list is not narrowed by it.
    page = reviewer_client.get(reverse("tracker:items"), {"year": 2026, "light": "blue"}).content.decode()
    assert "选择一个有效的选项" in page


def test_the_list_shows_each_rows_light_in_words(reviewer_client, lit):
    page = reviewer_client.get(reverse("tracker:items"), {"year": 2026, "sort": "title"}).content.decode()
    cells = dict(
        re.findall(r'<a href="/items/\d+/">([^<]+)</a>.*?<td class="[^"]*column-light[^"]*">(.*?)</td>', page)
    )
    words = {title: re.sub(r"<[^>]+>", "", cell) for title, cell in cells.items()}
    assert words == {
        "红一": "红灯", "红二": "红灯", "黄一": "黄灯", "绿一": "绿灯", "绿二": "绿灯", "绿三": "绿灯",
        "完成": "—", "成效": "—",
    }  # fmt: skip
    assert cells["红一"].count('class="light-dot"') == 1 and 'data-light="red"' in cells["红一"]


def test_the_exports_hold_the_light_as_a_word(reviewer_client, lit):
    url = reverse("tracker:items")
    for rows in (
        csv_rows(reviewer_client.get(url, {"year": 2026, "sort": "title", "_export": "csv"})),
        xlsx_rows(reviewer_client.get(url, {"year": 2026, "sort": "title", "_export": "xlsx"})),
    ):
        column = rows[0].index("亮灯")
        assert {row[4]: row[column] for row in rows[1:]} == {
            "红一": "红", "红二": "红", "黄一": "黄", "绿一": "绿", "绿二": "绿", "绿三": "绿",
            "完成": "", "成效": "",
        }  # fmt: skip


def test_the_item_page_shows_its_light_and_the_days_left(reviewer_client, lit):
    ItemFactory(report=lit, title="黄今", due_on=timezone.localdate())
    for title, words, days in (
        ("红一", "红灯", "已逾期3天"),
        ("黄一", "黄灯", "还剩5天"),
        ("黄今", "黄灯", "今天到期"),
        ("绿三", "绿灯", None),
    ):
        item = Item.objects.get(title=title)
        page = reviewer_client.get(item.get_absolute_url()).content.decode()
        badge = page[page.index('data-testid="light"') :]
        assert re.sub(r"<[^>]+>", "", badge[: badge.index("</span></span>")]).strip().endswith(words)
        told = re.search(r'data-testid="days-left">([^<]+)<', page)
        assert (told.group(1) if told else None) == days
    done = reviewer_client.get(Item.objects.get(title="完成").get_absolute_url()).content.decode()
    assert 'data-testid="light"' not in done


@pytest.mark.parametrize("role", ["reviewer_client", "leader_client"])
def test_the_dashboards_lights_equal_their_lists(request, lit, role):
    client = request.getfixturevalue(role)
    page = client.get(reverse("home")).content.decode()
    box = page[page.index('data-testid="lights"') :]
    box = box[: box.index("</div></div>")]
    links = figure_links(box)
    assert [(href.split("light=")[1], figure) for href, figure, _text in links] == [
        ("red", 2),
        ("yellow", 1),
        ("green", 3),
    ]
    assert [text.split()[0] for _href, _figure, text in links] == ["红灯", "黄灯", "绿灯"]
    # Each figure opens the list on exactly that many items; red is the 逾期 card.
    assert_figures_match_lists(client, box)
    overdue_card = re.search(r'data-figure="(\d+)"><div class="card-body"><div class="kpi-label">逾期', page)
    assert int(overdue_card.group(1)) == 2
    assert "黄灯：7天内到期" in box


def test_the_scoreboard_counts_red_and_yellow_per_unit(reviewer_client, lead_unit, lit):
    page = reviewer_client.get(reverse("scoreboard"), {"year": 2026}).content.decode()
    row = page[page.index(f'data-unit="{lead_unit.pk}"') :]
    row = row[: row.index("</tr>")]
    lit_links = {
        href.rsplit("&", 1)[1]: figure
        for href, figure, _ in figure_links(row)
        if "light=" in href or "overdue=" in href
    }
    assert lit_links == {"overdue=yes": 1, "light=yellow": 1}
    assert_figures_match_lists(reviewer_client, page)
    # Sorted by yellow lights, most first: 县司法局 (one) before the other unit (none).
    by_yellow = reviewer_client.get(reverse("scoreboard"), {"year": 2026, "sort": "-yellow"}).content.decode()
    assert by_yellow.index(f'data-unit="{lead_unit.pk}"') < by_yellow.index("县市场监督管理局")


def test_the_cached_figures_follow_a_change_of_the_yellow_days(reviewer_client, lit):
    """The dashboard's figures are cached: a new LEDGER_LIGHT_YELLOW_DAYS counts them anew."""

    def yellow():
        page = reviewer_client.get(reverse("home")).content.decode()
        return next(figure for href, figure, _ in figure_links(page) if href.endswith("light=yellow"))

    assert yellow() == 1  # 黄一, due in five days
    with override_settings(LEDGER_LIGHT_YELLOW_DAYS=3):
        assert yellow() == 0
    with override_settings(LEDGER_LIGHT_YELLOW_DAYS=30):
        assert yellow() == 2  # and 绿一, due in twenty
