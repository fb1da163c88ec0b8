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

    # The app decides by role; in the admin, model permissions are only a second lock, and
    # they allow reading, never writing (issue 13): staff do not read the admin at all.
    assert codenames(staff) == set()
    assert {"view_item", "view_annualreport", "view_review", "view_accessrefusal"} <= codenames(reviewer)
    assert {"view_item", "view_instruction", "view_follow"} <= codenames(leader)
    assert "view_accessrefusal" not in codenames(leader)
    for group in (reviewer, leader):
        assert {c for c in codenames(group) if not c.startswith("view_")} == set()


def test_the_tests_reseed_the_role_groups_as_the_migrations_leave_them():
    from tests.conftest import _reseed_reference_data

    def state():
        return {
            group.name: set(group.permissions.values_list("content_type__app_label", "codename"))
            for group in Group.objects.filter(name__in=roles.ALL)
        }

    migrated = state()
    for group in Group.objects.filter(name__in=roles.ALL):
        group.permissions.clear()  # as a flush leaves them
    _reseed_reference_data()
    assert state() == migrated


def test_the_read_only_role_migration_is_reversible():
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    name = "0016_role_groups_read_only_in_admin"
    migration = importlib.import_module(f"tracker.migrations.{name}")
    # The migration's own view of the models, as migrate hands it (never the project's apps).
    apps = MigrationLoader(connection).project_state(("tracker", name)).apps
    reviewer = Group.objects.get(name=roles.REVIEWER)
    migration.give_back(apps, None)
    assert reviewer.permissions.filter(codename="change_item").exists()
    assert Group.objects.get(name=roles.STAFF).permissions.filter(codename="add_progressupdate").exists()
    migration.read_only(apps, None)
    assert not reviewer.permissions.exclude(codename__startswith="view_").exists()
    assert not Group.objects.get(name=roles.STAFF).permissions.exists()


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


@pytest.mark.django_db(transaction=True)
def test_an_item_left_without_its_reports_year_gets_it_before_the_database_requires_one():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("tracker", "0017_item_achievements_stated_in_responsible")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    report = old.get_model("reports", "AnnualReport").objects.create(year=2020, title="报告")
    # Written in bulk, as the importers do, without the year that save() used to copy.
    old.get_model("tracker", "Item").objects.bulk_create(
        [old.get_model("tracker", "Item")(report=report, title="事项")]
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from tracker.models import Item

    assert list(Item.objects.values_list("title", "year")) == [("事项", 2020)]


@pytest.mark.django_db(transaction=True)
def test_unit_ratings_move_to_the_reports_app_with_their_rows_and_permissions():
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("tracker", "0019_item_year_set_by_its_creator"), ("reports", "0004_task_sheet")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    report = old.get_model("reports", "AnnualReport").objects.create(year=2020, title="报告")
    unit = old.get_model("tracker", "Unit").objects.create(name="县司法局")
    old.get_model("tracker", "UnitRating").objects.create(
        report=report, unit=unit, grade="good", comment="较好"
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    from reports.models import UnitRating

    assert list(UnitRating.objects.values_list("unit__name", "report__year", "grade", "comment")) == [
        ("县司法局", 2020, "good", "较好")
    ]
    assert "tracker_unitrating" not in connection.introspection.table_names()
    assert not ContentType.objects.filter(app_label="tracker", model="unitrating").exists()
    reviewer = Group.objects.get(name=roles.REVIEWER)
    assert reviewer.permissions.filter(content_type__app_label="reports", codename="view_unitrating").exists()


def _rows_before_governments():
    """Migrate to just before governments and write a one-government installation's rows:
    two reports (the newer one's issuer names the government), a unit, an item."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("tracker", "0026_escalations"), ("reports", "0005_unit_ratings_from_tracker")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    AnnualReport = old.get_model("reports", "AnnualReport")
    older = AnnualReport.objects.create(year=2019, title="2019年报告", issuer="旧名人民政府")
    newer = AnnualReport.objects.create(
        year=2020, title="新乡县2020年法治政府建设年度报告", issuer="新乡县人民政府", state="closed"
    )
    unit = old.get_model("tracker", "Unit").objects.create(name="县司法局", short_name="司法局")
    old.get_model("tracker", "Item").objects.create(report=newer, year=2020, title="事项", lead_unit=unit)
    return older, newer, unit


def _migrate_to_the_end():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_an_installation_of_one_government_moves_whole_into_a_government_named_by_its_newest_report():
    older, newer, unit = _rows_before_governments()
    _migrate_to_the_end()
    from reports.models import AnnualReport
    from tracker.models import Government, Item, Unit

    government = Government.objects.get()
    assert (government.name, government.parent_id, government.path) == (
        "新乡县人民政府",
        None,
        f"{government.pk:05d}.",
    )
    assert list(
        AnnualReport.objects.order_by("year").values_list("pk", "year", "title", "state", "government")
    ) == [
        (older.pk, 2019, "2019年报告", "draft", government.pk),
        (newer.pk, 2020, "新乡县2020年法治政府建设年度报告", "closed", government.pk),
    ]
    assert list(Unit.objects.values_list("pk", "name", "short_name", "government")) == [
        (unit.pk, "县司法局", "司法局", government.pk)
    ]
    assert list(Item.objects.values_list("title", "report_id", "lead_unit_id")) == [
        ("事项", newer.pk, unit.pk)
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migrated_government_takes_its_name_from_the_settings_first(settings):
    settings.LEDGER_GOVERNMENT_NAME = "新乡县"
    _rows_before_governments()
    _migrate_to_the_end()
    from tracker.models import Government

    assert list(Government.objects.values_list("name", flat=True)) == ["新乡县"]


@pytest.mark.django_db(transaction=True)
def test_a_fresh_installation_migrates_to_no_government_until_one_is_needed():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("tracker", "0026_escalations"), ("reports", "0005_unit_ratings_from_tracker")])
    _migrate_to_the_end()
    from tracker.models import Government

    assert not Government.objects.exists()
