"""staff1 filters the list, opens an item, submits progress with a PDF, sees it on the timeline."""

import pytest
from django.core.management import call_command

from tests.browser.conftest import log_in
from tests.conftest import PDF_BYTES
from tracker.models import Evidence, Item, Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_records_progress_with_a_pdf(page, tmp_path):
    call_command("load_demo", verbosity=0)
    # Tracked work of the newest year (the 2020 report's achievements are records, done).
    item = (
        Item.objects.filter(kind__in=["task", "measure"], status="not_started")
        .order_by("-year", "order", "pk")
        .first()
    )
    item.lead_unit = Unit.objects.get(name="县司法局")
    item.save()
    pdf = tmp_path / "会议纪要.pdf"
    pdf.write_bytes(PDF_BYTES)

    log_in(page, "staff1", "staff1-demo-2020")
    page.goto("/items/")
    page.click("summary:has-text('筛选条件')")
    page.fill("#id_q", item.title)
    page.click("button:has-text('筛选')")
    page.wait_for_url("**/items/?*q=*")
    assert page.locator("table.item-table tbody tr").count() == 1
    page.click(f"table.item-table a[href='/items/{item.pk}/']")
    page.wait_for_url(f"**/items/{item.pk}/")

    page.fill("#id_note", "已召开工作推进会")
    page.select_option("#id_status", "in_progress")
    page.set_input_files("#id_files", str(pdf))
    page.click("button:has-text('保存进展')")
    page.wait_for_selector("text=进展已保存")

    timeline = page.locator("ol.timeline")
    assert "已召开工作推进会" in timeline.inner_text()
    assert "会议纪要.pdf" in timeline.inner_text()
    assert page.locator("[data-testid=status]").inner_text() == "推进中"
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert Evidence.objects.filter(update__item=item, original_name="会议纪要.pdf").count() == 1
