"""manage.py import_report as DESIGN.md's stable interface describes it."""

import json

import pytest
from django.core.management import ManagementUtility, call_command
from django.db import connections

from reports.models import AnnualReport
from tests.samples import SEED_PATH as SEED

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    # run_from_argv closes every connection when it ends, which would close the test's.
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(*args):
    """Run like the shell does; returns the exit status."""
    try:
        ManagementUtility(["manage.py", *args]).execute()
    except SystemExit as exit:
        return exit.code
    return 0


def test_dry_run_json_describes_the_seed_and_writes_nothing(capsys):
    assert run("import_report", str(SEED), "--dry-run", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert {k: data[k] for k in ("year", "title", "issuer", "published_on")} == {
        "year": 2020,
        "title": "新乡县2020年度法治政府建设工作报告",
        "issuer": "新乡县人民政府",
        "published_on": "2021-05-10",
    }
    assert (data["sections"], data["subsections"]) == (8, 18)
    assert (data["tasks"], data["shortfalls"], data["measures"]) == (21, 2, 3)
    # What the report says 2020 did is 2020's record; its problems and plans are 2021's work.
    assert data["achievements"] == 21
    assert data["work_year"] == {"achievements": 2020, "shortfalls": 2021, "measures": 2021}
    assert [(link["shortfalls"], link["sure"]) for link in data["links"]] == [
        (["部分行政执法单位和乡(镇)政府法制机构不健全"], True),
        (["队伍建设有待加强"], True),
        ([], False),
    ]
    assert data["metrics"] >= 55
    assert data["created"] is False
    assert [node["kind"] for node in data["outline"]] == ["work"] * 7 + ["shortfalls_and_plans"]
    assert data["outline"][0]["area"] == "2015-functions"
    assert [c["number"] for c in data["outline"][0]["children"][0]["children"]] == ["一是", "二是", "三是"]
    assert AnnualReport.objects.count() == 0


def test_import_then_again_creates_once(capsys):
    call_command("import_report", str(SEED), "--json")
    assert json.loads(capsys.readouterr().out)["created"] is True
    call_command("import_report", str(SEED), "--json")
    assert json.loads(capsys.readouterr().out)["created"] is False
    assert AnnualReport.objects.get(year=2020).items.count() == 21
    assert AnnualReport.objects.get(year=2021).items.count() == 5


@pytest.mark.parametrize(
    "content",
    [b"", b"\x89PNG\r\n\x1a\n" + bytes(64), "某县2021年工作总结\n没有编号。".encode()],
    ids=["empty", "image", "no-numbering"],
)
def test_bad_input_exits_1_with_a_one_line_error(tmp_path, capsys, content):
    path = tmp_path / "report.txt"
    path.write_bytes(content)
    assert run("import_report", str(path)) == 1
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
    assert AnnualReport.objects.count() == 0


def test_missing_file_exits_1(capsys):
    assert run("import_report", "/nonexistent/report.txt") == 1
    assert "/nonexistent/report.txt" in capsys.readouterr().err
