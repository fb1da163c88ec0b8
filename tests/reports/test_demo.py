"""load_demo: a realistic directory, one user per role, the 2020 report; idempotent."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from reports.models import AnnualReport
from tracker import permissions
from tracker.models import Item, Membership, Unit

pytestmark = pytest.mark.django_db


def counts():
    return (
        Unit.objects.count(),
        get_user_model().objects.count(),
        Membership.objects.count(),
        AnnualReport.objects.count(),
    )


def test_load_demo_twice_gives_the_same_counts(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    units, users, memberships, reports = first
    assert 28 <= units <= 40
    assert users == 5
    assert memberships == 3
    assert reports == 2  # 2020's record and 2021's ledger


def test_load_demo_prints_working_logins(client, capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    for username in ("admin", "reviewer", "leader", "staff1", "staff2"):
        assert f"{username}-demo-2020" in out
    response = client.post("/accounts/login/", {"username": "staff1", "password": "staff1-demo-2020"})
    assert response.status_code == 302 and response.url == "/"


def test_demo_users_have_their_roles_and_units():
    call_command("load_demo")
    users = {u.username: u for u in get_user_model().objects.all()}
    assert users["admin"].is_superuser
    assert permissions.role_of(users["reviewer"]) == "reviewer"
    assert permissions.role_of(users["leader"]) == "leader"
    assert permissions.role_of(users["staff1"]) == "staff"
    assert [u.name for u in users["staff1"].units.all()] == ["县司法局"]
    assert [u.name for u in users["staff2"].units.all()] == ["县市场监督管理局"]


def test_demo_directory_has_the_short_names_and_aliases_reports_use():
    call_command("load_demo")
    short_names = set(Unit.objects.values_list("short_name", flat=True))
    assert {"政府办", "司法局", "卫健委", "市场监管局", "发改委", "编办", "宣传部"} <= short_names
    assert {"生态环境分局", "大数据局", "审计局", "督查局"} <= short_names
    assert Unit.objects.filter(kind="township").count() == 7
    assert "县卫健委" in Unit.objects.get(short_name="卫健委").alias_list


def test_demo_holds_the_2020_report_text():
    call_command("load_demo")
    report = AnnualReport.objects.get(year=2020)
    assert report.title == "新乡县2020年度法治政府建设工作报告"
    assert report.issuer == "新乡县人民政府"
    assert str(report.published_on) == "2021-05-10"
    assert "针对以上问题,提出如下建议" in report.source_text
    assert len(report.source_sha256) == 64
    # Imported through the importer: the outline and 2020's 21 achievements, done.
    assert report.sections.filter(level=1).count() == 8
    assert report.items.count() == 21
    assert set(report.items.values_list("kind", "status")) == {("achievement", "done")}
    assert report.items.filter(lead_unit__name="县政府督查局").exists()


def test_the_2021_ledger_holds_the_reports_work_in_every_state():
    call_command("load_demo")
    work = AnnualReport.objects.get(year=2021)
    assert work.previous.year == 2020 and work.state == "active"
    items = {item.title: item for item in work.items.all()}
    states = {title: item.status for title, item in items.items() if item.stated_in_id == work.previous_id}
    assert states == {
        "部分行政执法单位和乡(镇)政府法制机构不健全": "returned",
        "队伍建设有待加强": "in_progress",
        "领导要重视法治建设": "not_started",
        "定期开展执法培训": "done",
        "要重视日常工作成果的上传工作": "submitted",
    }
    # Invented progress says so; it is dated in 2021, not on the day the demo was loaded.
    from tracker.models import Evidence, ProgressUpdate

    invented = ProgressUpdate.objects.filter(item__report=work).exclude(kind="import").exclude(note="")
    assert invented.exists() and all(
        u.note.startswith("（示例）") for u in invented.exclude(kind="assignment")
    )
    assert {u.created_at.year for u in invented.exclude(kind="assignment")} == {2021}
    assert all("示例材料" in e.original_name for e in Evidence.objects.all())
    assert items["定期开展执法培训"].done_at.year == 2021


@pytest.mark.parametrize("username", ["admin", "reviewer", "leader", "staff1", "staff2"])
def test_each_demo_user_can_log_in_and_reach_home(client, username):
    call_command("load_demo")
    response = client.post(reverse("login"), {"username": username, "password": f"{username}-demo-2020"})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "新乡县2020年度法治政府建设工作报告" in home.content.decode()


def test_load_demo_if_empty_leaves_existing_data_alone(capsys):
    from tests.factories import AnnualReportFactory

    AnnualReportFactory(year=2019)
    call_command("load_demo", "--if-empty")
    assert not AnnualReport.objects.filter(year=2020).exists()
    assert Unit.objects.count() == 0
    assert "staff1-demo-2020" in capsys.readouterr().out


def test_the_2021_task_sheet_is_sample_data_imported_as_the_office_would():
    call_command("load_demo")
    from reports.models import TaskSheet

    sheet = TaskSheet.objects.get(report__year=2021)
    tasks = Item.objects.filter(year=2021, kind="task")
    assert tasks.count() == sheet.rows == 10
    # Invented, and every title says so.
    assert all(task.title.startswith("（示例）") for task in tasks)
    states = dict(tasks.values_list("title", "status"))
    assert states["（示例）全面推行证明事项告知承诺制"] == "done"
    assert states["（示例）规范涉企行政检查"] == "submitted"
    assert states["（示例）优化营商环境"] == "in_progress"
    ongoing = tasks.get(ongoing=True)
    assert ongoing.due_on is None and ongoing.responsible_name == "孙立"
    # The sheet names staff1 (王经办) for two of 县司法局's tasks: the user, not a name.
    assert set(tasks.filter(assignee__username="staff1").values_list("lead_unit__name", flat=True)) == {
        "县司法局"
    }
    call_command("load_demo")
    assert Item.objects.filter(year=2021, kind="task").count() == 10


def test_the_demo_history_reads_in_order_and_nothing_is_dated_the_day_it_was_loaded(client):
    """The ledger was set up (the report imported, its work handed out, the 任务分解表 imported)
    before the sample progress of 2021: an item's history reads from its import on, and the
    lists' 最近更新 shows when the item last moved, not the day the demo was loaded."""
    from tracker.models import ProgressUpdate

    call_command("load_demo")
    assert {u.created_at.year for u in ProgressUpdate.objects.all()} == {2021}
    assert {item.updated_at.year for item in Item.objects.all()} == {2021}
    uploads = Item.objects.get(title="要重视日常工作成果的上传工作")
    history = list(uploads.updates.order_by("created_at", "pk").values_list("kind", flat=True))
    assert history == ["import", "assignment", "progress", "progress"]
    assert uploads.updated_at == uploads.updates.order_by("-created_at").first().created_at
    client.force_login(get_user_model().objects.get(username="reviewer"))
    page = client.get(reverse("tracker:items"), {"year": 2021}).content.decode()
    rows = page[page.index("<tbody") : page.index("</tbody>")]
    assert len(re.findall(r"<tr\b", rows)) == 15 and f"{timezone.localdate():%Y-%m-%d}" not in rows


def test_the_demo_has_an_open_instruction_answered_and_one_handled(client):
    """The county head's instructions: the dashboard lists the open one with its age, the
    unit's reply shows on the item page."""
    from tracker.models import Instruction

    call_command("load_demo")
    open_one, handled = Instruction.objects.order_by("-created_at")
    assert open_one.handled_at is None and open_one.updates.filter(kind="reply").count() == 1
    assert handled.handled_at.year == 2021 and handled.created_at.year == 2021
    client.force_login(get_user_model().objects.get(username="leader"))
    page = client.get(reverse("home")).content.decode()
    assert "请县司法局加快推进执法人员编制申请" in page and "培训要覆盖全部乡镇执法人员" not in page
    item = client.get(open_one.item.get_absolute_url()).content.decode()
    assert "已与县编办对接" in item


def test_the_demo_with_the_city_gives_its_supervisor_two_counties(client, capsys):
    from tracker.models import Government

    call_command("load_demo", "--city")
    call_command("load_demo", "--city")  # again: nothing more
    out = capsys.readouterr().out
    assert "city      city-demo-2020" in out
    assert sorted(Government.objects.values_list("name", "parent__name")) == [
        ("新乡县人民政府", "新乡市人民政府"),
        ("新乡市人民政府", None),
        ("获嘉县人民政府", "新乡市人民政府"),
    ]
    assert Item.objects.filter(report__government__name="获嘉县人民政府", kind="task").count() == 3
    assert (
        client.post(reverse("login"), {"username": "city", "password": "city-demo-2020"}).status_code == 302
    )
    huojia = Government.objects.get(name="获嘉县人民政府")
    page = client.get("/reports/2021/", {"government": huojia.pk}).content.decode()
    assert "获嘉县2021年度法治政府建设台账（示例）" in page and 'data-testid="government-switch"' in page
    assert "（示例）规范财政资金监管执法" in client.get("/items/", {"year": "all"}).content.decode()
    # The county's people see their county only.
    client.post(reverse("logout"))
    assert (
        client.post(reverse("login"), {"username": "reviewer", "password": "reviewer-demo-2020"}).status_code
        == 302
    )
    listed = client.get("/items/", {"year": "all"}).content.decode()
    assert "（示例）规范财政资金监管执法" not in listed
    assert 'data-testid="government-switch"' not in listed


def test_the_citys_supervisor_compares_the_two_demo_counties(client):
    call_command("load_demo", "--city")
    client.post(reverse("login"), {"username": "city", "password": "city-demo-2020"})
    page = client.get("/governments/", {"year": 2021}).content.decode()
    assert "新乡县人民政府" in page and "获嘉县人民政府" in page
    recurring = client.get("/governments/shortfalls/", {"year": 2021}).content.decode()
    # Each county's problem of the same kind, worded apart, in one group of two governments.
    assert recurring.count('data-governments="2"') == 2
    for title in (
        "部分行政执法单位和乡(镇)政府法制机构不健全",
        "（示例）部分执法单位和乡镇政府法制机构不健全",
    ):
        assert title in recurring
