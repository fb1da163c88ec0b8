"""A large year's export as a person goes through it in Chromium: the year page's button starts
a job, the job's page waits for the worker, follows its progress by itself and offers the file
once it is written."""

import io

import pytest
from openpyxl import load_workbook

from tests.browser.conftest import log_in
from tests.factories import AnnualReportFactory, ItemFactory, ReviewerFactory
from tests.test_jobs import work

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


@pytest.fixture
def fake_queue(settings, monkeypatch):
    import django_rq
    import fakeredis
    from rq import Queue

    settings.LEDGER_JOBS_QUEUED = True
    queue = Queue("default", connection=fakeredis.FakeStrictRedis())
    monkeypatch.setattr(django_rq, "get_queue", lambda name="default", **kwargs: queue)
    return queue


def test_the_job_page_follows_the_worker_and_offers_the_file(page, settings, fake_queue):
    settings.LEDGER_EXPORT_JOB_ROWS = 2
    report = AnnualReportFactory(year=2021, state="active")
    for n in range(3):
        ItemFactory(report=report, title=f"大年度的任务{n}")
    ReviewerFactory(username="reviewer")
    log_in(page, "reviewer", PASSWORD)
    page.goto("/reports/2021/")
    page.click("form[data-testid=export-job] button:has-text('导出台账')")
    page.wait_for_url("**/jobs/*/")
    assert "正在排队" in page.inner_text("[data-testid=job-state]")
    assert page.locator("[data-testid=job-download]").count() == 0
    work(fake_queue)  # the worker, on another host as far as the page knows
    # The page asks for the job's status by itself, and shows the file once it is ready.
    page.wait_for_selector("[data-testid=job-download]", timeout=15000)
    assert "文件已准备好" in page.inner_text("[data-testid=job-state]")
    with page.expect_download() as download:
        page.click("[data-testid=job-download]")
    assert download.value.suggested_filename == "ledger-2021.xlsx"
    with open(download.value.path(), "rb") as handle:
        book = load_workbook(io.BytesIO(handle.read()))
    titles = [row[2] for row in book["工作任务"].iter_rows(min_row=3, values_only=True)]
    assert titles == ["大年度的任务0", "大年度的任务1", "大年度的任务2"]


def test_the_circular_job_starts_from_the_year_page_and_offers_the_docx(page, settings, fake_queue):
    """生成通报 beside the month picker: the job page waits for the worker, then offers the
    通报 of the month chosen (screenshots at 1,366, 1,093 and 390 px in $SCREENSHOTS, if set)."""
    import os

    from docx import Document

    shots = os.environ.get("SCREENSHOTS")
    report = AnnualReportFactory(year=2021, state="active")
    ItemFactory(report=report, title="通报里的任务")
    ReviewerFactory(username="reviewer")
    log_in(page, "reviewer", PASSWORD)
    for width in (1366, 1093, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/reports/2021/")
        assert page.locator("form[data-testid=circular-job] button:has-text('生成通报')").is_visible()
        if shots:
            page.screenshot(path=f"{shots}/year-{width}.png")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.fill("#id_job_month", "2021-09")
    page.click("form[data-testid=circular-job] button:has-text('生成通报')")
    page.wait_for_url("**/jobs/*/")
    assert "2021年09月的月度通报" in page.inner_text("[data-testid=job]")
    work(fake_queue)
    page.wait_for_selector("[data-testid=job-download]", timeout=15000)
    if shots:
        for width in (1366, 1093, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{shots}/circular-job-{width}.png", full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=job-download]")
    assert download.value.suggested_filename == "通报-2021-09.docx"
    with open(download.value.path(), "rb") as handle:
        document = Document(io.BytesIO(handle.read()))
    assert document.paragraphs[0].text == "关于2021年9月法治政府建设工作推进情况的通报"


def test_a_large_import_is_confirmed_into_a_job_whose_page_links_the_year(page, settings, fake_queue):
    """导入年度报告 of a large report: 确认导入 sends the reviewer to the job's page, which waits
    for the worker, then tells what was imported and opens the year (screenshots at 1,366,
    1,093 and 390 px in $SCREENSHOTS, if set)."""
    import os

    from tests.samples import XINXIANG

    shots = os.environ.get("SCREENSHOTS")
    settings.LEDGER_IMPORT_JOB_ITEMS = 10
    ReviewerFactory(username="reviewer")
    log_in(page, "reviewer", PASSWORD)
    page.goto("/reports/import/")
    page.fill("textarea[name=text]", XINXIANG)
    page.click("form button[type=submit].btn-primary")
    page.wait_for_url("**/reports/import/preview/")
    assert "后台导入" in page.inner_text("[data-testid=import-as-job]")
    page.click("[data-confirm-import]")
    page.wait_for_url("**/jobs/*/")
    assert "正在排队" in page.inner_text("[data-testid=job-state]")
    if shots:
        page.screenshot(path=f"{shots}/import-queued-1366.png", full_page=True)
    work(fake_queue)
    page.wait_for_selector("[data-testid=job-result]", timeout=15000)
    assert "已导入《新乡县2020年度法治政府建设工作报告》" in page.inner_text("[data-testid=job-state]")
    if shots:
        for width in (1366, 1093, 390):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{shots}/import-done-{width}.png", full_page=True)
    page.click("[data-testid=job-result]")
    page.wait_for_url("**/reports/2020/*")
    assert "新乡县2020年度法治政府建设工作报告" in page.inner_text("h1")
