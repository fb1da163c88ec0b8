# ruff: noqa: F811 - "year" is the fixture imported from tests/reports/test_exporting.py
"""Jobs (jobs/runner.py) and the large year's exports written by them: started from the year
page, run at once without a queue or by an RQ worker with one, shown on a progress page to
their owner only, the file the same as the plain export's."""

import csv
import io
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from jobs.models import Job, JobState
from jobs.runner import run_job, start_job
from tests.factories import AnnualReportFactory, ItemFactory
from tests.reports.test_exporting import year  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

FORMATS = ["xlsx", "csv", "docx"]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def readable(fmt: str, data: bytes):
    """What a person reads in the file: every cell of every sheet, the CSV's bytes, the
    document's paragraphs and tables. (An XLSX or DOCX carries the time it was written, so
    two writes never have the same bytes.)"""
    if fmt == "xlsx":
        book = load_workbook(io.BytesIO(data))
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}
    if fmt == "docx":
        document = Document(io.BytesIO(data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return [p.text for p in document.paragraphs] + cells
    return data


def start(client, fmt="xlsx", year=2021):
    response = client.post(reverse("reports:export_job", args=[year, fmt]))
    assert response.status_code == 303
    match = re.fullmatch(r"/jobs/([0-9a-f-]{36})/", response["Location"])
    assert match, response["Location"]
    return Job.objects.get(pk=match.group(1))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_job_writes_the_same_file_as_the_plain_export(reviewer_client, year, fmt):
    plain = body(reviewer_client.get(reverse("reports:export", args=[2021, fmt])))
    job = start(reviewer_client, fmt)
    # No queue (no REDIS_URL): the job ran at once, in the request.
    assert job.state == JobState.DONE and job.error == ""
    assert job.total > 0 and job.done == job.total
    download = reviewer_client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert job.result_filename in download["Content-Disposition"]
    assert (
        download["X-Content-Type-Options"] == "nosniff" and "sandbox" in download["Content-Security-Policy"]
    )
    assert readable(fmt, body(download)) == readable(fmt, plain)
    assert default_storage.exists(job.result_name)


def test_the_job_page_shows_the_progress_and_offers_the_file(reviewer_client, year):
    job = start(reviewer_client, "csv")
    page = reviewer_client.get(f"/jobs/{job.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "文件已准备好" in text
    assert f'href="/jobs/{job.pk}/download/"' in text and "ledger-2021.csv" in text
    assert 'aria-valuenow="100"' in text
    status = reviewer_client.get(f"/jobs/{job.pk}/status/").json()
    assert status == {
        "state": "done",
        "done": job.total,
        "total": job.total,
        "download_url": f"/jobs/{job.pk}/download/",
    }


def test_a_staff_members_job_holds_only_what_the_plain_export_gives_him(other_staff_client, year):
    job = start(other_staff_client, "csv")
    rows = list(
        csv.reader(io.StringIO(body(other_staff_client.get(f"/jobs/{job.pk}/download/")).decode("utf-8-sig")))
    )
    titles = [row[4] for row in rows[1:]]
    assert titles == ["市场监管执法"]
    assert job.total == 1
    plain = body(other_staff_client.get(reverse("reports:export", args=[2021, "csv"])))
    assert body(other_staff_client.get(f"/jobs/{job.pk}/download/")) == plain


def test_only_the_owner_sees_the_job_others_get_404(
    reviewer_client, leader_client, staff_client, client, year
):
    job = start(reviewer_client, "xlsx")
    for path in (f"/jobs/{job.pk}/", f"/jobs/{job.pk}/status/", f"/jobs/{job.pk}/download/"):
        assert leader_client.get(path).status_code == 404
        assert staff_client.get(path).status_code == 404
        anonymous = client.get(path)
        assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    assert reviewer_client.get("/jobs/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_a_job_starts_by_post_only_and_for_the_job_formats(reviewer_client, year):
    assert reviewer_client.get(reverse("reports:export_job", args=[2021, "xlsx"])).status_code == 405
    assert reviewer_client.post(reverse("reports:export_job", args=[2021, "tasks"])).status_code == 404
    assert reviewer_client.post(reverse("reports:export_job", args=[1999, "xlsx"])).status_code == 404
    assert not Job.objects.exists()


def test_a_failed_job_says_so_and_offers_no_file(reviewer_client, monkeypatch, year):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("reports.export_jobs.write_year_export", broken)
    job = start(reviewer_client, "xlsx")
    assert job.state == JobState.FAILED and "disk on fire" in job.error
    page = reviewer_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "未能准备好" in page and "disk on fire" not in page
    assert reviewer_client.get(f"/jobs/{job.pk}/status/").json()["download_url"] is None
    assert reviewer_client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_the_year_page_offers_jobs_past_the_setting_and_links_below_it(reviewer_client, settings):
    report = AnnualReportFactory(year=2022, state="active")
    ItemFactory.create_batch(3, report=report)
    settings.LEDGER_EXPORT_JOB_ROWS = 3
    page = reviewer_client.get("/reports/2022/").content.decode()
    assert (
        'href="/reports/2022/export/xlsx/"' in page and 'action="/reports/2022/export/xlsx/job/"' not in page
    )
    settings.LEDGER_EXPORT_JOB_ROWS = 2
    page = reviewer_client.get("/reports/2022/").content.decode()
    for fmt in FORMATS:
        assert f'action="/reports/2022/export/{fmt}/job/"' in page
        assert f'href="/reports/2022/export/{fmt}/"' not in page
    assert 'href="/reports/2022/export/tasks/"' in page  # the 任务分解表 stays a download
    assert reviewer_client.get("/reports/2022/export/xlsx/").status_code == 200  # the stable URL


# -- with a queue (REDIS_URL): the job waits for a worker ----------------------------------------


@pytest.fixture
def fake_queue(settings, monkeypatch):
    """The RQ queue "default" on an in-memory Redis (fakeredis), and jobs sent to it."""
    import django_rq
    import fakeredis
    from rq import Queue

    settings.LEDGER_JOBS_QUEUED = True
    queue = Queue("default", connection=fakeredis.FakeStrictRedis())
    monkeypatch.setattr(django_rq, "get_queue", lambda name="default", **kwargs: queue)
    return queue


def work(queue) -> None:
    """What `manage.py rqworker default --burst` does, in this process."""
    from rq import SimpleWorker

    SimpleWorker([queue], connection=queue.connection).work(burst=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_with_a_queue_the_worker_writes_the_same_file(
    reviewer_client,
    year,
    fake_queue,
    django_capture_on_commit_callbacks,
    fmt,
):
    plain = body(reviewer_client.get(reverse("reports:export", args=[2021, fmt])))
    with django_capture_on_commit_callbacks(execute=True):
        job = start(reviewer_client, fmt)
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and fake_queue.count == 1
    page = reviewer_client.get(f"/jobs/{job.pk}/").content.decode()
    assert "等待" in page and "/download/" not in page
    assert reviewer_client.get(f"/jobs/{job.pk}/status/").json()["download_url"] is None
    work(fake_queue)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    assert readable(fmt, body(reviewer_client.get(f"/jobs/{job.pk}/download/"))) == readable(fmt, plain)


def test_a_job_delivered_twice_runs_once(
    reviewer_client, year, fake_queue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(reviewer_client, "csv")
    run_job(str(job.pk))
    job.refresh_from_db()
    finished = job.finished_at
    run_job(str(job.pk))  # RQ delivering it again
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.finished_at == finished


def test_a_queue_out_of_reach_fails_the_job_at_once(
    reviewer_client, year, settings, monkeypatch, django_capture_on_commit_callbacks
):
    import django_rq
    from redis import Redis
    from rq import Queue

    settings.LEDGER_JOBS_QUEUED = True
    unreachable = Queue("default", connection=Redis(port=1, socket_connect_timeout=0.2))
    monkeypatch.setattr(django_rq, "get_queue", lambda name="default", **kwargs: unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        job = start(reviewer_client, "xlsx")
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "queue unreachable" in job.error
    assert "未能准备好" in reviewer_client.get(f"/jobs/{job.pk}/").content.decode()


def test_start_job_runs_any_task_in_process_without_a_queue(reviewer_client):
    job = start_job(kind="export", task="tests.test_jobs.counting_task", owner=reviewer_client.user)
    assert job.state == JobState.DONE and (job.done, job.total) == (3, 3)
    assert job.result_name == "" and job.params["language"]


def counting_task(job, progress):
    progress.set_total(3)
    for _row in progress.count(range(3)):
        pass


def test_send_notifications_queue_enqueues_the_run_for_a_worker(
    staff_client, lead_unit, fake_queue, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from tracker.models import Message

    ItemFactory(lead_unit=lead_unit, title="逾期的任务", due_on=timezone.localdate() - timedelta(days=3))
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_notifications", "--no-mail", "--queue", stdout=out)
    job = Job.objects.get()
    assert f"job {job.pk}: queued" in out.getvalue()
    assert fake_queue.count == 1 and not Message.objects.exists()  # nothing sent yet
    work(fake_queue)
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.owner is None
    assert list(Message.objects.values_list("kind", "recipient")) == [("overdue", staff_client.user.pk)]


def test_send_notifications_queue_without_redis_runs_at_once(staff_client, lead_unit):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from tracker.models import Message

    ItemFactory(lead_unit=lead_unit, due_on=timezone.localdate() - timedelta(days=3))
    out = io.StringIO()
    call_command("send_notifications", "--no-mail", "--queue", stdout=out)
    assert ": done" in out.getvalue()
    assert Message.objects.filter(kind="overdue").count() == 1


def test_a_result_file_gone_from_storage_is_a_404(reviewer_client, year):
    job = start(reviewer_client, "csv")
    default_storage.delete(job.result_name)
    assert reviewer_client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_purge_jobs_removes_old_jobs_and_their_files(reviewer_client, year):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    old, recent = start(reviewer_client, "csv"), start(reviewer_client, "docx")
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=8))
    call_command("purge_jobs", stdout=io.StringIO())
    assert list(Job.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not default_storage.exists(old.result_name) and default_storage.exists(recent.result_name)


def sleeping_task(job, progress):
    import time

    progress.set_total(10)
    time.sleep(5)


def test_a_job_the_worker_stops_at_its_timeout_fails(
    reviewer_client, settings, fake_queue, django_capture_on_commit_callbacks
):
    settings.LEDGER_JOB_TIMEOUT = 1
    with django_capture_on_commit_callbacks(execute=True):
        job = start_job(kind="export", task="tests.test_jobs.sleeping_task", owner=reviewer_client.user)
    work(fake_queue)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "Timeout" in job.error
    assert "未能准备好" in reviewer_client.get(f"/jobs/{job.pk}/").content.decode()


def test_a_running_job_lost_with_its_worker_is_failed_when_asked_about(reviewer_client, settings):
    from datetime import timedelta

    from django.utils import timezone

    job = Job.objects.create(
        kind="export",
        task="tests.test_jobs.counting_task",
        owner=reviewer_client.user,
        state=JobState.RUNNING,
        started_at=timezone.now() - timedelta(seconds=settings.LEDGER_JOB_TIMEOUT + 60),
    )
    assert reviewer_client.get(f"/jobs/{job.pk}/status/").json()["state"] == "running"  # within grace
    Job.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(days=1))
    assert reviewer_client.get(f"/jobs/{job.pk}/status/").json()["state"] == "failed"
