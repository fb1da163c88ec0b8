"""Access control proven for every URL: the URLconf is walked (admin excepted) and each route
requested with GET as each of the six people of the permission table; the answer must be
the one in ACCESS. A new route without an entry here fails the test.

The walk runs among links that a unit sees from one side only (the ``linked`` fixture): a
shortfall of the lead unit answered by a measure of the other unit, a task of the lead unit
carried into the next year and handed to the cooperating unit. LINKED walks the same routes
again on the pages that show such links (the linked items' own pages, both years' pages
with their problems, measures and the next year's work,
every export of both years); every answer a person gets, on either walk, must hold nothing
of an item he or she may not see (SECRETS: titles and progress notes).

login = redirect to the login page; 405 = the route takes POST only (its POST permissions are
tested per view in tests/tracker/test_review.py, test_extensions.py, test_assignment.py,
test_instructions.py, test_item_views.py and test_evidence_preview.py). Every 403, 404 and 405 is the
site's error page.
"""

import io
from collections import defaultdict

import pytest
from django.urls import resolve, reverse

from tests.factories import AnnualReportFactory, ItemFactory
from tests.urlwalk import project_routes
from tracker.choices import MessageKind
from tracker.models import Message
from tracker.services import extension_request, instruction_add, item_add_progress, items_chase

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other", "lead", "coop", "leader", "reviewer"]
ALL_IN = {"anonymous": "login", "other": 200, "lead": 200, "coop": 200, "leader": 200, "reviewer": 200}
POST_ONLY = {"anonymous": "login", "other": 405, "lead": 405, "coop": 405, "leader": 405, "reviewer": 405}
REVIEWERS = {"anonymous": "login", "other": 403, "lead": 403, "coop": 403, "leader": 403, "reviewer": 200}
# The roll-ups of the governments below: supervisors only, and nobody here supervises (a tree
# of one); tests/test_government_walk.py walks them as a city's reviewer.
SUPERVISORS = {"anonymous": "login", **dict.fromkeys(ROLES[1:], 403)}
# An object of another unit is 404, not 403: its existence does not leak.
SEEN_BY_ITS_UNITS = {
    "anonymous": "login",
    "other": 404,
    "lead": 200,
    "coop": 200,
    "leader": 200,
    "reviewer": 200,
}

# A job (a large year's export) is its owner's alone: the lead unit's staff started this one.
OWNER_ONLY = {**SEEN_BY_ITS_UNITS, "coop": 404, "leader": 404, "reviewer": 404}

# route name → (path with the fixture's objects, expected answer per role)
ACCESS = {
    "home": ("/", ALL_IN),
    "tracker:healthz": ("/healthz", dict.fromkeys(ROLES, 200)),
    "tracker:items": ("/items/", ALL_IN),
    "tracker:bulk_assign": ("/items/assign/", POST_ONLY),
    "tracker:item": ("/items/{item}/", SEEN_BY_ITS_UNITS),
    "tracker:item_submit": ("/items/{item}/submit/", POST_ONLY),
    "tracker:item_review": ("/items/{item}/review/", POST_ONLY),
    "tracker:item_links": ("/items/{shortfall}/links/", POST_ONLY),
    "tracker:item_extension": ("/items/{item}/extension/", POST_ONLY),
    "tracker:item_assign": ("/items/{item}/assign/", POST_ONLY),
    "tracker:item_instruction": ("/items/{item}/instruction/", POST_ONLY),
    "tracker:item_follow": ("/items/{item}/follow/", POST_ONLY),
    "tracker:item_chase": ("/items/{item}/chase/", POST_ONLY),
    "tracker:bulk_chase": ("/items/chase/", POST_ONLY),
    # The 督办通知单 (DOCX) of a chase: whoever sees its item.
    "chase_notice": ("/chases/{chase}/notice/", SEEN_BY_ITS_UNITS),
    "rollup": ("/governments/?year=2020", SUPERVISORS),
    "rollup_shortfalls": ("/governments/shortfalls/?year=2020", SUPERVISORS),
    "rollup_export": ("/governments/export/xlsx/?year=2020", SUPERVISORS),
    "tracker:extension_decide": ("/extensions/{extension}/decide/", POST_ONLY),
    "tracker:instruction_reply": ("/instructions/{instruction}/reply/", POST_ONLY),
    "tracker:instruction_handle": ("/instructions/{instruction}/handle/", POST_ONLY),
    "tracker:review": ("/review/", REVIEWERS),
    # Everyone's own messages; a message is marked read by POST only.
    "tracker:inbox": ("/inbox/", ALL_IN),
    "tracker:inbox_read": ("/inbox/{message}/read/", POST_ONLY),
    "tracker:inbox_read_all": ("/inbox/read-all/", POST_ONLY),
    "scoreboard": ("/units/", ALL_IN),
    "ratings": ("/units/ratings/", POST_ONLY),
    "tracker:evidence": ("/evidence/{evidence}/", SEEN_BY_ITS_UNITS),
    "tracker:evidence_view": ("/evidence/{evidence}/view/", SEEN_BY_ITS_UNITS),
    # The searchable selects' options (JSON): the list's filters offer them to everybody.
    "tracker:autocomplete_units": ("/autocomplete/units/", ALL_IN),
    "tracker:autocomplete_people": ("/autocomplete/people/", ALL_IN),
    "tracker:autocomplete_areas": ("/autocomplete/areas/", ALL_IN),
    "reports:list": ("/reports/", ALL_IN),
    "reports:import": ("/reports/import/", REVIEWERS),
    # No import waiting: the reviewer is sent back to the upload step.
    "reports:import_preview": ("/reports/import/preview/", {**REVIEWERS, "reviewer": 302}),
    "reports:import_correct": ("/reports/import/correct/", POST_ONLY),
    "reports:import_confirm": ("/reports/import/confirm/", POST_ONLY),
    "reports:import_cancel": ("/reports/import/cancel/", POST_ONLY),
    "reports:detail": ("/reports/2020/", ALL_IN),
    "reports:rollover": ("/reports/2020/rollover/", REVIEWERS),
    "reports:close": ("/reports/2020/close/", POST_ONLY),
    "reports:export": ("/reports/2020/export/xlsx/", ALL_IN),
    # A large year's export as a job (POST), its page, status and file: the owner's only.
    "reports:export_job": ("/reports/2020/export/xlsx/job/", POST_ONLY),
    "jobs:detail": ("/jobs/{job}/", OWNER_ONLY),
    "jobs:status": ("/jobs/{job}/status/", OWNER_ONLY),
    "jobs:download": ("/jobs/{job}/download/", OWNER_ONLY),
    # The monthly 通报 (DOCX): reviewers only.
    "reports:circular": ("/reports/2020/circular/?month=2020-09", REVIEWERS),
    "reports:tasks_import": ("/reports/2020/tasks/import/", REVIEWERS),
    # No task list waiting: the reviewer is sent back to the upload step.
    "reports:tasks_import_preview": ("/reports/2020/tasks/import/preview/", {**REVIEWERS, "reviewer": 302}),
    "reports:tasks_import_confirm": ("/reports/2020/tasks/import/confirm/", POST_ONLY),
    "reports:tasks_import_cancel": ("/reports/2020/tasks/import/cancel/", POST_ONLY),
    # A logged-in person is sent on from the login page.
    "login": ("/accounts/login/", {"anonymous": 200, **dict.fromkeys(ROLES[1:], 302)}),
    "logout": ("/accounts/logout/", POST_ONLY),
    "password_change": ("/accounts/password_change/", ALL_IN),
    "password_change_done": ("/accounts/password_change/done/", ALL_IN),
    "set_language": ("/i18n/setlang/", dict.fromkeys(ROLES, 302)),
}


# The answer on a page of one unit's item: 200 for that unit's staff, leaders and reviewers.
def seen_by(role: str) -> dict:
    return {**SEEN_BY_ITS_UNITS, **dict.fromkeys(("other", "lead", "coop"), 404), role: 200}


# Routes walked again where they show linked items: (route name, path, answer per role).
LINKED = [
    ("tracker:item", "/items/{shortfall}/", seen_by("lead")),
    ("tracker:item", "/items/{measure}/", seen_by("other")),
    ("tracker:item", "/items/{carried_shortfall}/", seen_by("lead")),
    ("tracker:item", "/items/{carried_measure}/", seen_by("other")),
    ("tracker:item", "/items/{task}/", seen_by("lead")),
    ("tracker:item", "/items/{carried_task}/", seen_by("coop")),
    ("tracker:items", "/items/?year=all", ALL_IN),
    ("reports:detail", "/reports/2020/", ALL_IN),
    ("reports:detail", "/reports/2021/", ALL_IN),
    *(
        ("reports:export", f"/reports/{year}/export/{fmt}/", ALL_IN)
        for year in (2020, 2021)
        for fmt in ("xlsx", "csv", "docx", "tasks")
    ),
]

# What each person may not see of the linked items, anywhere.
A_ITEMS = ("A单位执法人员不足", "A单位充实执法力量", "A单位规范性文件审查")
B_ITEMS = ("B单位内部整改措施", "B单位内部进展", "已约谈三名责任人")
C_ITEMS = ("C单位接续审查任务", "C单位内部进展")
SECRETS = {
    "anonymous": A_ITEMS + B_ITEMS + C_ITEMS,
    "other": A_ITEMS + C_ITEMS,
    "lead": B_ITEMS + C_ITEMS,
    "coop": A_ITEMS + B_ITEMS,
    "leader": (),
    "reviewer": (),
}


def readable_text(response) -> str:
    """What a person reads in an answer: a page, a CSV, every cell of a workbook, every
    paragraph and table of a document."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
        )
    if "wordprocessingml" in kind:
        from docx import Document

        document = Document(io.BytesIO(content))
        cells = (cell.text for table in document.tables for row in table.rows for cell in row.cells)
        return "\n".join([*(p.text for p in document.paragraphs), *cells])
    return content.decode("utf-8-sig", errors="replace")


def assert_answer(response, want, where) -> None:
    """The answer is the one the table says, and holds nothing the person may not see."""
    role = where[1]
    if want == "login":
        assert response.status_code == 302 and response.url.startswith(reverse("login")), where
    else:
        assert response.status_code == want, (*where, response.status_code)
    text = readable_text(response)
    leaked = [secret for secret in SECRETS[role] if secret in text]
    assert not leaked, (*where, "leaked", leaked)
    if response.status_code in (403, 404, 405):
        # A refusal is the site's page saying so, with a way back (tests/test_error_pages.py).
        assert 'data-testid="error-page"' in text, (*where, "a bare refusal")


@pytest.fixture
def objects(item, staff_client, leader_client, pdf, linked):
    update = item_add_progress(
        item=item, user=staff_client.user, note="附件", files=[pdf()], expected_version=1
    )
    item.refresh_from_db()
    from datetime import timedelta

    from django.utils import timezone

    extension = extension_request(
        item=item,
        user=staff_client.user,
        new_due_on=timezone.localdate() + timedelta(days=30),
        reason="等文件",
    )
    instruction = instruction_add(item=item, user=leader_client.user, text="请尽快落实")
    message = Message.objects.get(recipient=staff_client.user, kind=MessageKind.INSTRUCTION)
    (chase,) = items_chase(items=[item], user=leader_client.user, note="请加快进度")
    from reports.export_jobs import start_year_export
    from reports.models import AnnualReport

    # The lead unit's CSV of 2021 (the linked items' next year), written by a job (no queue:
    # at once); its file must hold nothing of the other units' items either.
    job = start_year_export(report=AnnualReport.objects.get(year=2021), user=staff_client.user, fmt="csv")
    return {
        "job": job.pk,
        "chase": chase.pk,
        "message": message.pk,
        "item": item.pk,
        "evidence": update.evidence.get().pk,
        "extension": extension.pk,
        "instruction": instruction.pk,
        **{name: linked_item.pk for name, linked_item in vars(linked).items()},
    }


def test_every_route_has_an_entry():
    missing = [name for name, _route in project_routes() if name not in ACCESS]
    assert not missing, f"add these routes to ACCESS: {missing}"


def test_every_route_answers_each_role_as_the_table_says(clients, objects):
    AnnualReportFactory(year=2020)  # the item's year (the fixture made it)
    ItemFactory(report=AnnualReportFactory(year=2020))  # an item of another unit, for the lists
    walked = 0
    for name, _route in project_routes():
        path, expected = ACCESS[name]
        path = path.format(**objects)
        for role in ROLES:
            assert_answer(clients[role].get(path), expected[role], (name, role))
            walked += 1
    assert walked == len(ACCESS) * len(ROLES)


def test_linked_paths_are_the_routes_they_name():
    for name, path, _expected in LINKED:
        path = path.split("?")[0].format_map(defaultdict(lambda: 1))
        assert resolve(path).view_name == name, path


def test_pages_showing_linked_items_answer_each_role_with_only_what_it_may_see(clients, objects):
    for name, path, expected in LINKED:
        path = path.format(**objects)
        for role in ROLES:
            assert_answer(clients[role].get(path), expected[role], (name, role, path))


# The answer to an empty POST (a form with nothing filled in), per route and person.
# 405: the route does not take POST. For people allowed to act, an empty form gives its errors
# (200 / 400), or the action's redirect where every field may be empty.
P = "login"
POST_ACCESS = {
    "home": [P, 405, 405, 405, 405, 405],
    "tracker:healthz": [405] * 6,
    "tracker:items": [P, 405, 405, 405, 405, 405],
    "tracker:item": [P, 404, 200, 200, 403, 200],
    "tracker:bulk_assign": [P, 403, 403, 403, 403, 302],
    "tracker:item_submit": [P, 404, 400, 403, 403, 400],
    "tracker:item_review": [P, 404, 403, 403, 403, 400],
    # The lead unit's shortfall: a unit that cannot see it gets 404, one that can 403.
    "tracker:item_links": [P, 404, 403, 404, 403, 400],
    "tracker:item_extension": [P, 404, 400, 403, 403, 400],
    "tracker:item_assign": [P, 404, 403, 403, 403, 302],
    "tracker:item_instruction": [P, 404, 403, 403, 400, 403],
    "tracker:item_follow": [P, 404, 403, 403, 302, 302],
    # Leaders and reviewers chase; an empty note is refused (400 on the item's page; the list's
    # form goes back to the list with the error).
    "tracker:item_chase": [P, 404, 403, 403, 400, 400],
    "tracker:bulk_chase": [P, 403, 403, 403, 302, 302],
    "chase_notice": [P, 405, 405, 405, 405, 405],
    "rollup": [P, 405, 405, 405, 405, 405],
    "rollup_shortfalls": [P, 405, 405, 405, 405, 405],
    "rollup_export": [P, 405, 405, 405, 405, 405],
    "tracker:extension_decide": [P, 404, 403, 403, 403, 400],
    # An empty reply is refused (400) for the lead unit's staff. The leader who gave the
    # instruction marks it handled; the reviewer after him is told it is handled already (409).
    "tracker:instruction_reply": [P, 404, 400, 403, 403, 403],
    "tracker:instruction_handle": [P, 404, 403, 403, 302, 409],
    "tracker:review": [P, 405, 405, 405, 405, 405],
    # The message is the lead unit's (the leader's instruction): anyone else's is 404.
    "tracker:inbox": [P, 405, 405, 405, 405, 405],
    "tracker:inbox_read": [P, 404, 302, 404, 404, 404],
    "tracker:inbox_read_all": [P, 302, 302, 302, 302, 302],
    "scoreboard": [P, 405, 405, 405, 405, 405],
    "ratings": [P, 403, 403, 403, 403, 404],
    "tracker:evidence": [P, 405, 405, 405, 405, 405],
    "tracker:evidence_view": [P, 405, 405, 405, 405, 405],
    "tracker:autocomplete_units": [P, 405, 405, 405, 405, 405],
    "tracker:autocomplete_people": [P, 405, 405, 405, 405, 405],
    "tracker:autocomplete_areas": [P, 405, 405, 405, 405, 405],
    "reports:list": [P, 405, 405, 405, 405, 405],
    "reports:import": [P, 403, 403, 403, 403, 200],
    "reports:import_preview": [P, 405, 405, 405, 405, 405],
    "reports:import_correct": [P, 403, 403, 403, 403, 404],
    "reports:import_confirm": [P, 403, 403, 403, 403, 404],
    "reports:import_cancel": [P, 403, 403, 403, 403, 302],
    "reports:detail": [P, 405, 405, 405, 405, 405],
    "reports:rollover": [P, 403, 403, 403, 403, 302],
    "reports:close": [P, 403, 403, 403, 403, 302],
    "reports:export": [P, 405, 405, 405, 405, 405],
    # Anyone may have a year's export written (of what he or she may see): to the job's page.
    "reports:export_job": [P, 303, 303, 303, 303, 303],
    "jobs:detail": [P, 405, 405, 405, 405, 405],
    "jobs:status": [P, 405, 405, 405, 405, 405],
    "jobs:download": [P, 405, 405, 405, 405, 405],
    "reports:circular": [P, 405, 405, 405, 405, 405],
    # An empty upload gives the form's errors; nothing waits to be confirmed (404).
    "reports:tasks_import": [P, 403, 403, 403, 403, 200],
    "reports:tasks_import_preview": [P, 405, 405, 405, 405, 405],
    "reports:tasks_import_confirm": [P, 403, 403, 403, 403, 404],
    "reports:tasks_import_cancel": [P, 403, 403, 403, 403, 302],
    "login": [200, 302, 302, 302, 302, 302],
    "logout": [P] * 6,
    "password_change": [P, 200, 200, 200, 200, 200],
    "password_change_done": [P, 405, 405, 405, 405, 405],
    "set_language": [302] * 6,
}


def test_every_route_has_a_post_entry():
    assert sorted(POST_ACCESS) == sorted(name for name, _route in project_routes())


@pytest.mark.parametrize("name", sorted(POST_ACCESS))
def test_every_route_answers_a_post_from_each_role_as_the_table_says(clients, objects, name):
    AnnualReportFactory(year=2020)
    path = ACCESS[name][0].format(**objects)
    for role, want in zip(ROLES, POST_ACCESS[name], strict=True):
        response = clients[role].post(path, {})
        if want == P:
            assert response.status_code == 302 and response.url.startswith(reverse("login")), (name, role)
        else:
            assert response.status_code == want, (name, role, response.status_code)
