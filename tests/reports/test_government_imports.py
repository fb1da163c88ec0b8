"""Importing into one government among several (issue 19): the commands' --government and
--parent, and the web import's choice of government."""

import json
import re
from pathlib import Path

import pytest
from django.core.management import ManagementUtility
from django.db import connections

from reports.models import AnnualReport
from tests.factories import GovernmentFactory, ReviewerFactory, UnitFactory
from tests.samples import SEED_PATH as SEED
from tests.samples import XINXIANG
from tracker.models import Government, Item

pytestmark = pytest.mark.django_db

SAMPLE_TASKS = Path(__file__).resolve().parents[2] / "reports" / "samples" / "tasks-2021-sample.xlsx"
# DESIGN.md's stable JSON of import_report, with what issue 19 adds nothing to.
REPORT_KEYS = [
    "year",
    "title",
    "issuer",
    "published_on",
    "sections",
    "subsections",
    "tasks",
    "achievements",
    "shortfalls",
    "measures",
    "metrics",
    "work_year",
    "links",
    "units_matched",
    "created",
    "outline",
]


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(*args):
    try:
        ManagementUtility(["manage.py", *args]).execute()
    except SystemExit as exit:
        return exit.code
    return 0


@pytest.fixture
def city():
    city = GovernmentFactory(name="新乡市", level="city")
    xinxiang = GovernmentFactory(name="新乡县", parent=city)
    UnitFactory(government=xinxiang, name="县司法局", short_name="司法局")
    return city


def test_a_new_county_is_made_under_its_parent_and_gets_the_report(city, capsys):
    assert run("import_report", str(SEED), "--government", "获嘉县", "--parent", "新乡市", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == REPORT_KEYS and data["created"] is True
    huojia = Government.objects.get(name="获嘉县")
    assert (huojia.parent, huojia.level) == (city, "county")
    # Its 2020 record, and the 2021 ledger the report's problems and plans are work of.
    assert sorted(AnnualReport.objects.values_list("government", "year")) == [
        (huojia.pk, 2020),
        (huojia.pk, 2021),
    ]
    # 获嘉县 has no units yet: the report names none of its own (新乡县's are not its).
    assert data["units_matched"] == [] and not Item.objects.filter(lead_unit__isnull=False).exists()


def test_two_counties_each_import_their_report_of_the_same_year(city, capsys):
    assert run("import_report", str(SEED), "--government", "新乡县", "--json") == 0
    assert json.loads(capsys.readouterr().out)["units_matched"] == ["县司法局"]
    assert run("import_report", str(SEED), "--government", "获嘉县", "--parent", "新乡市", "--json") == 0
    assert json.loads(capsys.readouterr().out)["created"] is True
    assert sorted(AnnualReport.objects.filter(year=2020).values_list("government__name", flat=True)) == [
        "新乡县",
        "获嘉县",
    ]
    assert AnnualReport.objects.filter(year=2021).count() == 2  # each its own next year
    # Each county's items are led by its own units only.
    assert (
        not Item.objects.exclude(lead_unit__isnull=True)
        .exclude(lead_unit__government=Government.objects.get(name="新乡县"))
        .exists()
    )


def test_an_unknown_parent_is_a_clear_error_and_writes_nothing(city, capsys):
    assert run("import_report", str(SEED), "--government", "获嘉县", "--parent", "开封市") == 1
    assert "没有名为开封市的政府可作为上级政府" in capsys.readouterr().err
    assert not Government.objects.filter(name="获嘉县").exists() and AnnualReport.objects.count() == 0


def test_a_new_name_without_a_parent_among_several_governments_says_what_to_do(city, capsys):
    assert run("import_report", str(SEED), "--government", "获嘉县") == 1
    assert "--parent" in capsys.readouterr().err
    assert run("import_report", str(SEED)) == 1  # nor may it guess among several
    assert "请指明导入到哪一个政府" in capsys.readouterr().err
    assert AnnualReport.objects.count() == 0


def test_a_dry_run_into_a_new_government_writes_no_government(city, capsys):
    assert (
        run("import_report", str(SEED), "--government", "获嘉县", "--parent", "新乡市", "--dry-run", "--json")
        == 0
    )
    assert list(json.loads(capsys.readouterr().out)) == REPORT_KEYS
    assert not Government.objects.filter(name="获嘉县").exists() and AnnualReport.objects.count() == 0


def test_a_fresh_installation_takes_its_governments_name_from_the_report(capsys):
    assert run("import_report", str(SEED), "--json") == 0
    assert list(Government.objects.values_list("name", "parent")) == [("新乡县人民政府", None)]
    assert set(AnnualReport.objects.values_list("government__name", flat=True)) == {"新乡县人民政府"}


def test_the_task_list_goes_into_the_named_county_only(city, capsys):
    huojia = GovernmentFactory(name="获嘉县", parent=city)
    assert run("import_tasks", str(SAMPLE_TASKS), "--year", "2021", "--government", "新乡县", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["created"] is True and "县司法局" in data["units_matched"]
    assert list(AnnualReport.objects.values_list("government__name", "year")) == [("新乡县", 2021)]
    assert not AnnualReport.objects.filter(government=huojia).exists()
    assert (
        run(
            "import_tasks",
            str(SAMPLE_TASKS),
            "--year",
            "2021",
            "--government",
            "尉氏县",
            "--parent",
            "开封市",
        )
        == 1
    )
    assert "没有名为开封市的政府" in capsys.readouterr().err


def _token(content: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', content).group(1)


def test_the_web_import_guesses_the_government_from_the_issuer_and_lets_the_reviewer_choose(client, city):
    huojia = GovernmentFactory(name="获嘉县", parent=city)
    client.force_login(ReviewerFactory(username="city-reviewer", government=city))
    assert client.post("/reports/import/", {"text": XINXIANG}).status_code == 302
    content = client.get("/reports/import/preview/").content.decode()
    shown = re.search(r'data-testid="import-government">.*?<strong>([^<]+)</strong>', content, re.S).group(1)
    assert shown == "新乡县"  # the issuer, 新乡县人民政府, names it
    assert "获嘉县</option>" in content  # ... and the others he supervises are offered
    chosen = client.post("/reports/import/correct/", {"token": _token(content), "government": huojia.pk})
    assert chosen.status_code == 302
    content = client.get("/reports/import/preview/").content.decode()
    assert "报告将导入获嘉县" in content
    done = client.post("/reports/import/confirm/", {"token": _token(content)})
    assert done.status_code == 302 and done.url == f"/reports/2020/?government={huojia.pk}"
    assert set(AnnualReport.objects.values_list("government__name", flat=True)) == {"获嘉县"}


def test_a_county_reviewer_cannot_import_into_the_sibling_county(client, city):
    huojia = GovernmentFactory(name="获嘉县", parent=city)
    xinxiang = Government.objects.get(name="新乡县")
    client.force_login(ReviewerFactory(username="county-reviewer", government=xinxiang))
    client.post("/reports/import/", {"text": XINXIANG})
    content = client.get("/reports/import/preview/").content.decode()
    assert 'name="government"' not in content  # one government: nothing to choose
    refused = client.post(
        "/reports/import/correct/", {"token": _token(content), "government": huojia.pk}, follow=True
    )
    assert "请从列表中选择政府" in refused.content.decode()
    client.post(
        "/reports/import/confirm/", {"token": _token(client.get("/reports/import/preview/").content.decode())}
    )
    assert set(AnnualReport.objects.values_list("government__name", flat=True)) == {"新乡县"}
    assert AnnualReport.objects.filter(year=2020).count() == 1


def test_rollover_and_export_summary_take_the_government_among_several(city, tmp_path, capsys):
    from tests.factories import AnnualReportFactory, ItemFactory, UserFactory

    UserFactory(username="root", is_superuser=True)
    huojia = GovernmentFactory(name="获嘉县", parent=city)
    xinxiang = Government.objects.get(name="新乡县")
    for county in (xinxiang, huojia):
        ItemFactory(
            report=AnnualReportFactory(government=county, year=2020, state="active"), title=f"{county}任务"
        )
    assert run("rollover", "2020", "2021") == 1  # which county's 2020?
    assert run("rollover", "2020", "2021", "--government", "获嘉县") == 0
    assert list(AnnualReport.objects.filter(year=2021).values_list("government__name", flat=True)) == [
        "获嘉县"
    ]
    path = tmp_path / "ledger.csv"
    assert (
        run("export_summary", "2020", "--format", "csv", "--output", str(path), "--government", "新乡县") == 0
    )
    text = path.read_text(encoding="utf-8-sig")
    assert "新乡县任务" in text and "获嘉县任务" not in text
