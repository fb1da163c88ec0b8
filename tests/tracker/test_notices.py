"""Who hears of what: each event the services write tells the right people, and nobody else
(the actor never hears of his or her own act); the daily run's due-soon and overdue messages;
a message's sentence in the reader's language."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone, translation

from tests.factories import (
    AnnualReportFactory,
    ItemFactory,
    LeaderFactory,
    ReviewerFactory,
    StaffFactory,
    UnitFactory,
    UserFactory,
)
from tests.tracker.steering import submit
from tracker.choices import MessageKind
from tracker.models import Message
from tracker.reminders import write_daily_messages
from tracker.services import (
    StaleItem,
    extension_decide,
    extension_request,
    instruction_add,
    instruction_handle,
    instruction_reply,
    item_review,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(lead_unit, coop_unit, other_unit):
    """Everyone an event might concern, by name, and an item of the lead unit."""
    people = {
        "lead1": StaffFactory(username="lead1", units=[lead_unit]),
        "lead2": StaffFactory(username="lead2", units=[lead_unit, other_unit]),
        "lead_gone": StaffFactory(username="lead_gone", units=[lead_unit], is_active=False),
        "coop": StaffFactory(username="coop", units=[coop_unit]),
        "other": StaffFactory(username="other", units=[other_unit]),
        "reviewer1": ReviewerFactory(username="reviewer1"),
        "reviewer2": ReviewerFactory(username="reviewer2"),
        "reviewer_gone": ReviewerFactory(username="reviewer_gone", is_active=False),
        "admin": UserFactory(username="admin", is_superuser=True),
        "leader1": LeaderFactory(username="leader1"),
        # A leader who belongs to the lead unit sees every item as a leader: not its staff.
        "leader_in_unit": LeaderFactory(username="leader_in_unit", units=[lead_unit]),
        "nobody": UserFactory(username="nobody"),
    }
    item = ItemFactory(
        report=AnnualReportFactory(year=2020, state="active"), lead_unit=lead_unit, title="落实"
    )
    item.cooperating_units.add(coop_unit)
    return people, item


def told(before: int) -> dict[str, set[str]]:
    """The messages written since ``before`` (a pk): kind → recipients' user names."""
    heard = {}
    for kind, name in Message.objects.filter(pk__gt=before).values_list("kind", "recipient__username"):
        heard.setdefault(kind, set()).add(name)
    return heard


def last_pk() -> int:
    return Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _submitted(people, item, by="lead1"):
    return submit(item, people[by])


def _returned(people, item):
    _submitted(people, item)
    item_review(item=item, user=people["reviewer1"], decision="return", comment="佐证不全")


def _approved(people, item):
    _submitted(people, item)
    item_review(item=item, user=people["reviewer2"], decision="approve")


def _instructed(people, item):
    return instruction_add(item=item, user=people["leader1"], text="请抓紧落实")


def _replied(people, item):
    instruction = _instructed(people, item)
    instruction_reply(instruction=instruction, user=people["lead1"], note="已部署")


def _handled_by_reviewer(people, item):
    instruction_handle(instruction=_instructed(people, item), user=people["reviewer1"])


def _handled_by_its_leader(people, item):
    instruction_handle(instruction=_instructed(people, item), user=people["leader1"])


def _extension(people, item, *, asker, grant):
    request = extension_request(
        item=item, user=people[asker], new_due_on=timezone.localdate() + timedelta(days=40), reason="等文件"
    )
    extension_decide(
        extension=request, user=people["reviewer1"], grant=grant, comment="" if grant else "不行"
    )


REVIEWERS = {"reviewer1", "reviewer2", "admin"}
LEAD_STAFF = {"lead1", "lead2"}

# (event, the messages it writes since the item was made: kind → who).
EVENTS = [
    ("submitted by the lead unit's staff", _submitted, {MessageKind.SUBMITTED: REVIEWERS}),
    (
        "submitted by a reviewer",
        lambda people, item: _submitted(people, item, by="reviewer2"),
        {MessageKind.SUBMITTED: REVIEWERS - {"reviewer2"}},
    ),
    (
        "returned",
        _returned,
        {MessageKind.SUBMITTED: REVIEWERS, MessageKind.RETURNED: LEAD_STAFF},
    ),
    (
        "approved",
        _approved,
        {MessageKind.SUBMITTED: REVIEWERS, MessageKind.APPROVED: LEAD_STAFF},
    ),
    ("instruction given", _instructed, {MessageKind.INSTRUCTION: LEAD_STAFF}),
    (
        "instruction answered",
        _replied,
        {MessageKind.INSTRUCTION: LEAD_STAFF, MessageKind.INSTRUCTION_REPLY: {"leader1"}},
    ),
    (
        "instruction handled by a reviewer",
        _handled_by_reviewer,
        {MessageKind.INSTRUCTION: LEAD_STAFF, MessageKind.INSTRUCTION_HANDLED: LEAD_STAFF},
    ),
    (
        "instruction handled by its leader",
        _handled_by_its_leader,
        {MessageKind.INSTRUCTION: LEAD_STAFF, MessageKind.INSTRUCTION_HANDLED: LEAD_STAFF},
    ),
    (
        "extension granted",
        lambda people, item: _extension(people, item, asker="lead2", grant=True),
        {MessageKind.EXTENSION_DECIDED: {"lead2"}},
    ),
    (
        "extension refused",
        lambda people, item: _extension(people, item, asker="lead1", grant=False),
        {MessageKind.EXTENSION_DECIDED: {"lead1"}},
    ),
    (
        "extension a reviewer asked for, decided by another",
        lambda people, item: _extension(people, item, asker="reviewer2", grant=True),
        {MessageKind.EXTENSION_DECIDED: {"reviewer2"}},
    ),
]


@pytest.mark.parametrize(("event", "expected"), [(e[1], e[2]) for e in EVENTS], ids=[e[0] for e in EVENTS])
def test_each_event_tells_the_right_people_and_nobody_else(cast, event, expected):
    people, item = cast
    before = last_pk()
    event(people, item)
    assert told(before) == expected


def test_a_message_holds_the_item_the_actor_and_what_was_written(cast):
    people, item = cast
    _returned(people, item)
    message = Message.objects.get(recipient=people["lead1"], kind=MessageKind.RETURNED)
    assert (message.item, message.actor, message.text, message.read_at) == (
        item,
        people["reviewer1"],
        "佐证不全",
        None,
    )


def test_a_refused_event_writes_no_message(cast):
    people, item = cast
    _submitted(people, item)
    before = last_pk()
    with pytest.raises(ValidationError):
        item_review(item=item, user=people["reviewer1"], decision="return", comment="")
    with pytest.raises(StaleItem):
        item_review(
            item=item, user=people["reviewer1"], decision="approve", expected_version=item.version - 1
        )
    assert told(before) == {}


def test_an_item_without_a_lead_unit_tells_its_staff_nothing(cast):
    people, _item = cast
    item = ItemFactory(report=AnnualReportFactory(year=2020), lead_unit=None)
    before = last_pk()
    instruction_add(item=item, user=people["leader1"], text="请研究")
    assert told(before) == {}


def test_the_sentence_is_drawn_in_the_readers_language(cast):
    people, item = cast
    people["reviewer1"].first_name, people["reviewer1"].last_name = "李审核", ""
    people["reviewer1"].save()
    _returned(people, item)
    _extension(people, item, asker="lead1", grant=True)
    returned = Message.objects.get(recipient=people["lead1"], kind=MessageKind.RETURNED)
    granted = Message.objects.get(recipient=people["lead1"], kind=MessageKind.EXTENSION_DECIDED)
    day = (timezone.localdate() + timedelta(days=40)).strftime("%Y-%m-%d")
    with translation.override("en"):
        assert returned.sentence == "李审核 returned it, saying:"
        assert granted.sentence == f"李审核 granted your extension request: the deadline is now {day}."
    with translation.override("zh-hans"):
        assert returned.sentence == "李审核 退回了此事项，意见："
        assert granted.sentence == f"李审核 同意了您的延期申请，完成时限调整为{day}。"


# --- the daily run ---------------------------------------------------------------------


def test_the_daily_run_tells_the_lead_units_staff_of_due_and_overdue_items_once_a_day(cast, other_unit):
    people, _item = cast
    today = timezone.localdate()
    report = AnnualReportFactory(year=2021, state="active")
    unit = people["lead1"].memberships.get().unit
    soon = ItemFactory(report=report, lead_unit=unit, due_on=today + timedelta(days=3))
    late = ItemFactory(report=report, lead_unit=unit, due_on=today - timedelta(days=2))
    ItemFactory(report=report, lead_unit=unit, due_on=today + timedelta(days=30))  # not yet
    ItemFactory(report=report, lead_unit=unit, due_on=today - timedelta(days=2), status="done")
    ItemFactory(report=AnnualReportFactory(year=2019, state="closed"), lead_unit=unit, due_on=today)
    elsewhere = ItemFactory(report=report, lead_unit=UnitFactory(), due_on=today)

    assert write_daily_messages(on=today, days=7) == 4
    daily = set(Message.objects.values_list("recipient__username", "item", "kind", "data__date"))
    assert daily == {
        (name, item.pk, kind, item.due_on.strftime("%Y-%m-%d"))
        for name in LEAD_STAFF
        for item, kind in ((soon, MessageKind.DUE_SOON), (late, MessageKind.OVERDUE))
    }
    assert not Message.objects.filter(item=elsewhere).exists()

    call_command("send_reminders", "--no-mail", verbosity=0)  # again the same day: nothing new
    assert Message.objects.count() == 4


def test_the_daily_run_tells_a_deadline_again_only_each_week_or_when_it_changes(cast, settings):
    settings.LEDGER_MESSAGE_REPEAT_DAYS = 7
    people, _item = cast
    today = timezone.localdate()
    unit = people["lead1"].memberships.get().unit
    report = AnnualReportFactory(year=2021, state="active")
    late = ItemFactory(report=report, lead_unit=unit, due_on=today - timedelta(days=2))
    moved = ItemFactory(report=report, lead_unit=unit, due_on=today - timedelta(days=2))

    def told(day):
        write_daily_messages(on=today + timedelta(days=day), days=7)
        return sorted(
            (message.item_id, message.data["date"])
            for message in Message.objects.filter(recipient=people["lead1"], on=today + timedelta(days=day))
        )

    both = sorted([(late.pk, str(late.due_on)), (moved.pk, str(moved.due_on))])
    assert told(0) == both
    for day in range(1, 7):
        assert told(day) == [], f"told again on day {day}"
    assert told(7) == both  # a week on, still overdue: told again
    moved.due_on = today + timedelta(days=9)  # given a new deadline: due soon, told at once
    moved.save()
    assert told(8) == [(moved.pk, str(moved.due_on))]
    assert Message.objects.get(item=moved, on=today + timedelta(days=8), recipient=people["lead1"]).kind == (
        MessageKind.DUE_SOON
    )


def test_send_reminders_without_mail_writes_the_messages_and_sends_nothing(cast, mailoutbox):
    people, item = cast
    people["lead1"].email = "lead1@example.gov.cn"
    people["lead1"].save()
    item.due_on = timezone.localdate()
    item.save()
    call_command("send_reminders", "--no-mail", verbosity=0)
    assert mailoutbox == []
    assert set(Message.objects.values_list("recipient__username", "kind")) == {
        ("lead1", MessageKind.DUE_SOON),
        ("lead2", MessageKind.DUE_SOON),
    }
    call_command("send_reminders", verbosity=0)
    assert [mail.to for mail in mailoutbox] == [["lead1@example.gov.cn"]]
    assert Message.objects.count() == 2


def test_notify_refuses_an_unknown_kind_or_audience(cast):
    from tracker.notices import notify

    people, item = cast
    with pytest.raises(ValueError):
        notify(kind="praised", item=item, to=[people["lead1"]])
    with pytest.raises(ValueError):
        notify(kind=MessageKind.CHASED, item=item, to="everyone")
    assert not Message.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_notify_outside_a_transaction_is_refused(lead_unit):
    from tracker.notices import LEAD_STAFF, notify

    StaffFactory(units=[lead_unit])
    item = ItemFactory(report=AnnualReportFactory(year=2020), lead_unit=lead_unit)
    with pytest.raises(RuntimeError):
        notify(kind=MessageKind.CHASED, item=item, to=LEAD_STAFF)
    assert not Message.objects.exists()


def test_a_chase_tells_the_lead_units_staff_in_their_language(cast):
    from django.db import transaction

    from tracker import notices

    people, item = cast
    with transaction.atomic():
        notices.notify(
            kind=MessageKind.CHASED,
            item=item,
            actor=people["reviewer1"],
            to=notices.LEAD_STAFF,
            text="本周内报送",
        )
    assert set(Message.objects.values_list("recipient__username", flat=True)) == LEAD_STAFF
    with translation.override("zh-hans"):
        assert Message.objects.first().sentence == f"{people['reviewer1'].first_name} 催办此事项："
