"""What the data migrations leave in a freshly migrated database."""

import pytest
from django.contrib.auth.models import Group

from tracker import roles
from tracker.models import Area

pytestmark = pytest.mark.django_db


def test_the_seven_main_tasks_of_the_2015_outline_exist_in_order():
    names = list(Area.objects.filter(framework="2015-2020").order_by("order").values_list("name", flat=True))
    assert names == [
        "依法全面履行政府职能",
        "完善依法行政制度体系",
        "推进行政决策科学化民主化法治化",
        "坚持严格规范公正文明执法",
        "强化对行政权力的制约和监督",
        "依法有效化解社会矛盾纠纷",
        "全面提高政府工作人员法治思维和依法行政能力",
    ]


def test_the_eight_systems_of_the_2021_outline_exist_in_order():
    names = list(Area.objects.filter(framework="2021-2025").order_by("order").values_list("name", flat=True))
    assert len(names) == 8
    assert names[0] == "政府机构职能体系"
    assert names[4] == "突发事件应对体系"
    assert names[-1] == "法治政府建设科技保障体系(数字法治政府)"


def test_cross_cutting_areas_exist():
    assert set(Area.objects.filter(framework="cross").values_list("name", flat=True)) == {
        "党政主要负责人履行推进法治建设第一责任人职责",
        "党的领导与推进机制",
        "其他",
    }


def test_role_groups_exist_with_their_permissions():
    staff = Group.objects.get(name=roles.STAFF)
    reviewer = Group.objects.get(name=roles.REVIEWER)
    leader = Group.objects.get(name=roles.LEADER)

    def codenames(group):
        return set(group.permissions.values_list("codename", flat=True))

    assert {"view_item", "add_progressupdate", "add_evidence"} <= codenames(staff)
    assert "change_item" not in codenames(staff)
    assert {"add_annualreport", "change_item", "add_review", "change_unitrating"} <= codenames(reviewer)
    assert "view_item" in codenames(leader)
    # Leaders change nothing; they only give instructions and follow items.
    assert {c for c in codenames(leader) if not c.startswith("view_")} == {"add_instruction", "add_follow"}


@pytest.mark.django_db(transaction=True)
def test_existing_evidence_learns_its_item_from_its_progress_update():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("tracker", "0007_role_permissions_for_steering")]
    after = [("tracker", "0008_evidence_item_and_figures_index")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    report = old.get_model("reports", "AnnualReport").objects.create(year=2020, title="报告")
    item = old.get_model("tracker", "Item").objects.create(report=report, year=2020, title="事项")
    update = old.get_model("tracker", "ProgressUpdate").objects.create(item=item, note="附件")
    old.get_model("tracker", "Evidence").objects.create(
        update=update,
        file="evidence/x.pdf",
        original_name="x.pdf",
        size=1,
        content_type="application/pdf",
        sha256="0",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from tracker.models import Evidence

    assert Evidence.objects.get().item_id == item.pk
