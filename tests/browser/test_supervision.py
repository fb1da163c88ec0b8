"""Supervision reaching people, in a browser: the reviewer returns one item and chases another,
and a third, long overdue, escalates to staff1 as his unit's head; staff1 sees the unread count in the menu bar, reads both in the message centre, opens the
chased item from its message and finds the chase with its 督办通知单; a fake group robot on
127.0.0.1 receives both events when send_notifications runs."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.browser.conftest import log_in
from tests.factories import ItemFactory
from tracker.escalation import escalate
from tracker.models import Item, Membership, PushTarget, Unit
from tracker.services import item_add_progress

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def robot():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"errcode": 0}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def log_out(page):
    page.click("nav.navbar .dropdown-toggle")
    page.click("button:has-text('退出')")
    page.wait_for_url("**/accounts/login/**")


def test_a_return_and_a_chase_reach_staff1_and_the_group(browser, live_server, robot):
    call_command("load_demo", verbosity=0)
    url, received = robot
    PushTarget.objects.create(name="县法治办工作群", kind="wecom", url=url)
    justice = Unit.objects.get(name="县司法局")
    year = Item.objects.order_by("-year").values_list("report", flat=True).first()
    returned = ItemFactory(report_id=year, lead_unit=justice, title="规范行政执法案卷管理")
    chased = ItemFactory(report_id=year, lead_unit=justice, title="推行行政执法全过程记录")
    from django.contrib.auth import get_user_model

    staff1 = get_user_model().objects.get(username="staff1")
    item_add_progress(item=returned, user=staff1, note="已完成", status="submitted", expected_version=1)
    # staff1 heads 县司法局: an item of it overdue by more than the head's days escalates to him.
    Membership.objects.filter(user=staff1, unit=justice).update(is_head=True)
    late = ItemFactory(
        report_id=year,
        lead_unit=justice,
        title="清理规范性文件",
        due_on=timezone.localdate() - timedelta(days=20),
    )
    escalate()

    context = browser.new_context(viewport={"width": 1093, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, "reviewer", "reviewer-demo-2020")
    page.goto(f"/items/{returned.pk}/")
    page.fill("#review textarea", "请补充案卷评查表")
    page.click("#review button[value=return]")
    page.wait_for_selector("[data-testid=status]:has-text('已退回')")
    page.goto(f"/items/{chased.pk}/")
    page.fill("#id_chase-note", "请于本周五前报送进展")
    page.click("#chases button:has-text('催办')")
    page.wait_for_selector("[data-testid=chase-count]:has-text('1')")
    log_out(page)

    log_in(page, "staff1", "staff1-demo-2020")
    before = int(page.locator("[data-testid=inbox-unread]").inner_text())
    page.click("[data-testid=inbox-link]")
    first, second = page.locator(".inbox li").nth(0), page.locator(".inbox li").nth(1)
    assert "推行行政执法全过程记录" in first.inner_text() and "请于本周五前报送进展" in first.inner_text()
    assert "规范行政执法案卷管理" in second.inner_text() and "请补充案卷评查表" in second.inner_text()
    escalated = page.locator(".inbox li", has_text="清理规范性文件")
    assert "升级督办" in escalated.inner_text()
    first.locator("button.message-item").click()
    page.wait_for_url(f"**/items/{chased.pk}/")
    assert "督办通知单" in page.locator("#chases").inner_text()
    assert int(page.locator("[data-testid=inbox-unread]").inner_text()) == before - 1
    context.close()

    call_command("send_notifications", verbosity=0)
    contents = [body["markdown"]["content"] for body in received]
    assert any("已退回" in text and "规范行政执法案卷管理" in text for text in contents)
    assert any("催办" in text and "请于本周五前报送进展" in text for text in contents)
    assert any("升级督办" in text and late.title in text for text in contents)
