"""The admin's access proven for every registered model: each is opened (list, add page, one
row's page) and posted to as each kind of person, and the answer must be the one in ACCESS.
A newly registered model without an entry here fails the test.

Every person here has Django's "staff status" (the worst case: an administrator ticked it for
all of them); the rules of tracker.permissions still decide. Cells of ACCESS: the list's
status, the add page's status, and the row's page: "edit" (a form to save), "read" (shown,
nothing to save) or 403. Whatever is not "edit" refuses a POST with 403.
"""

from datetime import date, timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    LeaderFactory,
    MetricFactory,
    ProgressUpdateFactory,
    ReviewerFactory,
    ReviewFactory,
    SectionFactory,
    StaffFactory,
    UnitFactory,
    UnitRatingFactory,
    UserFactory,
)
from tracker import roles
from tracker.models import (
    AccessRefusal,
    Affiliation,
    Area,
    Escalation,
    Evidence,
    ExtensionRequest,
    Follow,
    Instruction,
    Membership,
    Push,
    PushTarget,
    ReminderLog,
)

pytestmark = pytest.mark.django_db

PEOPLE = ["reviewer", "leader", "staff", "administrator"]

NOTHING = (403, 403, 403)
READ = (200, 403, "read")
EDIT = (200, 200, "edit")
# Rows the application writes (history, decisions, logs): never changed here.
KEPT = (200, 403, "read")

ADMINISTRATORS_ONLY = {"reviewer": NOTHING, "leader": NOTHING, "staff": NOTHING, "administrator": EDIT}
READ_BY_OFFICE = {"reviewer": READ, "leader": READ, "staff": NOTHING, "administrator": EDIT}
HISTORY = {"reviewer": READ, "leader": READ, "staff": NOTHING, "administrator": KEPT}
LOGS = {"reviewer": READ, "leader": NOTHING, "staff": NOTHING, "administrator": KEPT}

# model label → expected answers per person
ACCESS = {
    "auth.group": ADMINISTRATORS_ONLY,
    "auth.user": ADMINISTRATORS_ONLY,
    # Lockouts: administrators lift them (the row's page saves nothing; its delete unlocks).
    "axes.accessattempt": {**LOGS, "administrator": (200, 403, "edit")},
    "axes.accesslog": {**LOGS, "administrator": (200, 403, "edit")},
    "axes.accessfailurelog": {**LOGS, "administrator": (200, 403, "edit")},
    # The governments' tree and who works for which: the system administrator keeps them (the
    # pages' government switch shows a supervisor the tree he sees).
    "tracker.government": ADMINISTRATORS_ONLY,
    "tracker.affiliation": ADMINISTRATORS_ONLY,
    "tracker.unit": READ_BY_OFFICE,
    "tracker.membership": READ_BY_OFFICE,
    "tracker.area": READ_BY_OFFICE,
    "tracker.item": READ_BY_OFFICE,
    "tracker.metric": READ_BY_OFFICE,
    "reports.unitrating": READ_BY_OFFICE,
    "tracker.follow": READ_BY_OFFICE,
    "reports.annualreport": READ_BY_OFFICE,
    "reports.section": READ_BY_OFFICE,
    "tracker.progressupdate": HISTORY,
    "tracker.evidence": HISTORY,
    "tracker.review": HISTORY,
    "tracker.extensionrequest": HISTORY,
    "tracker.instruction": HISTORY,
    "tracker.reminderlog": LOGS,
    "tracker.accessrefusal": LOGS,
    # Chat groups' robots hold secrets: administrators only; their pushes are the app's log.
    "tracker.pushtarget": ADMINISTRATORS_ONLY,
    "tracker.push": {"reviewer": NOTHING, "leader": NOTHING, "staff": NOTHING, "administrator": KEPT},
    # The escalation rules that fired: the application's record; the items' history tells
    # everyone else.
    "tracker.escalation": {"reviewer": NOTHING, "leader": NOTHING, "staff": NOTHING, "administrator": KEPT},
}

# The same rows in a closed year: read-only for everyone who reads them.
CLOSED_YEAR = [
    "tracker.item",
    "tracker.metric",
    "reports.unitrating",
    "tracker.follow",
    "reports.annualreport",
    "reports.section",
]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people():
    return {
        "reviewer": _client(ReviewerFactory(username="w-reviewer", is_staff=True)),
        "leader": _client(LeaderFactory(username="w-leader", is_staff=True)),
        "staff": _client(StaffFactory(username="w-staff", is_staff=True, units=[UnitFactory()])),
        "administrator": _client(UserFactory(username="w-admin", is_staff=True, is_superuser=True)),
    }


def _rows(year, state):
    """One row of every registered model (the ledger's in a report of ``year``)."""
    report = AnnualReportFactory(year=year, state=state)
    unit = UnitFactory()
    person = StaffFactory(units=[unit])
    item = ItemFactory(report=report, lead_unit=unit)
    update = ProgressUpdateFactory(item=item, author=person)
    return {
        "auth.group": Group.objects.get(name=roles.REVIEWER),
        "auth.user": person,
        "tracker.government": report.government,
        "tracker.affiliation": Affiliation.objects.create(
            user=ReviewerFactory(), government=report.government
        ),
        "axes.accessattempt": AccessAttempt.objects.create(
            username="x", ip_address="127.0.0.1", user_agent="t", failures_since_start=1
        ),
        "axes.accesslog": AccessLog.objects.create(username="x", ip_address="127.0.0.1", user_agent="t"),
        "axes.accessfailurelog": AccessFailureLog.objects.create(
            username="x", ip_address="127.0.0.1", user_agent="t"
        ),
        "tracker.unit": unit,
        "tracker.membership": Membership.objects.get(user=person, unit=unit),
        "tracker.area": Area.objects.first(),
        "tracker.item": item,
        "tracker.metric": MetricFactory(item=item),
        "reports.unitrating": UnitRatingFactory(report=report, unit=unit),
        "tracker.follow": Follow.objects.create(user=person, item=item),
        "reports.annualreport": report,
        "reports.section": SectionFactory(report=report),
        "tracker.progressupdate": update,
        "tracker.evidence": Evidence.objects.create(
            update=update,
            item=item,
            file="evidence/x.pdf",
            original_name="x.pdf",
            size=1,
            content_type="application/pdf",
            sha256="0" * 64,
            uploaded_by=person,
        ),
        "tracker.review": ReviewFactory(item=item),
        "tracker.extensionrequest": ExtensionRequest.objects.create(
            item=item, requested_by=person, new_due_on=date.today() + timedelta(days=30), reason="理由"
        ),
        "tracker.instruction": Instruction.objects.create(item=item, author=person, text="抓紧办理"),
        "tracker.reminderlog": ReminderLog.objects.create(user=person, sent_on=date.today(), item_count=1),
        "tracker.accessrefusal": AccessRefusal.objects.create(
            user=person, method="GET", path="/items/1/", status=403
        ),
        "tracker.pushtarget": PushTarget.objects.create(name="县法治办群", url="http://127.0.0.1:9/hook"),
        "tracker.push": Push.objects.create(event="returned", title="事项被退回", text="请补充材料"),
        "tracker.escalation": Escalation.objects.create(item=item, level=1, days=8),
    }


def _url(obj, action):
    opts = obj._meta
    args = [obj.pk] if action in ("change", "delete") else []
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def _change_page(client, obj):
    response = client.get(_url(obj, "change"))
    if response.status_code != 200:
        return response.status_code
    return "edit" if 'name="_save"' in response.content.decode() else "read"


def test_every_registered_model_has_an_entry():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ACCESS)


@pytest.mark.parametrize("person", PEOPLE)
def test_each_person_gets_what_the_rules_say_in_the_admin(people, person):
    client = people[person]
    rows = _rows(2021, "active")
    wrong = {}
    for label, expected in ACCESS.items():
        obj = rows[label]
        got = (
            client.get(_url(obj, "changelist")).status_code,
            client.get(_url(obj, "add")).status_code,
            _change_page(client, obj),
        )
        if got != expected[person]:
            wrong[label] = (got, expected[person])
        if expected[person][2] != "edit":
            status = client.post(_url(obj, "change"), {}).status_code
            if status != 403:
                wrong[f"{label} POST"] = (status, 403)
    assert not wrong, wrong


@pytest.mark.parametrize("person", ["reviewer", "leader", "administrator"])
def test_a_closed_years_rows_are_read_only_for_everyone(people, person):
    client = people[person]
    rows = _rows(2019, "closed")
    wrong = {}
    for label in CLOSED_YEAR:
        obj = rows[label]
        page = _change_page(client, obj)
        post = client.post(_url(obj, "change"), {}).status_code
        delete = client.post(_url(obj, "delete"), {"post": "yes"}).status_code
        if (page, post, delete) != ("read", 403, 403):
            wrong[label] = (page, post, delete)
    assert not wrong, wrong
    report = rows["reports.annualreport"]
    report.refresh_from_db()
    assert report.state == "closed"


def test_without_staff_status_a_reviewer_is_sent_to_the_admin_login(client):
    client.force_login(ReviewerFactory(username="plain-reviewer"))
    response = client.get(reverse("admin:tracker_item_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response.url
