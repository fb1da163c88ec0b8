"""Fixtures: one logged-in client per role, and the units they belong to."""

import pytest
from django.test import Client

from tests.factories import LeaderFactory, ReviewerFactory, StaffFactory, UnitFactory, UserFactory


@pytest.fixture
def lead_unit(db):
    return UnitFactory(name="县司法局", short_name="司法局")


@pytest.fixture
def other_unit(db):
    return UnitFactory(name="县市场监督管理局", short_name="市场监管局")


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def staff_client(lead_unit):
    """Staff of the lead unit (县司法局)."""
    return _client_for(StaffFactory(username="staff1", units=[lead_unit]))


@pytest.fixture
def other_staff_client(other_unit):
    """Staff of another unit (县市场监督管理局)."""
    return _client_for(StaffFactory(username="staff2", units=[other_unit]))


@pytest.fixture
def reviewer_client(db):
    return _client_for(ReviewerFactory(username="reviewer"))


@pytest.fixture
def leader_client(db):
    return _client_for(LeaderFactory(username="leader"))


@pytest.fixture
def superuser_client(db):
    return _client_for(UserFactory(username="admin", is_superuser=True, is_staff=True))


@pytest.fixture
def coop_unit(db):
    return UnitFactory(name="县财政局", short_name="财政局")


@pytest.fixture
def coop_staff_client(coop_unit):
    """Staff of a unit that cooperates on the item (县财政局)."""
    return _client_for(StaffFactory(username="staff3", units=[coop_unit]))


@pytest.fixture
def item(lead_unit, coop_unit):
    """A 2020 task led by 县司法局 with 县财政局 cooperating."""
    from tests.factories import AnnualReportFactory, ItemFactory

    report = AnnualReportFactory(year=2020, state="active")
    item = ItemFactory(report=report, lead_unit=lead_unit, title="全面推行法律风险防控制度")
    item.cooperating_units.add(coop_unit)
    return item


@pytest.fixture
def linked(
    lead_unit, other_unit, coop_unit, staff_client, other_staff_client, coop_staff_client, reviewer_client
):
    """Links that a unit sees from one side only (the one-sided units of issue 13).

    2020: a shortfall of 县司法局 (A: ``staff_client``) answered by a measure of its own and
    by a measure of 县市场监督管理局 (B: ``other_staff_client``), returned, with B's progress
    note; a task of A with a figure. Rolled over into 2021 (the shortfall, both measures
    and the task carried), where the task is handed to 县财政局 (C: ``coop_staff_client``),
    retitled, with a figure and C's note. Returns a namespace of these items.
    """
    from types import SimpleNamespace

    from reports.services import year_rollover
    from tests.factories import AnnualReportFactory, ItemFactory, MetricFactory
    from tracker.models import Item
    from tracker.services import item_add_progress

    report = AnnualReportFactory(year=2020, state="active")
    shortfall = ItemFactory(
        report=report, kind="shortfall", title="A单位执法人员不足", lead_unit=lead_unit, status="in_progress"
    )
    own_measure = ItemFactory(report=report, kind="measure", title="A单位充实执法力量", lead_unit=lead_unit)
    measure = ItemFactory(
        report=report, kind="measure", title="B单位内部整改措施", lead_unit=other_unit, status="returned"
    )
    own_measure.addresses.add(shortfall)
    measure.addresses.add(shortfall)
    item_add_progress(
        item=measure, user=other_staff_client.user, note="B单位内部进展：已约谈三名责任人", expected_version=1
    )
    task = ItemFactory(
        report=report, title="A单位规范性文件审查", text="全年审查规范性文件。", lead_unit=lead_unit
    )
    MetricFactory(item=task, label="审查规范性文件", value=40, unit="件")
    year_rollover(from_year=2020, to_year=2021, user=reviewer_client.user)
    carried_task = Item.objects.get(carried_from=task)
    Item.objects.filter(pk=carried_task.pk).update(lead_unit=coop_unit, title="C单位接续审查任务")
    carried_task.refresh_from_db()
    MetricFactory(item=carried_task, label="审查规范性文件", value=52, unit="件")
    item_add_progress(
        item=carried_task, user=coop_staff_client.user, note="C单位内部进展：初审完毕", expected_version=1
    )
    return SimpleNamespace(
        shortfall=shortfall,
        own_measure=own_measure,
        measure=measure,
        task=task,
        carried_shortfall=Item.objects.get(carried_from=shortfall),
        carried_measure=Item.objects.get(carried_from=measure),
        carried_task=carried_task,
    )


PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def pdf():
    """A factory of small uploaded PDF files."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name="佐证材料.pdf", content=PDF_BYTES):
        return SimpleUploadedFile(name, content, content_type="application/pdf")

    return make


@pytest.fixture
def english():
    """Run with English messages, where a test asserts them in their source form."""
    from django.utils import translation

    with translation.override("en"):
        yield


def _reseed_reference_data():
    """Put back the areas and role groups that the data migrations made.

    A transactional test ends with a flush, which empties every table, data migrations'
    rows included; the tests after it need those rows as migrate leaves them.
    """
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group, Permission

    importlib.import_module("tracker.migrations.0002_seed_areas").seed(apps, None)
    apps.get_model("tracker", "LedgerStamp").objects.get_or_create(pk=1)
    # The role groups as the migrations leave them (view permissions only; reports 0005 moved
    # the ratings' permission to the reports app).
    roles_migration = importlib.import_module("reports.migrations.0005_unit_ratings_from_tracker")
    for role, reads in roles_migration.READS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            [
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
                for app_label, codename in reads
            ]
        )


@pytest.fixture(autouse=True)
def _reference_data_in_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        _reseed_reference_data()


@pytest.fixture
def clients(client, other_staff_client, staff_client, coop_staff_client, leader_client, reviewer_client):
    """One client per column of the permission table (see ROLES in the view tests)."""
    return {
        "anonymous": client,
        "other": other_staff_client,
        "lead": staff_client,
        "coop": coop_staff_client,
        "leader": leader_client,
        "reviewer": reviewer_client,
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached choice lists must not leak between tests)."""
    from django.core.cache import cache

    cache.clear()
