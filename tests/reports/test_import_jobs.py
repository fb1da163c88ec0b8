"""A large report import confirmed on the web is written by a job (reports/import_jobs.py):
past LEDGER_IMPORT_JOB_ITEMS items the confirm sends the reviewer to the job's page (303),
which links the year once it is written. The job writes the rows the in-request confirm
writes, all or nothing, and a second confirm while it runs imports nothing twice."""

import re

import pytest
from django.db import transaction

from jobs.models import Job, JobKind, JobState
from jobs.runner import run_job
from reports.models import AnnualReport, Section
from tests.factories import AnnualReportFactory, ReviewerFactory, UnitFactory
from tests.samples import XINXIANG
from tracker.models import Government, Item, Metric

pytestmark = pytest.mark.django_db

IMPORT = "/reports/import/"
CONFIRM = "/reports/import/confirm/"


@pytest.fixture
def large(settings):
    """XINXIANG holds 26 items: more than 10 makes it a large import."""
    settings.LEDGER_IMPORT_JOB_ITEMS = 10


@pytest.fixture
def queued(settings, monkeypatch):
    """A queue no worker serves yet: a job stays queued until the test runs it."""
    settings.LEDGER_JOBS_QUEUED = True
    monkeypatch.setattr("jobs.runner.enqueue", lambda job_id: None)


def preview(client, text=XINXIANG):
    client.post(IMPORT, {"text": text})
    content = client.get("/reports/import/preview/").content.decode()
    return content, re.search(r'name="token" value="([^"]+)"', content).group(1)


def confirm_post(content, token):
    """The preview confirmed with a deadline of its own and the suggested lead units."""
    post = {"token": token, "due_on": "2021-09-30"}
    for index, unit in re.findall(r'name="lead_(\d+)"[^>]*data-suggested="(\d+)"', content):
        post[f"lead_{index}"] = unit
    return post


def job_of(response) -> Job:
    assert response.status_code == 303, (response.status_code, response.get("Location"))
    match = re.fullmatch(r"/jobs/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return Job.objects.get(pk=match[1])


def ledger_rows() -> dict:
    """What an import wrote, as a person would compare it (no ids, no times)."""
    items = Item.objects.select_related("report", "lead_unit", "stated_in").prefetch_related("addresses")
    return {
        "reports": sorted(
            AnnualReport.objects.values_list(
                "year", "title", "issuer", "state", "source_sha256", "government_id"
            )
        ),
        "sections": sorted(Section.objects.values_list("report__year", "number", "heading", "kind", "level")),
        "metrics": sorted(Metric.objects.values_list("value", "unit")),
        "items": sorted(
            (
                item.report.year,
                item.kind,
                item.title,
                item.status,
                item.lead_unit.name if item.lead_unit else None,
                item.due_on,
                item.stated_in.year if item.stated_in else None,
                item.link_unsure,
                tuple(sorted(item.addresses.values_list("title", flat=True))),
            )
            for item in items
        ),
    }


def test_a_large_import_is_written_by_a_job_whose_page_links_the_year(reviewer_client, large):
    justice = UnitFactory(name="县司法局", short_name="司法局")
    content, token = preview(reviewer_client)
    job = job_of(reviewer_client.post(CONFIRM, confirm_post(content, token)))
    # No queue (no REDIS_URL): the job ran at once.
    assert job.kind == JobKind.IMPORT and job.state == JobState.DONE, job.error
    assert job.owner == reviewer_client.user and job.params["items"] == 26
    report = AnnualReport.objects.get(year=2020)
    assert job.params["government"] == report.government_id
    assert report.items.count() == 21 and report.items.filter(lead_unit=justice).exists()
    page = reviewer_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "后台导入年度报告" in page
    assert "已导入《新乡县2020年度法治政府建设工作报告》：2020年度工作成效 21 项已记录" in page
    year_url = f"/reports/2020/?government={report.government_id}"
    assert f'href="{year_url}"' in page and "打开该年度" in page
    assert reviewer_client.get(year_url).status_code == 200
    assert reviewer_client.get(f"/jobs/{job.pk}/status/").json()["result_url"] == year_url
    # The draft is finished with: nothing waits for confirmation any more.
    assert reviewer_client.get("/reports/import/preview/").status_code == 302


def test_a_job_import_writes_the_same_rows_as_an_in_request_import(reviewer_client, settings):
    UnitFactory(name="县司法局", short_name="司法局")
    with transaction.atomic():
        settings.LEDGER_IMPORT_JOB_ITEMS = 100_000
        content, token = preview(reviewer_client)
        response = reviewer_client.post(CONFIRM, confirm_post(content, token))
        assert response.status_code == 302 and response.url == "/reports/2020/"
        in_request = ledger_rows()
        assert not Job.objects.exists()
        transaction.set_rollback(True)  # the same database, back as it was
    assert not AnnualReport.objects.exists()
    settings.LEDGER_IMPORT_JOB_ITEMS = 10
    content, token = preview(reviewer_client)
    job = job_of(reviewer_client.post(CONFIRM, confirm_post(content, token)))
    assert job.state == JobState.DONE, job.error
    by_job = ledger_rows()
    assert len(by_job["items"]) == 26 and by_job["sections"] and by_job["metrics"]
    assert by_job == in_request


def test_a_failed_import_job_writes_nothing_and_may_be_confirmed_again(reviewer_client, large, monkeypatch):
    from reports import services

    write = services._write

    def write_then_fail(*args, **kwargs):
        write(*args, **kwargs)  # every row written, then the worker dies
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "_write", write_then_fail)
    content, token = preview(reviewer_client)
    job = job_of(reviewer_client.post(CONFIRM, confirm_post(content, token)))
    assert job.state == JobState.FAILED and "disk on fire" in job.error
    assert not AnnualReport.objects.exists() and not Item.objects.exists() and not Section.objects.exists()
    page = reviewer_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "导入失败，未导入任何内容" in page and "disk on fire" not in page
    assert 'data-testid="job-result"' not in page
    # The draft stays: confirmed again (the fault gone), it is written once.
    monkeypatch.setattr(services, "_write", write)
    content, token = preview(reviewer_client)
    again = job_of(reviewer_client.post(CONFIRM, confirm_post(content, token)))
    assert again.pk != job.pk and again.state == JobState.DONE
    assert AnnualReport.objects.get(year=2020).items.count() == 21


def test_a_second_confirm_while_the_job_runs_imports_nothing_twice(reviewer_client, large, queued):
    content, token = preview(reviewer_client)
    post = confirm_post(content, token)
    job = job_of(reviewer_client.post(CONFIRM, post))
    assert job.state == JobState.QUEUED and not AnnualReport.objects.exists()
    page = reviewer_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "正在排队" in page
    # A double click, the back button and confirm again: the same job, told in Chinese.
    second = reviewer_client.post(CONFIRM, post)
    assert job_of(second) == job and Job.objects.count() == 1
    told = reviewer_client.get(second["Location"]).content.decode()
    assert "正在导入，不会重复导入" in told
    # The preview sends the reviewer to the job as well, while it runs.
    waiting = reviewer_client.get("/reports/import/preview/")
    assert waiting.status_code == 303 and waiting["Location"] == f"/jobs/{job.pk}/"
    run_job(str(job.pk))  # the worker
    job.refresh_from_db()
    assert job.state == JobState.DONE
    rows = ledger_rows()
    assert len(rows["items"]) == 26
    # Confirmed once more after it ended: still nothing new.
    third = reviewer_client.post(CONFIRM, post)
    assert job_of(third) == job and Job.objects.count() == 1
    assert "已经导入过" in reviewer_client.get(third["Location"]).content.decode()
    assert ledger_rows() == rows
    assert reviewer_client.get("/reports/import/preview/").status_code == 302  # nothing waits


def test_an_import_refused_when_its_job_runs_says_why_and_writes_nothing(reviewer_client, large, queued):
    content, token = preview(reviewer_client)
    job = job_of(reviewer_client.post(CONFIRM, confirm_post(content, token)))
    # Meanwhile someone closed 2021, the year the report's shortfalls and plans are work of.
    AnnualReportFactory(year=2021, state="closed", government=Government.sole())
    run_job(str(job.pk))
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert not AnnualReport.objects.filter(year=2020).exists() and not Item.objects.exists()
    page = reviewer_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "未导入任何内容。" in page and "2021" in page


def test_only_the_reviewer_who_confirmed_sees_the_import_job(reviewer_client, clients, large):
    content, token = preview(reviewer_client)
    job = job_of(reviewer_client.post(CONFIRM, confirm_post(content, token)))
    another = ReviewerFactory(username="another-reviewer")
    from django.test import Client

    other_reviewer = Client()
    other_reviewer.force_login(another)
    for client in (other_reviewer, clients["leader"], clients["lead"], clients["other"]):
        for path in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/status/"):
            assert client.get(path).status_code == 404
    assert clients["anonymous"].get(f"/jobs/{job.pk}/").status_code == 302


def test_a_small_import_stays_in_the_request(reviewer_client):
    content, token = preview(reviewer_client)
    response = reviewer_client.post(CONFIRM, confirm_post(content, token))
    assert response.status_code == 302 and response.url == "/reports/2020/"
    assert not Job.objects.exists()


# -- the 任务分解表 import ------------------------------------------------------------------------


@pytest.fixture
def sheet_units(settings, tmp_path, lead_unit, coop_unit):
    settings.MEDIA_ROOT = tmp_path / "media"
    UnitFactory(name="县公安局", short_name="公安局")
    UnitFactory(name="县城市管理局", short_name="城管局")
    AnnualReportFactory(year=2021, state="active")


def sheet_preview(client):
    from tests.reports.test_tasksheet_import import PREVIEW, token_of, upload

    upload(client)
    content = client.get(PREVIEW).content.decode()
    return content, token_of(content)


def sheet_post(token):
    # The reviewer's corrections: the second row's deadline, the third row skipped.
    return {"token": token, "due_1": "2021-10-31", "skip_2": "1"}


def task_rows():
    return sorted(
        Item.objects.filter(year=2021).values_list(
            "title", "text", "kind", "status", "lead_unit__name", "due_on", "ongoing", "area__code", "order"
        )
    )


TASKS_CONFIRM = "/reports/2021/tasks/import/confirm/"


def test_a_large_task_list_is_written_by_a_job_as_the_request_writes_it(
    reviewer_client, sheet_units, settings
):
    from tests.reports.test_tasksheet_import import drafts

    with transaction.atomic():
        content, token = sheet_preview(reviewer_client)
        assert 'data-testid="import-as-job"' not in content
        response = reviewer_client.post(TASKS_CONFIRM, sheet_post(token))
        assert response.status_code == 302 and response.url == "/reports/2021/"
        in_request = task_rows()
        transaction.set_rollback(True)
    assert not Item.objects.exists()
    settings.LEDGER_IMPORT_JOB_ITEMS = 2  # the sheet has 3 rows
    content, token = sheet_preview(reviewer_client)
    assert "后台导入" in content
    job = job_of(reviewer_client.post(TASKS_CONFIRM, sheet_post(token)))
    assert job.state == JobState.DONE, job.error
    assert job.params["source"] == "tasks" and job.params["items"] == 3
    assert task_rows() == in_request and len(in_request) == 2
    page = reviewer_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "任务分解表.xlsx" in page and "已从《任务分解表.xlsx》向 2021 年台账导入 2 项任务" in page
    assert 'data-testid="job-result"' in page
    # The job's copy of the file and the draft are gone.
    from django.core.files.storage import default_storage

    assert not default_storage.exists(job.params["file"])
    assert drafts() == []


def test_a_second_confirm_of_a_task_list_while_its_job_runs_imports_nothing_twice(
    reviewer_client, sheet_units, settings, queued
):
    settings.LEDGER_IMPORT_JOB_ITEMS = 2
    _content, token = sheet_preview(reviewer_client)
    job = job_of(reviewer_client.post(TASKS_CONFIRM, sheet_post(token)))
    assert job.state == JobState.QUEUED
    second = reviewer_client.post(TASKS_CONFIRM, sheet_post(token))
    assert job_of(second) == job and Job.objects.count() == 1
    assert "正在导入，不会重复导入" in reviewer_client.get(second["Location"]).content.decode()
    run_job(str(job.pk))
    assert Item.objects.filter(year=2021).count() == 2
    assert job_of(reviewer_client.post(TASKS_CONFIRM, sheet_post(token))) == job
    assert Item.objects.filter(year=2021).count() == 2 and Job.objects.count() == 1


def test_a_failed_task_list_job_writes_nothing(reviewer_client, sheet_units, settings, monkeypatch):
    from reports import tasksheet_services

    settings.LEDGER_IMPORT_JOB_ITEMS = 2

    def fail(*args, **kwargs):  # the items written, then their history entries fail
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tasksheet_services.ProgressUpdate.objects, "bulk_create", fail)
    _content, token = sheet_preview(reviewer_client)
    job = job_of(reviewer_client.post(TASKS_CONFIRM, sheet_post(token)))
    assert job.state == JobState.FAILED and "disk on fire" in job.error
    assert not Item.objects.exists()
    assert "导入失败，未导入任何内容" in reviewer_client.get(f"/jobs/{job.pk}/").content.decode()


def test_purge_jobs_removes_the_upload_of_a_task_list_job_that_never_ran(
    reviewer_client, sheet_units, settings, queued
):
    import io
    from datetime import timedelta

    from django.core.files.storage import default_storage
    from django.core.management import call_command
    from django.utils import timezone

    settings.LEDGER_IMPORT_JOB_ITEMS = 2
    _content, token = sheet_preview(reviewer_client)
    job = job_of(reviewer_client.post(TASKS_CONFIRM, sheet_post(token)))
    assert default_storage.exists(job.params["file"])
    # Its queue was out of reach: failed at once, a week and more ago.
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, finished_at=timezone.now() - timedelta(days=8)
    )
    call_command("purge_jobs", stdout=io.StringIO())
    assert not Job.objects.exists() and not default_storage.exists(job.params["file"])
