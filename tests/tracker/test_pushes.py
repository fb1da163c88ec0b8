"""Pushes to chat groups (tracker.pushes): a fake robot on 127.0.0.1 receives what WeCom,
DingTalk (signed) and generic JSON targets get; a 500 is retried with back-off; quiet hours
hold pushes back; the environment's target joins the admin's."""

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from datetime import datetime, time, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import ItemFactory, UnitFactory
from tracker.models import Push, PushTarget
from tracker.pushes import BACKOFF_MINUTES, Target, enqueue, in_quiet_hours, send_due

pytestmark = pytest.mark.django_db


class Robot:
    """A fake group robot: records each request; answers with ``status`` and ``answer``."""

    def __init__(self):
        self.requests = []
        self.status, self.answer = 200, {"errcode": 0, "errmsg": "ok"}
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                robot.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": self.rfile.read(length)}
                )
                self.send_response(robot.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(robot.answer).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook?key=abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def json(self, n=-1):
        return json.loads(self.requests[n]["body"])


@pytest.fixture
def robot():
    robot = Robot()
    yield robot
    robot.server.shutdown()


@pytest.fixture
def item(lead_unit, coop_unit):
    item = ItemFactory(title="推进行政执法三项制度", lead_unit=lead_unit)
    item.cooperating_units.add(coop_unit)
    return item


def push_one(item, **kwargs):
    return enqueue(event="returned", title="事项被退回", text="请补充材料", item=item, **kwargs)


def test_a_wecom_robot_gets_markdown_with_the_items_link(robot, item):
    PushTarget.objects.create(name="县法治办群", kind="wecom", url=robot.url)
    push_one(item)
    assert send_due().sent == 1
    body = robot.json()
    assert body["msgtype"] == "markdown"
    assert "事项被退回" in body["markdown"]["content"] and "请补充材料" in body["markdown"]["content"]
    assert f"/items/{item.pk}/" in body["markdown"]["content"]
    assert Push.objects.get().state == "sent"


def test_a_dingtalk_robot_gets_a_signed_address(robot, item):
    PushTarget.objects.create(name="钉钉群", kind="dingtalk", url=robot.url, secret="SECabc123")
    push_one(item)
    assert send_due().sent == 1
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(robot.requests[0]["path"]).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    wanted = base64.b64encode(
        hmac.new(b"SECabc123", f"{timestamp}\nSECabc123".encode(), hashlib.sha256).digest()
    ).decode()
    assert sign == wanted and query["key"] == ["abc"]
    body = robot.json()
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "事项被退回"


def test_a_generic_target_gets_json_signed_in_a_header(robot, item):
    PushTarget.objects.create(name="督查系统", kind="json", url=robot.url, secret="k")
    push_one(item)
    send_due()
    raw = robot.requests[0]["body"]
    assert robot.requests[0]["headers"]["X-Ledger-Signature"] == (
        "sha256=" + hmac.new(b"k", raw, hashlib.sha256).hexdigest()
    )
    body = json.loads(raw)
    assert (body["event"], body["title"], body["text"], body["item"]) == (
        "returned",
        "事项被退回",
        "请补充材料",
        item.pk,
    )


def test_a_500_is_retried_with_back_off_then_failed(robot, item):
    PushTarget.objects.create(name="县法治办群", kind="wecom", url=robot.url)
    push_one(item)
    robot.status = 500
    now = timezone.now()
    assert send_due(now=now).retried == 1
    push = Push.objects.get()
    assert (push.state, push.attempts) == ("pending", 1) and "500" in push.last_error
    assert push.next_attempt_at == now + timedelta(minutes=BACKOFF_MINUTES[0])
    assert send_due(now=now).retried == 0  # not due yet: nothing sent
    assert len(robot.requests) == 1
    robot.status = 200
    assert send_due(now=push.next_attempt_at).sent == 1
    assert len(robot.requests) == 2 and Push.objects.get().state == "sent"


def test_a_robot_refusing_with_an_errcode_is_a_failure(robot, item):
    PushTarget.objects.create(name="县法治办群", kind="wecom", url=robot.url)
    push_one(item)
    robot.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    send_due()
    push = Push.objects.get()
    assert push.state == "pending" and "93000" in push.last_error


def test_after_the_last_back_off_the_push_is_failed_and_kept(item):
    PushTarget.objects.create(name="不存在", kind="wecom", url="http://127.0.0.1:9/hook")
    push_one(item)
    now = timezone.now()
    for _ in range(len(BACKOFF_MINUTES) + 1):
        send_due(now=now)
        now = Push.objects.get().next_attempt_at
    push = Push.objects.get()
    assert push.state == "failed" and push.attempts == len(BACKOFF_MINUTES) + 1 and push.last_error


def test_quiet_hours_hold_a_push_until_they_end(robot, item):
    PushTarget.objects.create(
        name="县法治办群", kind="wecom", url=robot.url, quiet_from=time(20, 0), quiet_until=time(8, 0)
    )
    push_one(item)
    tomorrow = timezone.localtime() + timedelta(days=1)
    night = tomorrow.replace(hour=22, minute=30, second=0, microsecond=0)
    assert send_due(now=night).waiting == 1
    assert robot.requests == []
    morning = (tomorrow + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    assert Push.objects.get().next_attempt_at == morning
    assert send_due(now=morning).sent == 1


@pytest.mark.parametrize(
    ("start", "end", "at", "quiet"),
    [
        (time(20), time(8), time(23), True),
        (time(20), time(8), time(7, 59), True),
        (time(20), time(8), time(8), False),
        (time(12), time(14), time(13), True),
        (time(12), time(14), time(14), False),
        (None, None, time(3), False),
    ],
)
def test_quiet_hours_on_either_side_of_midnight(start, end, at, quiet):
    target = Target("wecom", "http://x", quiet_from=start, quiet_until=end)
    now = timezone.make_aware(datetime.combine(datetime(2026, 11, 28), at))
    assert (in_quiet_hours(target, now) is not None) == quiet


def test_units_hear_of_their_own_items_only(robot, item, lead_unit, coop_unit):
    other = UnitFactory(name="县财政局外的单位")
    PushTarget.objects.create(name="司法局群", kind="json", url=robot.url, unit=lead_unit)
    PushTarget.objects.create(name="财政局群", kind="json", url=robot.url, unit=coop_unit)
    PushTarget.objects.create(name="别的单位群", kind="json", url=robot.url, unit=other)
    PushTarget.objects.create(name="全县群", kind="json", url=robot.url)
    PushTarget.objects.create(name="停用的群", kind="json", url=robot.url, active=False)
    push_one(item)
    assert sorted(push.target.name for push in Push.objects.all()) == ["全县群", "司法局群", "财政局群"]


def test_a_governments_group_hears_of_its_own_and_lower_governments_items_only(robot, item):
    from tests.factories import AnnualReportFactory, GovernmentFactory

    county = item.report.government
    city = GovernmentFactory(name="新乡市", level="city")
    county.parent = city
    county.save()
    sibling = GovernmentFactory(name="获嘉县", parent=city)
    theirs = ItemFactory(
        report=AnnualReportFactory(government=sibling, year=2020), lead_unit=UnitFactory(government=sibling)
    )
    PushTarget.objects.create(name="新乡县群", kind="json", url=robot.url, government=county)
    PushTarget.objects.create(name="获嘉县群", kind="json", url=robot.url, government=sibling)
    PushTarget.objects.create(name="新乡市群", kind="json", url=robot.url, government=city)
    push_one(item)
    push_one(theirs)
    heard = sorted((push.target.name, push.item_id) for push in Push.objects.all())
    assert heard == sorted(
        [("新乡县群", item.pk), ("新乡市群", item.pk), ("获嘉县群", theirs.pk), ("新乡市群", theirs.pk)]
    )


def test_the_environment_gives_one_more_target(robot, item, settings):
    settings.LEDGER_WEBHOOK_URL = robot.url
    settings.LEDGER_WEBHOOK_KIND = "json"
    push_one(item)
    out = StringIO()
    call_command("send_notifications", stdout=out)
    assert "pushes: 1 sent" in out.getvalue()
    assert robot.json()["title"] == "事项被退回"
    assert Push.objects.get().target is None


def test_a_rolled_back_event_pushes_nothing(robot, item):
    from django.db import transaction

    PushTarget.objects.create(name="县法治办群", kind="wecom", url=robot.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        push_one(item)
        raise RuntimeError
    assert not Push.objects.exists()


def test_an_unknown_webhook_kind_stops_the_checks(settings):
    from config.checks import check_webhook_kind

    settings.LEDGER_WEBHOOK_URL, settings.LEDGER_WEBHOOK_KIND = "http://x", "slack"
    assert [error.id for error in check_webhook_kind(None)] == ["ledger.E002"]


def test_send_notifications_writes_the_days_messages_once(staff_client, lead_unit):
    from tracker.models import Message

    ItemFactory(lead_unit=lead_unit, title="逾期的任务", due_on=timezone.localdate() - timedelta(days=3))
    for _ in range(2):
        call_command("send_notifications", "--no-mail", stdout=StringIO())
    assert list(Message.objects.values_list("kind", "recipient")) == [("overdue", staff_client.user.pk)]
