"""Every figure is a link to the list it counts, and the list's total is the figure (issue 17).

A figure link is an ``<a data-figure="N">`` showing N; ``assert_figures_match_lists`` finds
every one on a page, follows it as the same person and compares the list's total ("共 N 项")
with N. The year below holds what broke before: more overdue items than the staff home shows,
items without a lead unit or an area, a unit whose work is not due yet beside units with
overdue items, an item the unit only cooperates on, achievements beside the work.
"""

import html
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.scoreboard import unit_scoreboard
from tests.factories import AnnualReportFactory, ItemFactory, UnitFactory
from tracker.models import ExtensionRequest

pytestmark = pytest.mark.django_db


class _FigureLinks(HTMLParser):
    """``(href, figure, text)`` of every ``<a data-figure>`` of a page."""

    def __init__(self):
        super().__init__()
        self.links, self._open = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "data-figure" in attrs:
            self._open = [attrs["href"], attrs["data-figure"], ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            href, figure, text = self._open
            self.links.append((html.unescape(href), int(figure), " ".join(text.split())))
            self._open = None


def figure_links(page: str) -> list[tuple[str, int, str]]:
    parser = _FigureLinks()
    parser.feed(page)
    return parser.links


def assert_figures_match_lists(client, page: str) -> list[tuple[str, int, str]]:
    """Follow every figure link of ``page`` as ``client``: each opens the item list, shows its
    figure, and the list holds exactly that many items. Returns the links."""
    links = figure_links(page)
    assert links, "no figure link on the page"
    for href, figure, text in links:
        assert href.startswith(reverse("tracker:items") + "?"), href
        assert str(figure) in text, (href, figure, text)
        listed = client.get(href)
        assert listed.status_code == 200, href
        assert listed.context["total"] == figure, (href, figure, text, listed.context["total"])
        assert f"共 {figure} 项" in listed.content.decode(), href
    return links


def _figure(links, href_part: str) -> int:
    return next(figure for href, figure, _text in links if href_part in href)


@pytest.fixture
def year(lead_unit, other_unit, coop_unit, reviewer_client):
    """2021. 县司法局 (lead_unit) leads ten overdue items, one due in a week, one returned,
    one done, one submitted; it cooperates on an overdue item of 县市场监督管理局 (other_unit),
    which also leads one not yet due. Two items have no lead unit (one overdue), one has no
    area; a shortfall, two achievements, and an extension request waiting. 2020 holds one
    done item (the year-by-year table)."""
    today = timezone.localdate()
    report = AnnualReportFactory(year=2021, state="active")
    AnnualReportFactory(year=2020, state="active")
    ItemFactory(report__year=2020, lead_unit=lead_unit, status="done")
    past = today - timedelta(days=5)
    for n in range(10):
        ItemFactory(report=report, lead_unit=lead_unit, title=f"逾期{n}", due_on=past - timedelta(days=n))
    ItemFactory(report=report, lead_unit=lead_unit, title="下周到期", due_on=today + timedelta(days=7))
    ItemFactory(report=report, lead_unit=lead_unit, title="被退回", status="returned")
    ItemFactory(report=report, lead_unit=lead_unit, title="已办结", status="done", due_on=past)
    ItemFactory(report=report, lead_unit=lead_unit, title="待审核", status="submitted", area=None)
    shared = ItemFactory(report=report, lead_unit=other_unit, title="配合逾期", due_on=past)
    shared.cooperating_units.add(lead_unit)
    ItemFactory(report=report, lead_unit=other_unit, title="未到期", due_on=today + timedelta(days=60))
    ItemFactory(report=report, lead_unit=None, title="无牵头逾期", due_on=past, kind="shortfall")
    waiting = ItemFactory(report=report, lead_unit=None, title="无牵头")
    for title in ("成效一", "成效二"):
        ItemFactory(report=report, lead_unit=lead_unit, kind="achievement", status="done", title=title)
    ExtensionRequest.objects.create(
        item=waiting,
        requested_by=reviewer_client.user,
        new_due_on=today + timedelta(days=90),
        reason="人手不足",
    )
    return report


@pytest.mark.parametrize("role", ["reviewer_client", "leader_client"])
def test_every_dashboard_and_status_table_figure_equals_its_list(request, year, role):
    client = request.getfixturevalue(role)
    page = client.get(reverse("home")).content.decode()
    links = assert_figures_match_lists(client, page)
    # The cards: 18 tracked items (of them 12 overdue), one submission and one extension waiting.
    assert _figure(links, "year=2021&kind=tracked&overdue=yes") == 12
    assert _figure(links, "status=submitted") == 1 and _figure(links, "extension=pending") == 1
    # Each bar and each status cell is a figure link too: the lists they open were followed.
    assert len(links) >= 6 + 3 + 3 + 2 + 8 + 7 * 2


def test_items_without_a_lead_unit_are_a_row_of_their_own(reviewer_client, year):
    page = reviewer_client.get(reverse("home")).content.decode()
    links = figure_links(page)
    units = page[page.index('id="chart-unit"') :]
    units = units[: units.index("</ul>")]
    bars = [(href, n) for href, n, _text in figure_links(units) if "overdue" not in href]
    assert ("未明确牵头单位" in units) and bars[-1][0].endswith("lead_unit=none")
    # The rows add up to the year's tracked items; the overdue chart's to the overdue card.
    assert sum(n for _href, n in bars) == _figure(links, "year=2021&kind=tracked") == 18
    overdue = page[page.index('id="chart-overdue"') : page.index('id="chart-unit"')]
    overdue_bars = figure_links(overdue)
    assert sum(n for _href, n, _text in overdue_bars) == 12
    assert overdue_bars[-1][0].endswith("lead_unit=none&overdue=yes") and overdue_bars[-1][1] == 1
    # Items without an area: their own bar, linked to the items that have none.
    assert any(href.endswith("area=none") for href, _n, _text in links)


def test_every_staff_home_figure_equals_its_list_and_a_capped_list_says_how_many(staff_client, year):
    page = staff_client.get(reverse("home")).content.decode()
    links = assert_figures_match_lists(staff_client, page)
    # Eleven overdue (ten led, one cooperated on): the badge says 11, the box shows eight and
    # a link to all eleven.
    assert _figure(links, "overdue=yes") == 11
    assert "更多（共 11 项）" in page
    overdue_box = page[page.index("逾期") :]
    assert overdue_box[: overdue_box.index("</ul>")].count('class="list-group-item"') == 8
    assert _figure(links, "due_soon=yes") == 1 and _figure(links, "status=returned") == 1
    # The status table counts what the units lead or cooperate on: the links ask for it.
    assert _figure(links, "year=2021&kind=tracked&scope=all") == 15


@pytest.mark.parametrize("role", ["reviewer_client", "staff_client"])
def test_every_scoreboard_figure_equals_its_list(request, year, role):
    client = request.getfixturevalue(role)
    assert_figures_match_lists(client, client.get(reverse("scoreboard")).content.decode())


@pytest.mark.parametrize("role", ["reviewer_client", "staff_client"])
def test_every_year_page_figure_equals_its_list(request, year, role):
    client = request.getfixturevalue(role)
    assert_figures_match_lists(client, client.get(reverse("reports:detail", args=[2021])).content.decode())


def test_a_unit_with_an_overdue_item_ranks_below_units_with_none(db):
    """The issue's case: units with one item each at 0.0% done. Before, the one with an
    overdue item (on-time 0.0%) ranked above the one whose item is not due (on-time "—")."""
    today = timezone.localdate()
    report = AnnualReportFactory(year=2021)
    late = UnitFactory(name="甲局")
    not_due = UnitFactory(name="乙局")
    idle = UnitFactory(name="丙局")
    done = UnitFactory(name="丁局")
    ItemFactory(report=report, lead_unit=late, due_on=today - timedelta(days=1))
    ItemFactory(report=report, lead_unit=not_due, due_on=today + timedelta(days=30))
    ItemFactory(report=report, lead_unit=done, status="done", due_on=today - timedelta(days=3))
    rows = unit_scoreboard(year=2021, report_id=report.pk)
    order = [row.unit for row in rows]
    # Nothing overdue first (丁 100%, then 乙 0.0%), then 甲 with its overdue item; 丙, leading
    # nothing, is listed after the ranked units with no rank.
    assert order == [done, not_due, late, idle]
    assert [row.rank for row in rows] == [1, 2, 3, None]


def test_a_unit_leading_nothing_shows_no_rank_on_the_page(
    reviewer_client, staff_client, lead_unit, other_unit
):
    report = AnnualReportFactory(year=2021)
    ItemFactory(report=report, lead_unit=other_unit, due_on=timezone.localdate() - timedelta(days=1))
    page = reviewer_client.get(reverse("scoreboard")).content.decode()
    idle = page[page.index(f'data-unit="{lead_unit.pk}"') :]
    assert idle.index("本年度无牵头事项，不参与排名") < idle.index("</tr>")
    busy = page[page.index(f'data-unit="{other_unit.pk}"') :]
    assert '<td class="num">1</td>' in busy[: busy.index("</tr>")]
    # Staff of the idle unit: no "rank N / M" for a unit that was not ranked.
    own = staff_client.get(reverse("scoreboard")).content.decode()
    assert " / 1</span>" not in own and "不参与排名" in own


def test_the_lead_unit_filter_offers_and_keeps_no_lead_unit(reviewer_client, year):
    page = reviewer_client.get(reverse("tracker:items"), {"lead_unit": "none"}).content.decode()
    assert '<option value="none" selected>未明确牵头单位</option>' in page
    listed = reviewer_client.get(reverse("tracker:items"), {"lead_unit": "none"})
    assert listed.context["total"] == 2
    assert {row.record["title"] for row in listed.context["table"].page.object_list} == {
        "无牵头逾期",
        "无牵头",
    }


def test_a_bar_at_zero_shows_its_track_baseline_and_zero_percent(reviewer_client, year):
    page = reviewer_client.get(reverse("home")).content.decode()
    units = page[page.index('id="chart-unit"') :]
    row = units[units.index("县市场监督管理局") :]
    row = row[: row.index("</li>")]
    assert 'class="bar-whole"' in row and 'class="bar-base bar-base-done"' in row
    assert "2项已完成0项(0.0%)" in row


def test_other_staff_see_only_what_their_figures_count(other_staff_client, year):
    links = assert_figures_match_lists(
        other_staff_client, other_staff_client.get(reverse("home")).content.decode()
    )
    assert _figure(links, "overdue=yes") == 1


def test_the_scoreboard_shows_items_without_a_lead_unit_unranked_to_those_who_see_them(
    reviewer_client, staff_client, year
):
    page = reviewer_client.get(reverse("scoreboard")).content.decode()
    row = page[page.index('<tr class="unassigned">') :]
    row = row[: row.index("</tr>")]
    assert "未明确牵头单位" in row and '<td class="num">—</td>' in row
    # Led, done, overdue (red), yellow, returned.
    assert [figure for _href, figure, _text in figure_links(row)] == [2, 0, 1, 0, 0]
    assert 'class="unassigned"' not in staff_client.get(reverse("scoreboard")).content.decode()
