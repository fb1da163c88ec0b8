"""Importing a 任务分解表 into a year's ledger: the service, manage.py import_tasks, the
upload → preview → confirm pages, and the year's items exported back as a 任务分解表."""

import datetime
import io
import json
import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import ManagementUtility, call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from reports.models import AnnualReport, TaskSheet
from reports.services import ImportRefused
from reports.tasksheet_services import RowChoice, task_sheet_import
from tests.factories import AnnualReportFactory, ItemFactory, StaffFactory, UnitFactory
from tracker.choices import ItemKind, UpdateKind
from tracker.models import Area, Item, ProgressUpdate
from tracker.services import Conflict
from tracker.years import YearClosed

from ..tasksheets import HEADER, task, xlsx_bytes

pytestmark = pytest.mark.django_db

D = datetime.date
SAMPLE = Path(__file__).resolve().parents[2] / "reports" / "samples" / "tasks-2021-sample.xlsx"


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    """Each test's uploads wait in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def units(lead_unit, coop_unit):
    """The units the sheets below name (县司法局 is staff_client's, 县财政局 coop_staff_client's)."""
    return {
        "县司法局": lead_unit,
        "县财政局": coop_unit,
        "县公安局": UnitFactory(name="县公安局", short_name="公安局"),
        "县城市管理局": UnitFactory(name="县城市管理局", short_name="城管局"),
    }


def sheet(*rows, sections=True):
    """A sheet: a title, the header on row 3, a section row and ``rows``."""
    content = [["2021年任务分解表"], [], HEADER]
    merges = ["A1:G1"]
    if sections:
        content.append(["一、健全行政执法工作体系"])
        merges.append("A4:G4")
    content.extend(rows)
    return xlsx_bytes(content, merges=merges)


SHEET_ROWS = [
    task(
        1,
        "全面推行行政执法“三项制度”，完善执法公示平台。",
        "县司法局、县城市管理局",
        "县财政局",
        "张三（副局长）13800000000",
        "6月底前",
    ),
    task(2, "开展行政执法案卷评查。", "县公安局", "县委政法委", "李四", "长期坚持", "每季度报送"),
    task(3, "组织执法人员培训。", "县司法局", "", "", "2021年13月"),
]


# Made once: openpyxl stamps each file it writes with the time, so two makings of the same
# rows a second apart are two different files.
SHEET = sheet(*SHEET_ROWS)


def do_import(data=None, **kwargs):
    kwargs.setdefault("filename", "任务分解表.xlsx")
    kwargs.setdefault("year", 2021)
    return task_sheet_import(data=data or SHEET, **kwargs)


# -- the service ----------------------------------------------------------------------------------


def test_import_writes_each_row_as_a_task_of_the_year_as_the_sheet_says(units, reviewer_client):
    AnnualReportFactory(year=2021, state="active")
    result = do_import(user=reviewer_client.user)
    assert result.created == 3
    items = list(Item.objects.filter(year=2021).order_by("order"))
    assert [i.title for i in items] == [
        "全面推行行政执法“三项制度”",
        "开展行政执法案卷评查",
        "组织执法人员培训",
    ]
    first, second, third = items
    assert all(i.kind == ItemKind.TASK and i.status == "not_started" for i in items)
    assert first.text == "全面推行行政执法“三项制度”，完善执法公示平台。"
    assert first.lead_unit == units["县司法局"]
    assert {u.name for u in first.cooperating_units.all()} == {"县城市管理局", "县财政局"}
    assert (first.responsible_name, first.responsible_post, first.responsible_phone) == (
        "张三",
        "副局长",
        "13800000000",
    )
    assert first.assignee is None
    assert (first.due_on, first.ongoing) == (D(2021, 6, 30), False)
    assert (second.due_on, second.ongoing) == (None, True)
    assert (third.due_on, third.ongoing) == (None, False)  # 2021年13月: imported without a deadline
    assert first.area == Area.objects.get(code="2021-enforcement")
    assert second.cooperating_units.count() == 0  # 县委政法委 is unknown: shown, not invented
    history = ProgressUpdate.objects.get(item=second)
    assert history.kind == UpdateKind.IMPORT and history.author == reviewer_client.user
    assert history.text == (
        "据《任务分解表.xlsx》任务分解表导入。\n任务分解表中写有、单位目录中没有的单位：县委政法委\n备注：每季度报送"
    )
    record = TaskSheet.objects.get()
    assert (record.report.year, record.filename, record.rows) == (2021, "任务分解表.xlsx", 3)
    assert record.imported_by == reviewer_client.user


def test_a_responsible_person_who_is_a_user_of_the_lead_unit_becomes_the_assignee(units):
    AnnualReportFactory(year=2021)
    staff = StaffFactory(first_name="李四", units=[units["县公安局"]])
    StaffFactory(first_name="张三", units=[units["县财政局"]])  # same name, but not of the lead unit
    do_import()
    second = Item.objects.get(title="开展行政执法案卷评查")
    assert second.assignee == staff and second.responsible_name == ""
    first = Item.objects.get(title="全面推行行政执法“三项制度”")
    assert first.assignee is None and first.responsible_name == "张三"


def test_tasks_come_after_the_years_existing_items(units):
    report = AnnualReportFactory(year=2021)
    ItemFactory(report=report, order=40)
    do_import()
    assert list(Item.objects.filter(year=2021).order_by("order").values_list("order", flat=True)) == [
        40,
        41,
        42,
        43,
    ]


def test_a_year_without_a_record_gets_a_draft_linked_to_the_year_before(units):
    previous = AnnualReportFactory(year=2020, state="active")
    do_import()
    record = AnnualReport.objects.get(year=2021)
    assert record.state == "draft" and record.previous == previous
    assert record.items.count() == 3


def test_a_year_with_no_year_before_is_created_alone(units):
    do_import(year=2030, data=sheet(task(1, "任务。")))
    record = AnnualReport.objects.get(year=2030)
    assert record.state == "draft" and record.previous is None


def test_the_same_file_imported_twice_creates_nothing_the_second_time(units):
    first = do_import()
    second = do_import()
    assert (first.created, second.created, second.duplicate) == (3, 0, True)
    assert Item.objects.count() == 3 and TaskSheet.objects.count() == 1


def test_the_same_file_may_go_into_another_year(units):
    do_import()
    assert do_import(year=2022).created == 3


def test_dry_run_writes_nothing(units):
    result = do_import(dry_run=True)
    assert result.created == 0 and len(result.sheet.rows) == 3
    assert Item.objects.count() == 0 and AnnualReport.objects.count() == 0 and TaskSheet.objects.count() == 0


def test_a_closed_year_is_refused(units):
    AnnualReportFactory(year=2021, state="closed")
    with pytest.raises(YearClosed, match="已关闭"):
        do_import()
    assert Item.objects.count() == 0


def test_an_unreadable_file_is_refused_with_the_readers_message(units):
    with pytest.raises(ImportRefused, match="没有找到表头"):
        do_import(data=xlsx_bytes([["甲", "乙"], [1, 2]]))
    assert AnnualReport.objects.count() == 0


def test_only_reviewers_may_import(units, staff_client, leader_client):
    for user in (staff_client.user, leader_client.user):
        with pytest.raises(PermissionDenied):
            do_import(user=user)
    assert Item.objects.count() == 0


def test_choices_correct_units_deadlines_and_skip_rows(units):
    do_import(
        choices={
            0: RowChoice(
                lead_unit=units["县财政局"].pk, lead_chosen=True, due_on=D(2021, 8, 1), ongoing=False
            ),
            1: RowChoice(include=False),
            2: RowChoice(lead_unit=None, lead_chosen=True, ongoing=True),
        }
    )
    first, third = Item.objects.order_by("order")
    assert first.lead_unit == units["县财政局"] and first.due_on == D(2021, 8, 1)
    # The chosen lead no longer cooperates; the sheet's other units still do.
    assert {u.name for u in first.cooperating_units.all()} == {"县城市管理局"}
    assert third.lead_unit is None and third.ongoing and third.due_on is None
    assert TaskSheet.objects.get().rows == 2


def test_choosing_no_row_imports_nothing(units):
    with pytest.raises(ImportRefused, match="没有选中任何任务"):
        do_import(choices={n: RowChoice(include=False) for n in range(3)})
    assert Item.objects.count() == 0 and TaskSheet.objects.count() == 0


def test_a_failure_midway_writes_nothing(units, monkeypatch):
    from reports import tasksheet_services

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tasksheet_services.ProgressUpdate.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        do_import()
    assert Item.objects.count() == 0 and TaskSheet.objects.count() == 0 and AnnualReport.objects.count() == 0


def test_two_confirms_racing_end_in_a_conflict_for_the_second(units, monkeypatch):
    """The second confirm did not see the first's file (its check ran before the first
    committed): the unique constraint refuses its insert, and it says so in Chinese."""
    from reports import tasksheet_services

    do_import()
    real = tasksheet_services.task_sheet_target
    monkeypatch.setattr(tasksheet_services, "task_sheet_target", lambda **kw: (real(**kw)[0], False))
    with pytest.raises(Conflict, match="同一时刻"):
        do_import()
    assert Item.objects.count() == 3


# -- manage.py import_tasks ---------------------------------------------------------------------


@pytest.fixture
def keep_test_connection(monkeypatch):
    # run_from_argv closes every connection when it ends, which would close the test's.
    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(*args):
    try:
        ManagementUtility(["manage.py", *args]).execute()
    except SystemExit as exit:
        return exit.code
    return 0


def test_command_json_has_exactly_the_stable_keys_and_a_dry_run_writes_nothing(units, tmp_path, capsys):
    path = tmp_path / "tasks.xlsx"
    path.write_bytes(SHEET)
    call_command("import_tasks", str(path), "--year", "2021", "--dry-run", "--json", "--government", "新乡县")
    data = json.loads(capsys.readouterr().out)
    assert list(data) == [
        "tasks",
        "units_matched",
        "units_unknown",
        "deadlines_unread",
        "created",
        "tasks_created",
        "rows",
    ]
    assert data["tasks"] == 3 and data["created"] is False and data["deadlines_unread"] == 1
    assert data["units_matched"] == ["县司法局", "县城市管理局", "县财政局", "县公安局"]
    assert data["units_unknown"] == ["县委政法委"]
    assert list(data["rows"][0]) == [
        "row",
        "title",
        "lead_unit",
        "cooperating_units",
        "responsible",
        "due_on",
        "ongoing",
        "problems",
    ]
    assert data["rows"][0] | {"problems": None} == {
        "row": 5,
        "title": "全面推行行政执法“三项制度”",
        "lead_unit": "县司法局",
        "cooperating_units": ["县城市管理局", "县财政局"],
        "responsible": {"name": "张三", "post": "副局长", "phone": "13800000000"},
        "due_on": "2021-06-30",
        "ongoing": False,
        "problems": None,
    }
    assert data["rows"][1]["ongoing"] is True and data["rows"][1]["due_on"] is None
    assert any("2021年13月" in problem for problem in data["rows"][2]["problems"])
    assert Item.objects.count() == 0 and AnnualReport.objects.count() == 0


def test_command_imports_then_creates_nothing_the_second_time(units, tmp_path, capsys):
    path = tmp_path / "tasks.xlsx"
    path.write_bytes(SHEET)
    call_command("import_tasks", str(path), "--year", "2021", "--json")
    first = json.loads(capsys.readouterr().out)
    assert (first["created"], first["tasks_created"]) == (True, 3)
    call_command("import_tasks", str(path), "--year", "2021", "--json")
    again = json.loads(capsys.readouterr().out)
    assert (again["created"], again["tasks_created"]) == (False, 0)
    assert Item.objects.count() == 3


@pytest.mark.parametrize(
    "content",
    [b"", b"%PDF-1.4", xlsx_bytes([["甲", "乙"], [1, 2]]), b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)],
    ids=["empty", "pdf", "no-header", "old-xls"],
)
def test_command_bad_input_exits_1_with_a_one_line_error(keep_test_connection, tmp_path, capsys, content):
    path = tmp_path / "tasks.xlsx"
    path.write_bytes(content)
    assert run("import_tasks", str(path), "--year", "2021") == 1
    err = capsys.readouterr().err.strip()
    assert err and "\n" not in err and "Traceback" not in err
    assert AnnualReport.objects.count() == 0


def test_command_missing_file_exits_1(keep_test_connection, capsys):
    assert run("import_tasks", "/nonexistent/tasks.xlsx", "--year", "2021") == 1
    assert "/nonexistent/tasks.xlsx" in capsys.readouterr().err


def test_the_sample_sheet_imports_against_the_demo_units(capsys):
    from reports.demo import _directory_and_users
    from reports.tasksheet_services import SAMPLE_TASK_SHEET, sample_task_sheet_import

    assert SAMPLE_TASK_SHEET == SAMPLE
    _directory_and_users(random_passwords=False)  # the demo's units and users, no ledger yet
    call_command("import_tasks", str(SAMPLE), "--year", "2021", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["tasks"] == 10 and data["created"] is True and data["tasks_created"] == 10
    assert data["units_unknown"] == ["各乡镇人民政府"] and data["deadlines_unread"] == 0
    assert sample_task_sheet_import().created == 0  # the demo may run it again
    tasks = Item.objects.filter(year=2021, kind=ItemKind.TASK)
    assert tasks.filter(ongoing=True).count() == 1
    assert tasks.filter(assignee__username="staff1").count() == 2  # 王经办 of 县司法局
    assert tasks.filter(lead_unit__name="县大数据管理局").count() == 2  # the merged cell


def test_a_unit_the_unit_list_lacks_stays_on_the_item_it_was_named_for(client):
    """各乡镇人民政府 names no one unit: the preview says so and it is not assigned, but the
    item keeps what the sheet said (its import entry), beside the sheet's 备注."""
    from django.contrib.auth import get_user_model

    from reports.demo import _directory_and_users
    from reports.tasksheet_services import sample_task_sheet_import

    _directory_and_users(random_passwords=False)
    sample_task_sheet_import()
    checks = Item.objects.get(year=2021, title="规范涉企行政检查")
    assert not checks.cooperating_units.exists()
    entry = ProgressUpdate.objects.get(item=checks, kind=UpdateKind.IMPORT)
    assert "任务分解表中写有、单位目录中没有的单位：各乡镇人民政府" in entry.text
    client.force_login(get_user_model().objects.get(username="reviewer"))
    assert "任务分解表中写有" in client.get(checks.get_absolute_url()).content.decode()
    plain = ProgressUpdate.objects.get(item__title="梳理公布县级政务服务事项清单", kind=UpdateKind.IMPORT)
    assert "单位目录中没有" not in plain.text
    noted = ProgressUpdate.objects.get(item__title="落实权责清单制度", kind=UpdateKind.IMPORT)
    assert "单位目录中没有" not in noted.text and "每年年底前报送调整情况" in noted.text


# -- the pages ------------------------------------------------------------------------------------

START = "/reports/2021/tasks/import/"
PREVIEW = "/reports/2021/tasks/import/preview/"
CONFIRM = "/reports/2021/tasks/import/confirm/"
CANCEL = "/reports/2021/tasks/import/cancel/"


def upload(client, data=None, name="任务分解表.xlsx", year=2021):
    return client.post(START, {"file": SimpleUploadedFile(name, data or SHEET), "year": str(year)})


def token_of(content: str) -> str:
    return re.search(r'name="token" value="([^"]+)"', content).group(1)


def drafts() -> list[str]:
    try:
        return default_storage.listdir("tmp/tasksheets")[1]
    except FileNotFoundError:
        return []


def test_anonymous_people_are_sent_to_login(client):
    response = client.get(START)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("fixture", ["staff_client", "leader_client"])
def test_staff_and_leaders_get_403_on_every_step(request, fixture, units):
    client = request.getfixturevalue(fixture)
    assert client.get(START).status_code == 403
    assert upload(client).status_code == 403
    assert client.get(PREVIEW).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403
    assert client.post(CANCEL).status_code == 403
    assert Item.objects.count() == 0 and drafts() == []


def test_the_year_page_and_the_reports_list_link_reviewers_to_the_import(reviewer_client, leader_client):
    AnnualReportFactory(year=2021)
    for page in ("/reports/2021/", "/reports/"):
        assert "导入任务分解表" in reviewer_client.get(page).content.decode()
        assert "导入任务分解表" not in leader_client.get(page).content.decode()
    assert 'href="/reports/2021/tasks/import/"' in reviewer_client.get("/reports/").content.decode()


def test_upload_preview_confirm_writes_the_tasks(reviewer_client, units):
    page = reviewer_client.get(START)
    assert page.status_code == 200 and "导入 2021 年任务分解表" in page.content.decode()
    response = upload(reviewer_client)
    assert response.status_code == 302 and response.url == PREVIEW
    assert Item.objects.count() == 0 and len(drafts()) == 1  # nothing written yet

    content = reviewer_client.get(PREVIEW).content.decode()
    assert "任务分解表.xlsx" in content
    assert "一、健全行政执法工作体系" in content and "行政执法工作体系" in content
    assert "全面推行行政执法“三项制度”" in content
    # Every row as it will land: its lead unit chosen, its deadline, its responsible official.
    justice = units["县司法局"].pk
    assert re.search(
        rf'name="lead_0"[^>]*>.*?<option selected value="{justice}">县司法局</option>', content, re.S
    )
    assert 'name="due_0" value="2021-06-30"' in content
    assert re.search(r'name="ongoing_1" value="1" id="ongoing_1" checked', content)
    assert "张三" in content and "副局长" in content and "13800000000" in content
    # And every row it could not read, with why.
    assert "“县委政法委”不在单位目录中" in content
    assert "完成时限“2021年13月”无法识别：没有 13 月" in content
    assert "牵头单位栏写了 2 个单位" in content
    assert "3 项任务" in content and "1 个完成时限无法识别" in content

    done = reviewer_client.post(CONFIRM, {"token": token_of(content)})
    assert done.status_code == 302 and done.url == "/reports/2021/"
    assert Item.objects.filter(year=2021).count() == 3
    # Confirmed as shown: every row as the sheet says.
    assert list(Item.objects.order_by("order").values_list("lead_unit__name", "due_on", "ongoing")) == [
        ("县司法局", D(2021, 6, 30), False),
        ("县公安局", None, True),
        ("县司法局", None, False),
    ]
    assert drafts() == [] and "task_sheet_import_draft" not in reviewer_client.session
    follow = reviewer_client.get(done.url).content.decode()
    assert "已从《任务分解表.xlsx》向 2021 年台账导入 3 项任务" in follow


def test_corrections_made_on_the_preview_are_the_ones_written(reviewer_client, units):
    upload(reviewer_client)
    token = token_of(reviewer_client.get(PREVIEW).content.decode())
    reviewer_client.post(
        CONFIRM,
        {
            "token": token,
            "lead_0": str(units["县财政局"].pk),
            "due_0": "2021-08-01",
            "lead_1": str(units["县公安局"].pk),
            "due_1": "",
            "skip_1": "1",
            "lead_2": "bogus",
            "due_2": "",
            "ongoing_2": "1",
        },
    )
    first, third = Item.objects.order_by("order")
    assert first.lead_unit == units["县财政局"] and first.due_on == D(2021, 8, 1) and not first.ongoing
    assert third.lead_unit is None and third.ongoing and third.due_on is None


def test_cancel_writes_nothing_and_removes_the_uploaded_file(reviewer_client, units):
    upload(reviewer_client)
    assert len(drafts()) == 1
    response = reviewer_client.post(CANCEL)
    assert response.status_code == 302 and response.url == START
    assert Item.objects.count() == 0 and AnnualReport.objects.count() == 0 and drafts() == []
    follow = reviewer_client.get(PREVIEW)
    assert follow.status_code == 302 and follow.url == START


def test_a_stale_token_does_not_import(reviewer_client, units):
    upload(reviewer_client)
    response = reviewer_client.post(CONFIRM, {"token": "old"})
    assert response.status_code == 302 and response.url == PREVIEW
    assert Item.objects.count() == 0


def test_a_second_upload_replaces_the_first_draft(reviewer_client, units):
    upload(reviewer_client)
    upload(reviewer_client, data=sheet(task(1, "另一个任务。")))
    assert len(drafts()) == 1
    assert "另一个任务" in reviewer_client.get(PREVIEW).content.decode()


def test_a_failed_confirm_writes_nothing_and_keeps_the_preview(reviewer_client, units, monkeypatch):
    from reports import tasksheet_services

    upload(reviewer_client)
    token = token_of(reviewer_client.get(PREVIEW).content.decode())
    real = tasksheet_services.task_sheet_target
    do_import()  # someone else imports the same file meanwhile, unseen by the check
    monkeypatch.setattr(tasksheet_services, "task_sheet_target", lambda **kw: (real(**kw)[0], False))
    response = reviewer_client.post(CONFIRM, {"token": token}, follow=True)
    assert response.redirect_chain[-1][0] == PREVIEW
    assert "同一时刻" in response.content.decode()
    assert Item.objects.count() == 3 and len(drafts()) == 1


def test_the_preview_says_when_this_file_was_imported_before(reviewer_client, units):
    do_import()
    upload(reviewer_client)
    content = reviewer_client.get(PREVIEW).content.decode()
    assert "此文件此前已导入 2021 年" in content
    reviewer_client.post(CONFIRM, {"token": token_of(content)})
    assert Item.objects.count() == 3


@pytest.mark.parametrize(
    "data, message",
    [
        (xlsx_bytes([["甲", "乙"], [1, 2]]), "没有找到表头"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le"),
            "设有密码",
        ),
        (b"PK\x03\x04" + bytes(200), "已损坏"),
        (b"%PDF-1.4 x", "PDF"),
    ],
    ids=["no-header", "password", "damaged", "pdf"],
)
def test_bad_files_get_a_clear_chinese_error_and_nothing_is_kept(reviewer_client, data, message):
    response = upload(reviewer_client, data=data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert drafts() == [] and "task_sheet_import_draft" not in reviewer_client.session


def test_a_closed_year_says_so_and_refuses_the_upload(reviewer_client, units):
    AnnualReportFactory(year=2021, state="closed")
    assert "本年度已关闭" in reviewer_client.get(START).content.decode()
    response = upload(reviewer_client)
    assert response.status_code == 200 and "2021 年度已关闭" in response.content.decode()
    assert drafts() == []


def test_a_year_outside_the_range_is_404(reviewer_client):
    assert reviewer_client.get("/reports/3000/tasks/import/").status_code == 404


def test_tasks_uploaded_for_another_year_go_to_that_years_preview(reviewer_client, units):
    response = upload(reviewer_client, year=2022)
    assert response.url == "/reports/2022/tasks/import/preview/"
    assert reviewer_client.get(PREVIEW).status_code == 302  # 2021 has nothing waiting


def test_a_big_preview_posts_within_the_field_limit(reviewer_client, units):
    rows = [task(n, f"任务{n}。", "县司法局", "", "", "年底前") for n in range(1, 1201)]
    upload(reviewer_client, data=sheet(*rows, sections=False))
    content = reviewer_client.get(PREVIEW).content.decode()
    fields = {"token": token_of(content)}
    for n in range(1200):
        fields[f"lead_{n}"] = str(units["县司法局"].pk)
        fields[f"due_{n}"] = "2021-12-31"
    response = reviewer_client.post(CONFIRM, fields)
    assert response.status_code == 302 and Item.objects.count() == 1200


def test_preview_and_confirm_queries_do_not_grow_with_rows(reviewer_client, units):
    AnnualReportFactory(year=2021)
    counts = []
    for size in (3, 30):
        rows = [task(n, f"任务{n}。", "县司法局", "县财政局", "张三", "年底前") for n in range(1, size + 1)]
        upload(reviewer_client, data=sheet(*rows))
        with CaptureQueriesContext(connections["default"]) as preview:
            assert reviewer_client.get(PREVIEW).status_code == 200
        token = token_of(reviewer_client.get(PREVIEW).content.decode())
        with CaptureQueriesContext(connections["default"]) as confirm:
            assert reviewer_client.post(CONFIRM, {"token": token}).status_code == 302
        counts.append((len(preview), len(confirm)))
        Item.objects.all().delete()
        TaskSheet.objects.all().delete()
    assert counts[0] == counts[1], counts


# -- export back as a 任务分解表 --------------------------------------------------------------------


def export(client, year=2021):
    response = client.get(f"/reports/{year}/export/tasks/")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'filename="tasks-{year}.xlsx"')
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def test_the_years_items_export_as_a_task_list_in_the_same_template(reviewer_client, units):
    report = AnnualReportFactory(year=2021)
    ItemFactory(report=report, kind=ItemKind.ACHIEVEMENT, title="一项成效", text="一项成效。")
    do_import()
    book = export(reviewer_client)
    sheet_ = book.active
    assert sheet_["A1"].value == "2021年法治政府建设任务分解表"
    assert [c.value for c in sheet_[2]] == HEADER
    assert sheet_.freeze_panes == "A3"
    assert sheet_.column_dimensions["B"].width == 60
    assert "A1:G1" in {str(r) for r in sheet_.merged_cells.ranges}
    values = [[c.value for c in row] for row in sheet_.iter_rows(min_row=3)]
    assert values[0][0] == "一、行政执法工作体系"
    assert "A3:G3" in {str(r) for r in sheet_.merged_cells.ranges}
    first = values[1]
    assert first[:5] == [
        1,
        "全面推行行政执法“三项制度”，完善执法公示平台。",
        "县司法局",
        "县城市管理局、县财政局",  # in the units' order, as every list shows them
        "张三（副局长）13800000000",
    ]
    assert first[5] == datetime.datetime(2021, 6, 30)
    assert sheet_["F4"].is_date
    assert values[2][5] == "长期坚持"
    assert not any("一项成效" in str(v) for row in values for v in row)  # achievements are no work


def test_staff_export_only_their_units_tasks(staff_client, units):
    do_import()
    values = [c.value for row in export(staff_client).active.iter_rows() for c in row]
    assert "组织执法人员培训。" in values  # 县司法局 leads it
    assert "开展行政执法案卷评查。" not in values  # 县公安局's


def test_formula_looking_text_stays_text_in_the_export(reviewer_client, units):
    report = AnnualReportFactory(year=2021)
    ItemFactory(
        report=report, title="=HYPERLINK(1)", text='=HYPERLINK("http://x")', lead_unit=units["县司法局"]
    )
    cell = export(reviewer_client).active["B4"]
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_export_then_dry_run_reads_the_same_rows(reviewer_client, units, tmp_path):
    do_import()
    Item.objects.filter(title="组织执法人员培训").update(due_on=D(2021, 10, 15))
    response = reviewer_client.get("/reports/2021/export/tasks/")
    exported = b"".join(response.streaming_content)
    result = task_sheet_import(data=exported, filename="tasks-2021.xlsx", year=2021, dry_run=True)
    rows = result.sheet.rows
    names = result.sheet.unit_names
    items = list(Item.objects.filter(year=2021).order_by("order"))
    assert [r.text for r in rows] == [i.text for i in items]
    assert [names.get(r.lead_key) for r in rows] == [i.lead_unit.name if i.lead_unit else None for i in items]
    assert [sorted(names[k] for k in r.cooperating_keys) for r in rows] == [
        sorted(u.name for u in i.cooperating_units.all()) for i in items
    ]
    assert [(r.due_on, r.ongoing) for r in rows] == [(i.due_on, i.ongoing) for i in items]
    assert [(r.responsible_name, r.responsible_post, r.responsible_phone) for r in rows] == [
        (i.responsible_name, i.responsible_post, i.responsible_phone) for i in items
    ]
    assert [r.area for r in rows] == [i.area.code if i.area else None for i in items]


def test_export_summary_writes_the_task_list(units, tmp_path):
    do_import()
    path = tmp_path / "tasks.xlsx"
    call_command("export_summary", "2021", "--format", "tasks", "--output", str(path))
    book = load_workbook(path)
    assert book.active["A1"].value == "2021年法治政府建设任务分解表"
    assert book.active["B4"].value == "全面推行行政执法“三项制度”，完善执法公示平台。"


def test_export_queries_do_not_grow_with_items(reviewer_client, units):
    report = AnnualReportFactory(year=2021)
    area = Area.objects.get(code="2021-rules")
    counts = []
    for size in (3, 30):
        Item.objects.all().delete()
        for n in range(size):
            item = ItemFactory(report=report, area=area, lead_unit=units["县司法局"], title=f"任务{n}")
            item.cooperating_units.add(units["县财政局"])
        with CaptureQueriesContext(connections["default"]) as queries:
            export(reviewer_client)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_sheet_saved_again_shows_which_tasks_the_year_holds_already(reviewer_client, units):
    do_import()
    saved_again = xlsx_bytes(
        [["2021年任务分解表（修订）"], [], HEADER, *SHEET_ROWS, task(4, "新增一项任务。")]
    )
    upload(reviewer_client, data=saved_again)
    content = reviewer_client.get(PREVIEW).content.decode()
    assert "3 项任务已在 2021 年台账中" in content
    assert content.count("已在台账中") == 3
    assert re.search(r'name="skip_0" value="1" checked', content)
    assert not re.search(r'name="skip_3" value="1" checked', content)
    fields = {"token": token_of(content), **{f"skip_{n}": "1" for n in range(3)}}
    reviewer_client.post(CONFIRM, fields)
    assert Item.objects.count() == 4 and Item.objects.filter(title="新增一项任务").count() == 1
