"""The supervisor's roll-up (issue 19, slice 4): the governments below compared for a year, the
shortfalls they share, and the comparison's exports; only supervisors, only their subtree.

Two cities side by side, each with two counties; one county of the first city has a township.
"""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from reports.rollups import normalize_shortfall
from reports.scoreboard import year_figures
from tests.factories import (
    AnnualReportFactory,
    GovernmentFactory,
    ItemFactory,
    LeaderFactory,
    ReviewerFactory,
    StaffFactory,
    UnitFactory,
    UnitRatingFactory,
)
from utilities.similar import group_similar, similarity

pytestmark = pytest.mark.django_db

YEAR = 2021


def _client(user):
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def _county(name, parent, *, items, overdue=0, shortfalls=(), published_on=None, grades=(), level="county"):
    """A government with its report of YEAR: ``items`` tracked tasks (``done`` of them done)."""
    county = GovernmentFactory(name=name, parent=parent, level=level)
    unit = UnitFactory(government=county, name=f"{name}司法局")
    report = AnnualReportFactory(
        government=county, year=YEAR, state="active", title=f"{name}{YEAR}年报告", published_on=published_on
    )
    past = timezone.localdate() - timedelta(days=10)
    done, total = items
    for n in range(total):
        ItemFactory(
            report=report,
            lead_unit=unit,
            title=f"{name}任务{n}",
            status="done" if n < done else "in_progress",
        )
    for n in range(overdue):
        ItemFactory(report=report, lead_unit=unit, title=f"{name}逾期任务{n}", due_on=past)
    for title in shortfalls:
        ItemFactory(report=report, lead_unit=unit, kind="shortfall", title=title)
    ItemFactory(report=report, lead_unit=unit, kind="achievement", status="done", title=f"{name}成效")
    for grade in grades:
        UnitRatingFactory(report=report, unit=UnitFactory(government=county), grade=grade)
    return county


@pytest.fixture
def tree():
    city = GovernmentFactory(name="新乡市", level="city")
    other_city = GovernmentFactory(name="安阳市", level="city")
    xinxiang = _county(
        "新乡县",
        city,
        items=(3, 4),
        overdue=1,
        shortfalls=("行政执法人员素质有待提高", "规范性文件备案审查不够及时"),
        published_on=date(YEAR + 1, 3, 20),
        grades=("excellent", "good", "good"),
    )
    huojia = _county(
        "获嘉县",
        city,
        items=(1, 4),
        overdue=2,
        shortfalls=("一是行政执法队伍素质有待进一步提升。",),
        published_on=date(YEAR + 1, 4, 15),
        grades=("fair",),
    )
    township = _county(
        "七里营镇", xinxiang, items=(1, 1), shortfalls=("行政执法人员素质仍需提高",), level="township"
    )
    linzhou = _county("林州市", other_city, items=(0, 2), shortfalls=("安阳机密执法问题",))
    tangyin = _county("汤阴县", other_city, items=(2, 2))
    return {
        "city": city,
        "other_city": other_city,
        "xinxiang": xinxiang,
        "huojia": huojia,
        "township": township,
        "linzhou": linzhou,
        "tangyin": tangyin,
        "city_reviewer": ReviewerFactory(username="city-reviewer", government=city),
        "city_leader": LeaderFactory(username="city-leader", government=city),
        "other_reviewer": ReviewerFactory(username="anyang-reviewer", government=other_city),
        # 获嘉县 has no government below it: its reviewer supervises nobody.
        "county_reviewer": ReviewerFactory(username="county-reviewer", government=huojia),
        "county_staff": StaffFactory(username="county-staff", units=[UnitFactory(government=huojia)]),
    }


def _rows(page: str) -> dict[str, dict[str, str]]:
    """The roll-up table's rows by government id: each cell's text by its name."""
    rows = {}
    for gid, body in re.findall(r'<tr data-government="(\d+)">(.*?)</tr>', page, re.S):
        cells = {}
        for name, text in re.findall(r'data-cell="(\w+)">(.*?)</td>', body, re.S):
            cells.setdefault(name, re.sub(r"<[^>]+>", "", text).strip())
        cells["grades"] = re.findall(r'data-cell="grade">(\d+)</td>', body)
        rows[gid] = cells
    return rows


def _percent(rate) -> str:
    return "—" if rate is None else f"{rate}%"


def test_each_countys_row_is_its_dashboards_figures_as_its_reviewer_sees_them(tree):
    page = _client(tree["city_reviewer"]).get("/governments/", {"year": YEAR})
    assert page.status_code == 200
    rows = _rows(page.content.decode())
    assert set(rows) == {str(tree["xinxiang"].pk), str(tree["huojia"].pk)}  # directly below only
    for key in ("xinxiang", "huojia"):
        county = tree[key]
        figures = year_figures(year=YEAR, government=county.pk).figures
        row = rows[str(county.pk)]
        assert row["total"] == str(figures.total)
        assert row["done"] == str(figures.done)
        assert row["completion"] == _percent(figures.completion_rate)
        assert row["overdue"] == str(figures.overdue)
        assert row["shortfalls"] == str(figures.shortfalls - figures.shortfalls_done)
        # The county's own reviewer reads the same on his dashboard.
        dashboard = _client(tree["county_reviewer"]).get("/", {"year": YEAR}).content.decode()
        if key == "huojia":
            assert f'data-kpi="total">{figures.total}<' in dashboard
            assert f'data-kpi="overdue">{figures.overdue}<' in dashboard
    # 新乡县: 4 tasks + 1 overdue + 2 shortfalls tracked, 3 done; the township's are not its own.
    assert rows[str(tree["xinxiang"].pk)]["total"] == "7"
    assert rows[str(tree["xinxiang"].pk)]["overdue"] == "1"


def test_most_behind_first_with_a_totals_row_grades_and_the_reports_timeliness(tree):
    page = _client(tree["city_leader"]).get("/governments/", {"year": YEAR}).content.decode()
    order = re.findall(r'<tr data-government="(\d+)">', page)
    assert order == [str(tree["huojia"].pk), str(tree["xinxiang"].pk)]  # 2 overdue before 1
    rows = _rows(page)
    xinxiang, huojia = rows[str(tree["xinxiang"].pk)], rows[str(tree["huojia"].pk)]
    assert "按时公开" in xinxiang["report"] and "2022-03-20" in xinxiang["report"]
    assert "逾期公开" in huojia["report"]
    assert xinxiang["grades"] == ["1", "2", "0"] and huojia["grades"] == ["0", "0", "1"]
    totals = re.search(r'data-testid="rollup-totals">(.*?)</tr>', page, re.S).group(1)
    assert 'data-cell="total">14<' in totals  # 7 + 7
    assert 'data-cell="overdue">3<' in totals
    assert re.findall(r'data-cell="grade">(\d+)<', totals) == ["1", "2", "1"]
    assert "2个中已报送2个，按时公开1个" in totals
    assert 'class="text-end num text-danger fw-semibold" data-cell="overdue">2<' in page  # red


def test_a_government_without_a_report_of_the_year_reads_not_filed(tree):
    GovernmentFactory(name="原阳县", parent=tree["city"])
    page = _client(tree["city_reviewer"]).get("/governments/", {"year": YEAR}).content.decode()
    assert "原阳县" in page and "未报送" in page


def test_rows_go_down_a_level_or_to_the_governments_dashboard(tree):
    client = _client(tree["city_reviewer"])
    page = client.get("/governments/", {"year": YEAR}).content.decode()
    xinxiang, huojia = tree["xinxiang"].pk, tree["huojia"].pk
    # 新乡县 has a township: its name leads to its own roll-up; 获嘉县's to its dashboard.
    assert f'href="/governments/?government={xinxiang}&amp;year={YEAR}">新乡县<' in page
    assert f'href="/?government={huojia}&amp;year={YEAR}">获嘉县<' in page
    assert f'href="/?government={xinxiang}&amp;year={YEAR}" data-testid="rollup-dashboard"' in page
    below = client.get("/governments/", {"government": xinxiang, "year": YEAR}).content.decode()
    assert list(_rows(below)) == [str(tree["township"].pk)]
    assert 'data-testid="rollup-up"' in below
    # The dashboard link puts the county in view: its figures, not the city's.
    dashboard = client.get("/", {"government": huojia, "year": YEAR}).content.decode()
    figures = year_figures(year=YEAR, government=huojia).figures
    assert f'data-kpi="total">{figures.total}<' in dashboard


def test_a_county_in_view_without_governments_below_shows_the_rollup_it_belongs_to(tree):
    client = _client(tree["city_reviewer"])
    client.get("/", {"government": tree["huojia"].pk})
    rows = _rows(client.get("/governments/", {"year": YEAR}).content.decode())
    assert set(rows) == {str(tree["xinxiang"].pk), str(tree["huojia"].pk)}


@pytest.mark.parametrize("who", ["county_reviewer", "county_staff"])
def test_only_supervisors_see_the_rollups(tree, who):
    client = _client(tree[who])
    for path in (
        "/governments/",
        "/governments/shortfalls/",
        "/governments/export/xlsx/",
        "/governments/export/csv/",
    ):
        response = client.get(path, {"year": YEAR})
        assert response.status_code == 403, (who, path)
        assert 'data-testid="error-page"' in response.content.decode()
    home = client.get("/").content.decode()
    assert 'data-testid="rollup-nav"' not in home and 'data-testid="rollup-from-home"' not in home


def test_the_menu_and_the_dashboard_offer_the_rollup_to_supervisors(tree):
    home = _client(tree["city_reviewer"]).get("/").content.decode()
    assert 'data-testid="rollup-nav"' in home and 'data-testid="rollup-from-home"' in home


def test_nothing_outside_the_supervisors_subtree_ever_appears(tree):
    """安阳市's reviewer sees his counties; asking for 新乡市 or one of its counties changes
    nothing, on any roll-up page or export; and the other way round."""
    ours = ("林州市", "汤阴县", "安阳机密执法问题")
    theirs = ("新乡县", "获嘉县", "七里营镇", "行政执法人员素质", "行政执法队伍素质")
    for reviewer, mine, other, foreign in (
        ("other_reviewer", ours, theirs, ("city", "xinxiang", "huojia", "township")),
        ("city_reviewer", theirs[:2], ours, ("other_city", "linzhou", "tangyin")),
    ):
        client = _client(tree[reviewer])
        for asked in (None, *foreign):
            params = {"year": YEAR}
            if asked:
                params["government"] = tree[asked].pk
            for path in (
                "/governments/",
                "/governments/shortfalls/",
                "/governments/export/csv/",
                "/governments/export/xlsx/",
            ):
                response = client.get(path, params)
                assert response.status_code == 200, (reviewer, asked, path)
                text = _text(response)
                assert not [word for word in other if word in text], (reviewer, asked, path)
                if path == "/governments/":
                    assert all(word in text for word in mine[:2]), (reviewer, asked)


def _text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in response.get("Content-Type", ""):
        book = load_workbook(io.BytesIO(content))
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row)
    return content.decode("utf-8-sig")


def _count_queries(client, path, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return len(queries)


def test_the_query_count_does_not_grow_with_the_number_of_governments():
    counts = []
    for n in (2, 12):
        city = GovernmentFactory(name=f"城市{n}", level="city")
        for k in range(n):
            _county(f"县{n}-{k}", city, items=(1, 2), overdue=1, shortfalls=("执法不严",), grades=("good",))
        client = _client(ReviewerFactory(username=f"r{n}", government=city))
        client.get("/")  # the session and the user's first reads
        counts.append(
            (
                _count_queries(client, "/governments/", {"year": YEAR}),
                _count_queries(client, "/governments/shortfalls/", {"year": YEAR}),
                _count_queries(client, "/governments/export/xlsx/", {"year": YEAR}),
            )
        )
    assert counts[0] == counts[1]


def test_shortfalls_of_similar_wording_are_grouped_across_governments(tree):
    page = _client(tree["city_reviewer"]).get("/governments/shortfalls/", {"year": YEAR}).content.decode()
    groups = re.findall(r'data-testid="shortfall-group" data-governments="(\d+)">(.*?)</ul>', page, re.S)
    recurring = [body for n, body in groups if int(n) > 1]
    assert len(recurring) == 1
    (body,) = recurring
    for name in ("新乡县", "获嘉县", "七里营镇"):
        assert name in body
    assert "规范性文件备案审查不够及时" not in body
    assert re.search(r'data-governments="3"', page)
    # Each shortfall links to its item.
    assert re.search(r'href="/items/\d+/">一是行政执法队伍素质有待进一步提升。</a>', body)
    assert "规范性文件备案审查不够及时" in page  # reported by one government, listed below


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("行政执法人员素质有待提高", "行政执法队伍素质有待进一步提升"),
        ("（一）规范性文件备案审查不够及时", "规范性文件备案审查还不够及时。"),
        ("依法行政意识有待增强", "依法行政意识需要进一步加强"),
    ],
)
def test_similar_wordings_group(a, b):
    assert group_similar([a, b], normalize=normalize_shortfall) == [[0, 1]], similarity(
        a, b, normalize_shortfall
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("行政执法人员素质有待提高", "行政执法人员不足"),
        ("行政执法人员素质有待提高", "规范性文件备案审查不够及时"),
        ("行政复议应诉能力有待提升", "行政执法监督力度不够"),
        ("重大行政决策程序不够规范", "政务公开不够规范"),
    ],
)
def test_different_problems_do_not_group(a, b):
    assert group_similar([a, b], normalize=normalize_shortfall) == [[0], [1]], similarity(
        a, b, normalize_shortfall
    )


def test_the_exports_hold_the_pages_rows_in_typed_cells(tree):
    client = _client(tree["city_reviewer"])
    response = client.get("/governments/export/xlsx/", {"year": YEAR})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "政府" and rows[0][1] == "跟踪事项"
    by_name = {row[0]: row for row in rows[1:]}
    huojia = by_name["获嘉县"]
    assert huojia[1:6] == (7, 1, pytest.approx(1 / 7, abs=1e-3), 2, 1)
    assert huojia[7].date() == date(YEAR + 1, 4, 15) and huojia[8] == "逾期公开"
    assert huojia[9:12] == (0, 0, 1)
    assert rows[-1][0] == "合计" and rows[-1][1] == 14 and rows[-1][4] == 3
    assert [row[0] for row in rows[1:-1]] == ["获嘉县", "新乡县"]
    assert sheet.cell(row=2, column=4).number_format == "0.0%"
    text = _text(client.get("/governments/export/csv/", {"year": YEAR}))
    records = list(csv.reader(io.StringIO(text)))
    assert records[1][:5] == ["获嘉县", "7", "1", "14.3%", "2"]
    assert records[-1][0] == "合计"


def test_an_unknown_export_format_is_404(tree):
    response = _client(tree["city_reviewer"]).get("/governments/export/pdf/", {"year": YEAR})
    assert response.status_code == 404
