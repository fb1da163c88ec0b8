"""A leader's instruction as a small case, in the browser: the lead unit replies with a photo,
the leader opens the photo in a new tab (查看) and marks the instruction handled (办结)."""

import pytest

from tests.browser.conftest import log_in
from tests.factories import AnnualReportFactory, ItemFactory, LeaderFactory, StaffFactory, UnitFactory
from tests.tracker.test_evidence_preview import png_bytes
from tracker.models import Evidence
from tracker.services import instruction_add

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def test_the_unit_replies_with_a_photo_that_the_leader_views_then_marks_handled(page, tmp_path):
    unit = UnitFactory(name="县司法局")
    staff = StaffFactory(username="jingban", units=[unit])
    leader = LeaderFactory(username="lingdao")
    item = ItemFactory(
        report=AnnualReportFactory(year=2021, state="active"), lead_unit=unit, title="规范执法"
    )
    instruction = instruction_add(item=item, user=leader, text="请报送整改照片")
    photo = tmp_path / "整改现场.png"
    photo.write_bytes(png_bytes(40, 30))

    log_in(page, staff.username, PASSWORD)
    page.goto(f"/items/{item.pk}/")
    reply = page.locator(f"#instruction-{instruction.pk} .instruction-reply-form form")
    reply.locator("textarea").fill("已完成整改，附现场照片。")
    reply.locator("input[type=file]").set_input_files(str(photo))
    reply.locator("button[type=submit]").click()
    page.wait_for_selector("text=反馈已提交")
    assert "已完成整改，附现场照片。" in page.locator(f"#instruction-{instruction.pk}").inner_text()

    page.context.clear_cookies()
    log_in(page, leader.username, PASSWORD)
    page.goto(f"/items/{item.pk}/")
    entry = page.locator(f"#instruction-{instruction.pk}")
    with page.context.expect_page() as opened:
        entry.locator("a.evidence-view").click()
    preview = opened.value
    preview.wait_for_load_state()
    evidence = Evidence.objects.get()
    assert preview.url.endswith(f"/evidence/{evidence.pk}/view/")
    assert preview.evaluate("document.images[0].naturalWidth") == 40
    preview.close()

    entry.locator("button:has-text('办结')").click()
    page.wait_for_selector("text=批示已办结。")
    assert "已办结" in page.locator(f"#instruction-{instruction.pk}").inner_text()
    instruction.refresh_from_db()
    assert instruction.handled_by == leader
