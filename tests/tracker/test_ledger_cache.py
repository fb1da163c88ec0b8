"""Cached figures follow every change to the ledger: each write path says what changed
(``tracker.ledger_cache.ledger_changed``), and a figure cached before it is counted again.

The scenarios below call every public write service of tracker/services.py,
reports/services.py and reports/tasksheet_services.py: a service added to one of those
modules fails ``test_every_write_service_is_checked`` until it is put here, so none can forget.
"""

import inspect
from datetime import date, timedelta

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.urls import reverse

import reports.services
import reports.tasksheet_services
import tracker.services
from reports.models import AnnualReport, Section, UnitRating
from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    LeaderFactory,
    ReviewerFactory,
    StaffFactory,
    UnitFactory,
    UserFactory,
)
from tests.samples import QINGSHI
from tracker import ledger_cache
from tracker.ledger_cache import cached, ledger_changed
from tracker.models import (
    Area,
    Evidence,
    ExtensionRequest,
    Item,
    LedgerStamp,
    Metric,
    ProgressUpdate,
    Review,
    Unit,
)

LEDGER_MODELS = [
    Item,
    Item.cooperating_units.through,
    Item.addresses.through,
    ProgressUpdate,
    Evidence,
    Review,
    ExtensionRequest,
    UnitRating,
    Unit,
    Area,
    Metric,
    AnnualReport,
    Section,
]


def stored():
    return LedgerStamp.objects.get(pk=1).version


def ledger_now():
    """Every row of every ledger table: a figure that any write to the ledger changes."""
    return {model._meta.label: list(model.objects.order_by("pk").values()) for model in LEDGER_MODELS}


def probe():
    """The same, as a cached figure."""
    return cached("probe", build=ledger_now)


# --- the machinery ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_cached_figure_is_counted_again_after_each_write_that_says_so():
    ItemFactory(title="甲")
    count = lambda: Item.objects.count()  # noqa: E731
    assert cached("n", build=count) == 1
    Item.objects.create(report=Item.objects.get().report, year=Item.objects.get().year, title="乙")
    assert cached("n", build=count) == 1  # nobody said so: still the cached figure
    ledger_changed()
    assert cached("n", build=count) == 2
    Item.objects.filter(title="乙").update(title="丙")
    ledger_changed()
    assert cached("titles", build=lambda: sorted(Item.objects.values_list("title", flat=True))) == [
        "丙",
        "甲",
    ]
    Item.objects.filter(title="丙").delete()
    ledger_changed()
    assert cached("n", build=count) == 1


@pytest.mark.django_db
def test_a_change_made_by_another_process_is_seen_through_the_stored_version():
    calls = []
    build = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert cached("x", build=build) == 1
    assert cached("x", build=build) == 1  # cached
    # What another worker's commit leaves behind: only the stored version moved.
    LedgerStamp.objects.filter(pk=1).update(version=F("version") + 1)
    assert cached("x", build=build) == 2


@pytest.mark.django_db(transaction=True)
def test_the_stored_version_rises_once_per_committed_write_and_not_on_rollback(reviewer_client):
    item = ItemFactory(report=AnnualReportFactory(year=2020, state="active"))
    unit = UnitFactory()
    before = stored()
    # One service, many rows (the item, its units, its history entry): one rise, after the commit.
    with transaction.atomic():
        tracker.services.items_assign(
            items=[item], user=reviewer_client.user, changes={"cooperating_units": [unit]}
        )
        assert stored() == before
    assert stored() == before + 1
    with pytest.raises(RuntimeError), transaction.atomic():
        ledger_changed()
        raise RuntimeError
    assert stored() == before + 1
    ledger_changed()  # autocommit: at once
    assert stored() == before + 2


@pytest.mark.django_db(transaction=True)
def test_writes_outside_the_ledger_change_nothing():
    before = stored()
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["x"] = 1
    session.save()
    assert stored() == before


@pytest.mark.django_db
def test_no_statement_is_read_to_guess_a_write():
    connection.ensure_connection()
    assert connection.execute_wrappers == []


@pytest.mark.django_db
def test_none_is_cached_too():
    calls = []
    build = lambda: calls.append(1)  # noqa: E731 - returns None
    cached("none", build=build)
    cached("none", build=build)
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_version_raise_never_fails_the_write(monkeypatch, reviewer_client):
    report = AnnualReportFactory(year=2020, state="active")
    item = ItemFactory(report=report)

    def broken(past, using):
        raise DatabaseError("the stamp is gone")

    monkeypatch.setattr(ledger_cache, "_raise_stored", broken)
    tracker.services.items_assign(
        items=[item], user=reviewer_client.user, changes={"due_on": date(2020, 6, 1)}
    )
    with transaction.atomic():
        tracker.services.items_assign(
            items=[item], user=reviewer_client.user, changes={"due_on": date(2020, 7, 1)}
        )
    assert Item.objects.get(pk=item.pk).due_on == date(2020, 7, 1)


@pytest.mark.django_db
def test_a_restore_leaves_the_stored_version_past_both_databases_versions():
    LedgerStamp.objects.filter(pk=1).update(version=3)
    with transaction.atomic():
        ledger_changed(past=10)
    # The test's transaction never commits: run what the commit would.
    ledger_cache._raise_stored(10, "default")
    assert stored() == 11
    ledger_cache._raise_stored(0, "default")
    assert stored() == 12


# --- every write service says so ------------------------------------------------------

# Public functions of the service modules that write nothing.
READS = {
    "conflicts_as",
    "lead_unit_conflict_error",
    "official_error",
    "stale_message",
    "assignment_error",
    "unit_directory",
    "text_sha256",
    "report_parse",
    "report_import_target",
    "has_next_year_work",
    "default_report_title",
    "default_work_due_on",
    "rollover_plan",
    "file_sha256",
    "task_sheet_parse",
    "task_sheet_target",
    # Which government an import goes into (issue 19).
    "import_government",
    "reports_of",
    "government_level",
    "units_government_error",
}
# Write services that change no cached figure, and why.
CHANGE_NO_FIGURE = {
    # A membership changes what a person sees, and every cached figure's key holds that
    # (permissions.visibility_key); the figures themselves stay true.
    "user_set_units",
    # No cached figure counts instructions or follows.
    "instruction_add",
    "item_follow",
    # A government made (or named) for an import holds no item yet; what a person sees of the
    # tree is in every cached figure's key (permissions.visibility_key).
    "government_named",
    "saved_government",
}


@pytest.fixture
def year(lead_unit, coop_unit):
    report = AnnualReportFactory(year=2020, state="active")
    return report


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def _submitted(item, staff):
    tracker.services.item_submit(item=item, user=staff, note="已完成。", expected_version=item.version)
    item.refresh_from_db()
    return item


def _scenarios():
    """Service name → a function of the fixtures that makes the write (after the setup)."""

    def item_add_progress(ctx):
        item = ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit)
        return lambda: tracker.services.item_add_progress(
            item=item, user=ctx.staff, note="已起草。", status="in_progress", expected_version=item.version
        )

    def item_submit(ctx):
        item = ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit)
        return lambda: tracker.services.item_submit(
            item=item, user=ctx.staff, note="已完成。", expected_version=item.version
        )

    def item_review(ctx):
        item = _submitted(ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit), ctx.staff)
        return lambda: tracker.services.item_review(item=item, user=ctx.reviewer, decision="approve")

    def extension_request(ctx):
        item = ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit, due_on=date.today() + timedelta(days=5))
        return lambda: tracker.services.extension_request(
            item=item, user=ctx.staff, new_due_on=date.today() + timedelta(days=60), reason="等待上级批复。"
        )

    def extension_decide(ctx):
        item = ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit, due_on=date.today() + timedelta(days=5))
        extension = tracker.services.extension_request(
            item=item, user=ctx.staff, new_due_on=date.today() + timedelta(days=60), reason="等待上级批复。"
        )
        return lambda: tracker.services.extension_decide(extension=extension, user=ctx.reviewer, grant=True)

    def instruction_reply(ctx):
        item = ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit)
        instruction = tracker.services.instruction_add(item=item, user=ctx.leader, text="抓紧落实")
        return lambda: tracker.services.instruction_reply(
            instruction=instruction, user=ctx.staff, note="已落实"
        )

    def instruction_handle(ctx):
        item = ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit)
        instruction = tracker.services.instruction_add(item=item, user=ctx.leader, text="抓紧落实")
        return lambda: tracker.services.instruction_handle(instruction=instruction, user=ctx.leader)

    def items_chase(ctx):
        item = ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit)
        return lambda: tracker.services.items_chase(items=[item], user=ctx.reviewer, note="请加快进度")

    def items_assign(ctx):
        item = ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit)
        return lambda: tracker.services.items_assign(
            items=[item], user=ctx.reviewer, changes={"due_on": date(2020, 9, 30)}
        )

    def item_set_links(ctx):
        shortfall = ItemFactory(report=ctx.year, kind="shortfall", lead_unit=ctx.lead_unit)
        measure = ItemFactory(report=ctx.year, kind="measure", lead_unit=ctx.lead_unit)
        return lambda: tracker.services.item_set_links(
            item=measure, user=ctx.reviewer, others=[shortfall], expected_version=measure.version
        )

    def item_describe(ctx):
        item = ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit)
        return lambda: tracker.services.item_describe(
            item=item, user=ctx.admin, changes={"title": "改过的标题"}, expected_version=item.version
        )

    def item_create(ctx):
        return lambda: tracker.services.item_create(
            item=Item(report=ctx.year, year=ctx.year.year, title="新增任务", lead_unit=ctx.lead_unit),
            user=ctx.admin,
        )

    def ratings_set(ctx):
        return lambda: reports.services.ratings_set(
            report_id=ctx.year.pk, user=ctx.reviewer, grades={ctx.lead_unit.pk: ("excellent", "")}
        )

    def report_import(ctx):
        return lambda: reports.services.report_import(text=QINGSHI, user=ctx.reviewer)

    def year_rollover(ctx):
        ItemFactory(report=ctx.year, lead_unit=ctx.lead_unit)
        return lambda: reports.services.year_rollover(from_year=2020, to_year=2021, user=ctx.reviewer)

    def year_close(ctx):
        return lambda: reports.services.year_close(report=ctx.year, user=ctx.reviewer)

    def next_year_record(ctx):
        return lambda: reports.services.next_year_record(ctx.year)

    def task_sheet_import(ctx):
        data = reports.tasksheet_services.SAMPLE_TASK_SHEET.read_bytes()
        return lambda: reports.tasksheet_services.task_sheet_import(
            data=data, filename="tasks.xlsx", year=2021, user=ctx.reviewer
        )

    def sample_task_sheet_import(ctx):
        return lambda: reports.tasksheet_services.sample_task_sheet_import(year=2021)

    return {name: f for name, f in locals().items() if callable(f)}


SCENARIOS = _scenarios()


def _public_functions(module):
    return {
        name
        for name, value in inspect.getmembers(module, inspect.isfunction)
        if value.__module__ == module.__name__ and not name.startswith("_")
    }


def test_every_write_service_is_checked():
    services = set().union(
        *(_public_functions(m) for m in (tracker.services, reports.services, reports.tasksheet_services))
    )
    unclassified = services - READS - CHANGE_NO_FIGURE - set(SCENARIOS)
    assert not unclassified, (
        f"say how the cache hears of these writes, and test it here: {sorted(unclassified)}"
    )
    assert not (set(SCENARIOS) | READS | CHANGE_NO_FIGURE) - services, "a service listed here is gone"


@pytest.mark.django_db
@pytest.mark.parametrize("service", sorted(SCENARIOS))
def test_a_figure_cached_before_a_write_service_shows_its_change(
    service, year, lead_unit, coop_unit, admin_user
):
    from types import SimpleNamespace

    ctx = SimpleNamespace(
        year=year,
        lead_unit=lead_unit,
        staff=StaffFactory(units=[lead_unit]),
        reviewer=ReviewerFactory(),
        leader=LeaderFactory(),
        admin=admin_user,
    )
    write = SCENARIOS[service](ctx)
    before = probe()
    write()
    after = ledger_now()
    assert after != before, "the scenario wrote nothing"
    assert probe() == after


# --- the other write paths: the admin, the commands ---------------------------------------


def test_every_admin_of_a_ledger_model_says_what_it_changed():
    from tracker.admin import LedgerChangedAdminMixin

    for model in LEDGER_MODELS:
        if model._meta.auto_created:
            continue  # an item's units and links: written through the item's admin
        model_admin = admin.site._registry.get(model)
        assert model_admin is not None, model
        assert isinstance(model_admin, LedgerChangedAdminMixin), model


@pytest.mark.django_db
def test_a_figure_cached_before_an_admin_change_shows_it(admin_user, client):
    client.force_login(admin_user)
    unit = UnitFactory(name="县旧名局")
    before = probe()
    url = reverse("admin:tracker_unit_change", args=[unit.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(name="县新名局", **_empty_inline("memberships", client.get(url).context))
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert probe() != before
    assert probe() == ledger_now()


def _empty_inline(_name, context):
    """The management form of each inline on the page, with no rows changed."""
    data = {}
    for formset in context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for field in management.fields:
            data[management.add_prefix(field)] = management[field].value()
        for form in formset.formset.forms:
            for field in form.fields:
                value = form[field].value()
                if value is not None:
                    data[form.add_prefix(field)] = value
    return data


@pytest.mark.django_db
def test_a_figure_cached_before_an_admin_action_shows_it(admin_user, client):
    client.force_login(admin_user)
    report = AnnualReportFactory(year=2020, state="active")
    doomed = ItemFactory(report=report)
    before = probe()
    response = client.post(
        reverse("admin:tracker_item_changelist"),
        {"action": "delete_selected", "_selected_action": [doomed.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Item.objects.filter(pk=doomed.pk).exists()
    assert probe() != before
    assert probe() == ledger_now()


@pytest.mark.django_db
def test_a_figure_cached_before_load_demo_shows_what_it_loaded():
    before = probe()
    call_command("load_demo", verbosity=0)
    assert probe() != before
    assert probe() == ledger_now()


@pytest.mark.django_db
def test_a_figure_cached_before_an_escalation_shows_its_history_entry(lead_unit):
    from tracker.escalation import escalate

    report = AnnualReportFactory(year=2020, state="active")
    ItemFactory(report=report, lead_unit=lead_unit, due_on=date(2020, 6, 30))
    before = probe()
    assert escalate(on=date(2020, 9, 30)).heads == 1
    assert probe() != before
    assert probe() == ledger_now()


# --- shared between workers through Redis -------------------------------------------------

REDIS = "redis://127.0.0.1:6379/15"


def _redis_answers() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def _redis_settings(location: str, prefix: str) -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }


@pytest.mark.django_db
@pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379")
def test_a_figure_counted_by_one_worker_is_read_by_another_through_redis(settings):
    import uuid

    from django.core.cache import caches

    from utilities.cache import cache_key

    settings.CACHES = _redis_settings(REDIS, f"ledger-test-{uuid.uuid4().hex}")
    try:
        assert cached("scoreboard", 2020, build=lambda: "counted by worker A") == "counted by worker A"
        # Another gunicorn worker: its own client and connections, the same Redis.
        other = caches.create_connection("default")
        key = cache_key("ledger", "scoreboard", ledger_cache.ledger_version(), (2020,))
        assert other.get(key) == "counted by worker A"
        # Counted once: a worker that asks next gets worker A's figure, not its own count.
        assert cached("scoreboard", 2020, build=lambda: "counted by worker B") == "counted by worker A"
        ItemFactory()  # a change: counted again
        assert cached("scoreboard", 2020, build=lambda: "counted by worker B") == "counted by worker B"
    finally:
        caches["default"].delete_pattern("*")


@pytest.mark.django_db
def test_redis_out_of_reach_costs_a_count_not_a_page(settings):
    settings.CACHES = _redis_settings("redis://127.0.0.1:1/0", "ledger-test")
    assert cached("n", build=lambda: 1) == 1
    assert cached("n", build=lambda: 2) == 2


def test_the_ledger_cache_imports_no_reader_of_the_figures():
    """freshness and selectors once imported each other: the cache module now stands below
    every module that reads cached figures (the selectors, the scoreboard)."""
    import ast
    from pathlib import Path

    tree = ast.parse(Path(ledger_cache.__file__).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level}
    imported |= {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and not node.level
    } & {"tracker.selectors", "reports.scoreboard", "reports.selectors"}
    assert imported <= {"models"}, imported
