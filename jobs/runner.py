"""One way to run long work: ``start_job()``.

With ``REDIS_URL`` set the job is put on the RQ queue ``default`` once the request's
transaction commits, and a worker (``python manage.py rqworker default``, on any host)
runs it; without it the job runs at once, in this process, before ``start_job`` returns, so
``make run`` needs nothing more. Either way the ``Job`` row tells how far it got, so any app
server can show its progress, and the file it writes goes to the default storage (the
media folder, or S3 with ``S3_BUCKET``), so any app server can hand it out.

A task is a function ``task(job, progress) -> JobResult | None`` named by its dotted path
(``reports.export_jobs.run_year_export``). It runs in the language the job was asked in
(``job.params["language"]``). Whatever it raises fails the job: the error is kept on the row
for the administrator and logged, and the owner is told it failed, never the traceback.

Decided here: a job is claimed by one UPDATE (queued → running), so a job RQ delivers twice
runs once; a queue out of reach fails the job at once (the owner is told to try again)
instead of running a large export inside the request after all.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from .models import Job, JobState

logger = logging.getLogger(__name__)

QUEUE = "default"
# How often a running job writes its progress to the database, at most.
PROGRESS_EVERY_SECONDS = 1.0
# A running job not heard of this long after its timeout is taken for dead.
STALE_GRACE_SECONDS = 120


@dataclass(frozen=True)
class JobResult:
    """What a task wrote: the name in the default storage, the download's file name and type."""

    name: str
    filename: str
    content_type: str


def queued() -> bool:
    """Whether jobs go to the RQ queue (``REDIS_URL`` set) rather than run in this process."""
    return bool(getattr(settings, "LEDGER_JOBS_QUEUED", False))


def start_job(*, kind: str, task: str, owner=None, params: dict | None = None) -> Job:
    """Record a job and start it: on the queue when there is one, else here and now."""
    params = {"language": translation.get_language() or settings.LANGUAGE_CODE, **(params or {})}
    job = Job.objects.create(kind=kind, task=task, owner=owner, params=params)
    if queued():
        transaction.on_commit(lambda: enqueue(job.pk))
    else:
        run_job(str(job.pk))
        job.refresh_from_db()
    return job


def enqueue(job_id) -> None:
    """Put the job on the RQ queue; a queue out of reach fails the job (logged)."""
    import django_rq
    from redis.exceptions import RedisError
    from rq import Callback

    try:
        django_rq.get_queue(QUEUE, connection=redis_connection()).enqueue(
            "jobs.runner.run_job",
            str(job_id),
            job_id=f"ledger-job-{job_id}",
            job_timeout=settings.LEDGER_JOB_TIMEOUT,
            result_ttl=0,
            failure_ttl=24 * 60 * 60,
            # The worker stopped the job (its timeout) or its process died: say so on the row.
            on_failure=Callback("jobs.runner.failed_in_queue"),
            on_stopped=Callback("jobs.runner.stopped_in_queue"),
        )
    except RedisError as error:
        logger.error("Job %s could not be queued: %s", job_id, error)
        _finish(job_id, state=JobState.FAILED, error=f"queue unreachable: {error}")


def redis_connection(*, timeout: float = 5):
    """A connection to the queue's Redis that gives up after ``timeout`` seconds (a request
    must not hang on a Redis that does not answer; the worker keeps django-rq's own)."""
    from redis import Redis

    return Redis.from_url(
        settings.RQ_QUEUES[QUEUE]["URL"], socket_connect_timeout=min(timeout, 2), socket_timeout=timeout
    )


def run_job(job_id: str) -> None:
    """Run the job (what the RQ worker calls, or ``start_job`` without a queue); a job that is
    not queued any more (run already, or removed) is left alone."""
    claimed = Job.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        logger.info("Job %s is not waiting to run; skipped", job_id)
        return
    job = Job.objects.select_related("owner").get(pk=job_id)
    progress = Progress(job)
    try:
        with translation.override(job.params.get("language") or settings.LANGUAGE_CODE):
            result = import_string(job.task)(job, progress)
    except Exception as error:
        logger.exception("Job %s (%s) failed", job_id, job.task)
        _finish(job_id, state=JobState.FAILED, error=f"{type(error).__name__}: {error}"[:4000])
        return
    fields = {"done": progress.total, "total": progress.total}
    if result is not None:
        fields.update(
            result_name=result.name, result_filename=result.filename, result_content_type=result.content_type
        )
    _finish(job_id, state=JobState.DONE, **fields)


def failed_in_queue(rq_job, connection, kind, value, traceback) -> None:
    """RQ's failure callback: what ``run_job`` could not record itself (the worker's timeout
    stopped it midway) fails the job's row."""
    _fail_unfinished(rq_job.args[0], f"{getattr(kind, '__name__', kind)}: {value}")


def stopped_in_queue(rq_job, connection) -> None:
    """RQ's callback for a job stopped by hand (``rq`` commands)."""
    _fail_unfinished(rq_job.args[0], "stopped in the queue")


def _fail_unfinished(job_id, error: str) -> None:
    Job.objects.filter(pk=job_id, state__in=(JobState.QUEUED, JobState.RUNNING)).update(
        state=JobState.FAILED, error=error[:4000], finished_at=timezone.now()
    )


def expire_if_stale(job: Job) -> Job:
    """A job still running long after the worker's timeout (its worker was killed, the host
    lost) is failed, so that its page stops waiting; the job as it now stands."""
    if job.state == JobState.RUNNING and job.started_at is not None:
        limit = timezone.now() - timedelta(seconds=settings.LEDGER_JOB_TIMEOUT + STALE_GRACE_SECONDS)
        if job.started_at < limit:
            _fail_unfinished(job.pk, "no word from the worker after its timeout")
            job.refresh_from_db()
    return job


def _finish(job_id, *, state: str, **fields) -> None:
    Job.objects.filter(pk=job_id).update(state=state, finished_at=timezone.now(), **fields)


class Progress:
    """How far a running job got: ``set_total(n)``, then ``advance()`` per piece or
    ``count(iterable)`` around the rows a writer reads. Written to the job's row at most once
    a second (and never past the total), so that counting costs the job nothing."""

    def __init__(self, job: Job):
        self.job_id = job.pk
        self.total = 0
        self.done = 0
        self._written = time.monotonic()

    def set_total(self, total: int) -> None:
        self.total = max(int(total), 0)
        Job.objects.filter(pk=self.job_id).update(total=self.total, done=0)

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._written >= PROGRESS_EVERY_SECONDS:
            self._written = now
            Job.objects.filter(pk=self.job_id).update(done=min(self.done, self.total))

    def count(self, rows: Iterable) -> Iterator:
        """``rows`` as they are, each one counted as it is read."""
        for row in rows:
            yield row
            self.advance()


def store_result(job: Job, output, *, extension: str, filename: str, content_type: str) -> JobResult:
    """Save ``output`` (an open binary file, read from its start) in the default storage under
    a name of the job's own (``jobs/YYYY/MM/<uuid>.<ext>``); the download's name stays in the
    database."""
    output.seek(0)
    name = default_storage.save(
        f"jobs/{job.created_at:%Y/%m}/{job.pk}.{extension}", File(output, name=filename)
    )
    return JobResult(name=name, filename=filename, content_type=content_type)


def temporary_file():
    """A binary temporary file for a task to write its result into before storing it."""
    return tempfile.TemporaryFile()
