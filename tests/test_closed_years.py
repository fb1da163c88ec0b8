"""A closed year, in one place (tracker/years.py): every write service refuses it with one
error and one message and writes nothing; every permission about an item or a year answers
no; the pages say so instead of failing; and every way an item is created gives it its
report's year (save() no longer copies it)."""

import inspect
from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse

from reports.models import AnnualReport, Section, TaskSheet, UnitRating
from reports.services import ratings_set, report_import, year_close, year_rollover
from reports.tasksheet_services import task_sheet_import
from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    LeaderFactory,
    ReviewerFactory,
    StaffFactory,
    UnitFactory,
    UnitRatingFactory,
    UserFactory,
)
from tests.samples import XINXIANG
from tests.tasksheets import HEADER, task, xlsx_bytes
from tracker import permissions
from tracker.models import (
    Evidence,
    ExtensionRequest,
    Follow,
    Instruction,
    Item,
    Metric,
    ProgressUpdate,
    Review,
)
from tracker.services import (
    extension_decide,
    extension_request,
    instruction_add,
    instruction_handle,
    instruction_reply,
    item_add_progress,
    item_create,
    item_describe,
    item_review,
    item_set_links,
    item_submit,
    items_assign,
)
from tracker.years import YearClosed

CLOSED = "2020 年度已关闭，不能再修改。"


@pytest.fixture
def people(lead_unit):
    return {
        "staff": StaffFactory(units=[lead_unit]),
        "reviewer": ReviewerFactory(),
        "other_reviewer": ReviewerFactory(),
        "leader": LeaderFactory(),
        "admin": UserFactory(is_superuser=True, is_staff=True),
    }


@pytest.fixture
def year_2020(lead_unit, other_unit, people):
    """2020 as it stood when it was closed: a submitted task with an extension asked for, a
    measure answering a shortfall, a rating; 2019 before it, with an unfinished task."""
    y2019 = AnnualReportFactory(year=2019, state="active")
    ItemFactory(report=y2019, title="2019年未完成的任务", lead_unit=lead_unit)
    report = AnnualReportFactory(year=2020, state="active", previous=y2019)
    staff = people["staff"]
    task_item = ItemFactory(report=report, lead_unit=lead_unit, title="推进中的任务")
    item_add_progress(item=task_item, user=staff, status="submitted", note="已完成", expected_version=1)
    task_item.refresh_from_db()
    extension = extension_request(item=task_item, user=staff, new_due_on=date(2099, 1, 1), reason="人手不足")
    instruction = instruction_add(item=task_item, user=people["leader"], text="抓紧落实")
    gap = ItemFactory(report=report, kind="shortfall", lead_unit=lead_unit, title="执法人员不足")
    measure = ItemFactory(report=report, kind="measure", lead_unit=lead_unit, title="加强执法培训")
    measure.addresses.add(gap)
    other_measure = ItemFactory(report=report, kind="measure", lead_unit=lead_unit, title="充实执法力量")
    rating = UnitRatingFactory(report=report, unit=lead_unit, grade="good")
    year_close(report=report, user=people["reviewer"])
    report.refresh_from_db()
    for row in (task_item, gap, measure, other_measure):
        row.refresh_from_db()
    return {
        "report": report,
        "task": task_item,
        "extension": extension,
        "instruction": instruction,
        "gap": gap,
        "measure": measure,
        "other_measure": other_measure,
        "rating": rating,
        "other_unit": other_unit,
    }


def ledger_state():
    """Everything a write could change: the rows of every kind, and what each item says."""
    counts = {
        model.__name__: model.objects.count()
        for model in (
            AnnualReport,
            Section,
            TaskSheet,
            Item,
            Metric,
            ProgressUpdate,
            Evidence,
            Review,
            ExtensionRequest,
            Instruction,
            UnitRating,
            Follow,
        )
    }
    counts["links"] = Item.addresses.through.objects.count()
    items = list(
        Item.objects.order_by("pk").values_list(
            "pk", "status", "version", "due_on", "lead_unit_id", "title", "updated_at"
        )
    )
    reports = list(AnnualReport.objects.order_by("pk").values_list("year", "state", "title", "updated_at"))
    decisions = list(ExtensionRequest.objects.order_by("pk").values_list("decision", flat=True))
    grades = list(UnitRating.objects.order_by("pk").values_list("grade", "comment"))
    return counts, items, reports, decisions, grades


def _attempts(y, people):
    """Every write service, each asked by someone who could do it in an open year."""
    report, item, staff, reviewer = y["report"], y["task"], people["staff"], people["reviewer"]
    return {
        "item_add_progress": lambda: item_add_progress(
            item=item, user=staff, note="又一条进展", expected_version=item.version
        ),
        "item_submit": lambda: item_submit(
            item=item, user=staff, note="再次提交", expected_version=item.version
        ),
        "item_review": lambda: item_review(item=item, user=reviewer, decision="approve"),
        "extension_request": lambda: extension_request(
            item=y["gap"], user=staff, new_due_on=date(2099, 6, 1), reason="再延期"
        ),
        "extension_decide": lambda: extension_decide(
            extension=y["extension"], user=people["other_reviewer"], grant=True
        ),
        "items_assign": lambda: items_assign(
            items=[item], user=reviewer, changes={"lead_unit": y["other_unit"]}
        ),
        "item_set_links": lambda: item_set_links(
            item=y["other_measure"], user=reviewer, others=[y["gap"]], expected_version=1
        ),
        "item_describe": lambda: item_describe(
            item=item, user=people["admin"], changes={"title": "改过的标题"}, expected_version=item.version
        ),
        "item_create": lambda: item_create(
            item=Item(report=report, title="新增的任务", lead_unit=item.lead_unit), user=people["admin"]
        ),
        "instruction_add": lambda: instruction_add(item=item, user=people["leader"], text="抓紧落实"),
        "instruction_reply": lambda: instruction_reply(
            instruction=y["instruction"], user=staff, note="已落实"
        ),
        "instruction_handle": lambda: instruction_handle(instruction=y["instruction"], user=people["leader"]),
        "ratings_set": lambda: ratings_set(
            report_id=report.pk, user=reviewer, grades={item.lead_unit_id: ("excellent", "")}
        ),
        "report_import": lambda: report_import(text=XINXIANG, user=reviewer),
        "task_sheet_import": lambda: task_sheet_import(
            data=xlsx_bytes([["2020年任务分解表"], [], HEADER, task(1, "组织执法人员培训。", "县司法局")]),
            filename="任务分解表.xlsx",
            year=2020,
            user=reviewer,
        ),
        "year_rollover": lambda: year_rollover(from_year=2019, to_year=2020, user=reviewer),
        "year_close": lambda: year_close(report=report, user=reviewer),
    }


WRITE_SERVICES = [
    "item_add_progress",
    "item_submit",
    "item_review",
    "extension_request",
    "extension_decide",
    "items_assign",
    "item_set_links",
    "item_describe",
    "item_create",
    "instruction_add",
    "instruction_reply",
    "instruction_handle",
    "ratings_set",
    "report_import",
    "task_sheet_import",
    "year_rollover",
    "year_close",
]


@pytest.mark.parametrize("service", WRITE_SERVICES)
def test_every_write_service_refuses_a_closed_year_with_one_message_and_writes_nothing(
    year_2020, people, service
):
    before = ledger_state()
    with pytest.raises(YearClosed) as refused:
        _attempts(year_2020, people)[service]()
    assert refused.value.messages == [CLOSED] and str(refused.value) == CLOSED
    assert refused.value.year == 2020
    assert ledger_state() == before


def test_the_table_names_every_write_service(year_2020, people):
    assert sorted(_attempts(year_2020, people)) == sorted(WRITE_SERVICES)


def test_a_closed_year_is_refused_before_the_persons_role_is_asked(year_2020, people):
    """Whoever asks, the answer is the year's: a leader recording progress is told that the
    year is closed, not only that leaders record none."""
    with pytest.raises(YearClosed):
        item_add_progress(item=year_2020["task"], user=people["leader"], note="x", expected_version=2)


def test_linking_an_open_years_measure_to_a_closed_years_shortfall_is_refused(year_2020, people, lead_unit):
    open_measure = ItemFactory(report=AnnualReportFactory(year=2021), kind="measure", lead_unit=lead_unit)
    with pytest.raises(YearClosed, match="2020"):
        item_set_links(
            item=open_measure, user=people["reviewer"], others=[year_2020["gap"]], expected_version=1
        )
    assert not open_measure.addresses.exists()


# -- permissions -----------------------------------------------------------------------------

# Every can_* of tracker.permissions, by what it is asked about. One that is new must be
# placed here: about an item or a year, it answers no in a closed year.
ABOUT_ITEM = [
    "can_view_item",  # reading: a closed year stays readable
    "can_add_progress",
    "can_change_status",
    "can_submit",
    "can_review",
    "can_request_extension",
    "can_assign_item",
    "can_link",
    "can_chase_item",
]
ABOUT_EXTENSION = ["can_decide_extension"]
ABOUT_INSTRUCTION = ["can_reply_instruction", "can_handle_instruction"]
ABOUT_YEAR = ["can_rate"]
ABOUT_ADMIN_ROW = ["can_edit_in_admin"]
ABOUT_THE_PERSON = [
    "can_instruct",
    "can_follow",
    "can_assign",
    "can_chase",
    "can_manage_years",
    "can_read_admin",
    "can_search_choices",
]
ABOUT_A_UNIT_OR_ACCOUNT = ["can_delete_unit_in_admin", "can_delete_user_in_admin"]  # test_admin_rules.py
READING = {"can_view_item"}


def test_every_permission_is_placed_in_the_table():
    names = {
        name for name, _f in inspect.getmembers(permissions, inspect.isfunction) if name.startswith("can_")
    }
    placed = (
        ABOUT_ITEM
        + ABOUT_EXTENSION
        + ABOUT_INSTRUCTION
        + ABOUT_YEAR
        + ABOUT_ADMIN_ROW
        + ABOUT_THE_PERSON
        + ABOUT_A_UNIT_OR_ACCOUNT
    )
    assert names == set(placed)


def _askers(people):
    return [*people.values(), StaffFactory(units=[UnitFactory()])]


@pytest.mark.parametrize("name", [n for n in ABOUT_ITEM if n not in READING])
def test_every_permission_about_an_item_answers_no_in_a_closed_year(year_2020, people, name):
    ask = getattr(permissions, name)
    closed = [year_2020[key] for key in ("task", "gap", "measure")]
    for row in closed:
        row.refresh_from_db()  # the item as a page reads it, its report closed
    for person in _askers(people):
        assert not any(ask(person, row) for row in closed), (name, person)
    # ... where somebody may in an open year (the same items, the year reopened in memory).
    for row in closed:
        row.report.state = "active"
    assert any(ask(person, row) for person in _askers(people) for row in closed), name


def test_the_extension_rating_and_admin_permissions_answer_no_in_a_closed_year(year_2020, people):
    extension, report = year_2020["extension"], year_2020["report"]
    extension.refresh_from_db()
    for person in _askers(people):
        assert not permissions.can_decide_extension(person, extension)
        assert not permissions.can_rate(person, report)
        assert not permissions.can_edit_in_admin(person, report)
        assert not permissions.can_edit_in_admin(person, year_2020["rating"])
    extension.item.report.state = report.state = "active"
    assert permissions.can_decide_extension(people["other_reviewer"], extension)
    assert permissions.can_rate(people["reviewer"], report)
    assert permissions.can_edit_in_admin(people["admin"], report)


@pytest.mark.parametrize("name", ABOUT_INSTRUCTION)
def test_every_permission_about_an_instruction_answers_no_in_a_closed_year(year_2020, people, name):
    ask = getattr(permissions, name)
    instruction = Instruction.objects.select_related("item__report").get(pk=year_2020["instruction"].pk)
    assert not any(ask(person, instruction) for person in _askers(people)), name
    instruction.item.report.state = "active"
    assert any(ask(person, instruction) for person in _askers(people)), name


def test_a_closed_years_item_page_offers_nothing_but_following(year_2020, people):
    can = permissions.item_capabilities(people["reviewer"], year_2020["task"])
    assert can == permissions.ItemCapabilities(follow=True)


# -- the pages -------------------------------------------------------------------------------


def test_rating_a_closed_year_on_the_scoreboard_says_so_and_changes_nothing(
    year_2020, reviewer_client, lead_unit
):
    response = reviewer_client.post(
        reverse("ratings"), {"year": "2020", f"grade_{lead_unit.pk}": "excellent"}, follow=True
    )
    assert response.status_code == 200 and CLOSED in response.content.decode()
    assert list(UnitRating.objects.values_list("grade", flat=True)) == ["good"]
    page = reviewer_client.get(reverse("scoreboard"), {"year": "2020"}).content.decode()
    assert f'name="grade_{lead_unit.pk}"' not in page


def test_closing_a_closed_year_again_is_a_page_that_says_so_not_a_server_error(year_2020, reviewer_client):
    response = reviewer_client.post(
        reverse("reports:close", args=[2020]), HTTP_REFERER="http://testserver/reports/2020/"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert CLOSED in page and 'href="http://testserver/reports/2020/"' in page


def test_a_form_sent_to_a_closed_years_item_is_answered_with_the_message(year_2020, reviewer_client):
    item = year_2020["task"]
    for url, data in [
        (reverse("tracker:item_links", args=[year_2020["other_measure"].pk]), {"links-version": 1}),
        (reverse("tracker:item_extension", args=[item.pk]), {"new_due_on": "2099-01-01", "reason": "r"}),
        (
            reverse("tracker:item_submit", args=[item.pk]),
            {"submit-note": "x", "submit-version": item.version},
        ),
    ]:
        response = reviewer_client.post(url, data)
        assert response.status_code == 400 and CLOSED in response.content.decode(), url


def test_the_review_queue_leaves_out_a_closed_years_extension_requests(year_2020, reviewer_client):
    page = reviewer_client.get(reverse("tracker:review")).content.decode()
    assert "人手不足" not in page and year_2020["task"].title not in page


# -- the year of every new item --------------------------------------------------------------


def _years_agree() -> bool:
    return not Item.objects.exclude(year=F("report__year")).exists()


def test_every_way_of_creating_items_gives_them_their_reports_year(lead_unit, people):
    reviewer = people["reviewer"]
    report_import(text=XINXIANG, user=reviewer)  # achievements of 2020, work of 2021
    assert set(Item.objects.values_list("year", flat=True)) == {2020, 2021} and _years_agree()
    ItemFactory(report=AnnualReport.objects.get(year=2020), lead_unit=lead_unit, title="未完成的任务")
    year_rollover(from_year=2020, to_year=2021, user=reviewer)
    assert Item.objects.filter(year=2021, carried_from__isnull=False).exists() and _years_agree()
    task_sheet_import(
        data=xlsx_bytes([["2022年任务分解表"], [], HEADER, task(1, "组织执法人员培训。", "县司法局")]),
        filename="任务分解表.xlsx",
        year=2022,
        user=reviewer,
    )
    assert Item.objects.filter(year=2022).exists() and _years_agree()
    created = item_create(
        item=Item(report=AnnualReport.objects.get(year=2022), title="手工添加的任务", lead_unit=lead_unit),
        user=people["admin"],
    )
    assert created.year == 2022 and _years_agree()
    assert ItemFactory(report=AnnualReportFactory(year=2023)).year == 2023


def test_an_item_created_without_its_year_is_refused_by_the_database(db):
    report = AnnualReportFactory(year=2020)
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(report=report, title="没有年度的事项")
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.bulk_create([Item(report=report, year=0, title="年度为零的事项")])
