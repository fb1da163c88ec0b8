"""The full review loop in a browser: staff1 submits, reviewer returns with a comment, staff1
fixes and resubmits, reviewer approves, and the dashboard's completion moves."""

import re

import pytest
from django.core.management import call_command

from tests.browser.conftest import log_in
from tracker.models import Item, Review, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page):
    page.click("button:has-text('退出')")
    page.wait_for_url("**/accounts/login/**")


def completion(page) -> str:
    page.goto("/")
    return page.locator("[data-kpi=completion]").inner_text()


def test_submit_return_fix_resubmit_approve(browser, live_server):
    call_command("load_demo", verbosity=0)
    # 2021's work the 2020 report left that nobody has started (the demo's government office).
    item = Item.objects.get(year=2021, title="领导要重视法治建设")
    item.lead_unit = Unit.objects.get(name="县司法局")
    item.save()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)

    log_in(page, "reviewer", "reviewer-demo-2020")
    before = completion(page)
    log_out(page)

    log_in(page, "staff1", "staff1-demo-2020")
    page.goto(f"/items/{item.pk}/")
    page.select_option("#id_status", "in_progress")
    page.fill("#id_note", "已启动")
    page.click("button:has-text('保存进展')")
    page.wait_for_selector("text=进展已保存")
    page.select_option("#id_status", "submitted")
    page.fill("#id_note", "已完成，请审核")
    page.click("button:has-text('保存进展')")
    page.wait_for_selector("[data-testid=status]:has-text('待审核')")
    log_out(page)

    log_in(page, "reviewer", "reviewer-demo-2020")
    page.goto("/review/")
    card = page.locator(f".review-card[data-item='{item.pk}']")
    assert "已完成，请审核" in card.inner_text()
    card.locator("textarea[name=comment]").fill("请补充会议纪要")
    card.locator("button:has-text('退回')").click()
    page.wait_for_selector("text=已退回单位")
    log_out(page)

    log_in(page, "staff1", "staff1-demo-2020")
    assert "请补充会议纪要" in page.locator(".my-items").inner_text()
    page.goto(f"/items/{item.pk}/")
    page.select_option("#id_status", "in_progress")
    page.fill("#id_note", "已补充会议纪要")
    page.click("button:has-text('保存进展')")
    page.wait_for_selector("text=进展已保存")
    page.select_option("#id_status", "submitted")
    page.click("button:has-text('保存进展')")
    page.wait_for_selector("[data-testid=status]:has-text('待审核')")
    log_out(page)

    log_in(page, "reviewer", "reviewer-demo-2020")
    page.goto("/review/")
    page.locator(f".review-card[data-item='{item.pk}'] button:has-text('通过')").click()
    page.wait_for_selector("text=已审核通过")
    after = completion(page)
    context.close()

    item.refresh_from_db()
    assert item.status == "done"
    assert list(Review.objects.filter(item=item).order_by("pk").values_list("decision", flat=True)) == [
        "return",
        "approve",
    ]
    as_number = lambda text: float(re.sub(r"[^0-9.]", "", text) or 0)  # noqa: E731
    assert as_number(after) > as_number(before)
