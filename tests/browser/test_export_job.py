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
