"""The full review loop in a browser: staff1 submits in one step with a PDF, reviewer sees the
note and the file and returns with a comment, staff1 reads why on the home page and at the top
of the item, resubmits in one step, reviewer approves, and the dashboard's completion moves."""

import re

import pytest
from django.core.management import call_command

from tests.browser.conftest import log_in
from tests.conftest import PDF_BYTES
from tracker.models import Item, ProgressUpdate, Review, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_out(page):
    page.click("nav.navbar .dropdown-toggle")  # 退出 is in the user's menu
    page.click("button:has-text('退出')")
    page.wait_for_url("**/accounts/login/**")


def completion(page) -> str:
    page.goto("/")
    return page.locator("[data-kpi=completion]").inner_text()


def test_submit_return_fix_resubmit_approve(browser, live_server, tmp_path):
    call_command("load_demo", verbosity=0)
    # Tracked work of the newest year (a 2020 report's achievements are records, done).
    item = (
        Item.objects.filter(kind__in=["task", "measure"], status="not_started")
        .order_by("-year", "order", "pk")
        .first()
    )
    item.lead_unit = Unit.objects.get(name="县司法局")
    item.save()
    pdf = tmp_path / "整改报告.pdf"
    pdf.write_bytes(PDF_BYTES)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)

    log_in(page, "reviewer", "reviewer-demo-2020")
    before = completion(page)
    log_out(page)

    log_in(page, "staff1", "staff1-demo-2020")
    page.goto(f"/items/{item.pk}/")
    page.fill("#id_submit-note", "已完成，请审核")
    page.set_input_files("#id_submit-files", str(pdf))
    page.click("#submit button:has-text('提交审核')")
    page.wait_for_selector("[data-testid=status]:has-text('待审核')")
    log_out(page)

    log_in(page, "reviewer", "reviewer-demo-2020")
    page.goto("/review/")
    card = page.locator(f".review-card[data-item='{item.pk}']")
    assert "已完成，请审核" in card.inner_text() and "整改报告.pdf" in card.inner_text()
    assert "未附佐证材料" not in card.inner_text()
    card.locator("textarea[name=comment]").fill("请补充会议纪要")
    card.locator("button:has-text('退回')").click()
    page.wait_for_selector("text=已退回单位")
    log_out(page)

    log_in(page, "staff1", "staff1-demo-2020")
    assert "请补充会议纪要" in page.locator(".my-items").inner_text()
    page.goto(f"/items/{item.pk}/")
    assert "请补充会议纪要" in page.locator("#returned").inner_text()
    page.fill("#id_submit-note", "已补充会议纪要")
    page.click("#submit button:has-text('提交审核')")
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
    moves = ProgressUpdate.objects.filter(item=item).exclude(status_to="").order_by("pk")
    assert list(moves.values_list("status_from", "status_to")) == [
        ("not_started", "submitted"),
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "done"),
    ]
    as_number = lambda text: float(re.sub(r"[^0-9.]", "", text) or 0)  # noqa: E731
    assert as_number(after) > as_number(before)
