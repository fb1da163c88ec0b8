"""A large report import written by a job (``jobs.runner``: on the RQ queue with
``REDIS_URL``, else at once in the request).

The web import's confirm (``reports.views.report_import_confirm``) hands the job everything
the in-request path passes to ``reports.services.report_import``: the text, the year, the
reviewer's corrections, the lead units, deadline and links chosen on the preview, and the
government the preview showed, all checked in the request (reviewers only, the units of that
government only). The task calls the same ``report_import`` as the job's owner, so the rows
are those the in-request path writes, in one transaction: a job that fails writes nothing.

Decided here: an import is "large" by the items its preview counted (more than
``LEDGER_IMPORT_JOB_ITEMS``); the job's params keep the text until ``purge_jobs`` removes the
job; while an import job of the same text (its SHA-256 with the corrections) is queued or
running, another confirm of it starts nothing and is sent to that job's page. The job's
progress is coarse (0, then all): ``report_import`` writes in one transaction and reports no
steps.
"""

from __future__ import annotations

import contextlib
import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

IMPORT_TASK = "reports.import_jobs.run_report_import"


def imports_as_job(item_count: int) -> bool:
    """Whether a confirmed import of ``item_count`` items is written by a job."""
    return item_count > settings.LEDGER_IMPORT_JOB_ITEMS


def running_import(sha: str):
    """The queued or running import job of the text whose SHA-256 is ``sha``, or None."""
    from jobs.models import Job, JobKind, JobState

    return (
        Job.objects.filter(
            kind=JobKind.IMPORT, state__in=(JobState.QUEUED, JobState.RUNNING), params__sha=sha
        )
        .order_by("created_at")
        .first()
    )


def job_page(job):
    """To the job's page, as a 303 (the answer to a POST that started or found it)."""
    from django.shortcuts import redirect

    response = redirect("jobs:detail", pk=job.pk)
    response.status_code = 303
    return response


def draft_job(request, draft: dict, *, session_key: str):
    """The import job the draft (in the session under ``session_key``) was confirmed into,
    while it is queued, running or done; a failed one is forgotten, with its message (the
    reviewer may confirm again: it wrote nothing)."""
    from django.contrib import messages

    from jobs.models import Job, JobState
    from jobs.runner import expire_if_stale

    if not draft.get("job"):
        return None
    job = Job.objects.filter(pk=draft["job"], owner=request.user).first()
    if job is not None:
        job = expire_if_stale(job)
    if job is None or job.state == JobState.FAILED:
        draft.pop("job", None)
        request.session[session_key] = draft
        if job is not None:
            messages.error(
                request, job.message or _("The import failed; nothing was imported. Confirm it again.")
            )
        return None
    return job


def to_import_job(request, job, *, drop_draft):
    """To the page of the import job already started for this draft (303), saying so: the
    import is written once, whatever the clicks; once it is done, ``drop_draft()``."""
    from django.contrib import messages

    from jobs.models import JobState

    if job.state == JobState.DONE:
        drop_draft()
        messages.info(request, _("This was imported already; the page below links the year."))
    else:
        messages.warning(
            request,
            _("This is being imported already; it is not imported twice. Its progress is shown here."),
        )
    return job_page(job)


def start_report_import(
    *,
    user,
    text: str,
    year: int | None,
    replace: bool,
    corrections: dict,
    lead_units: dict[int, int | None],
    due_on: datetime.date | None,
    links: dict[int, list[int]],
    government,
    sha: str,
    items: int,
):
    """Start the job that writes the import as ``user`` (a reviewer, checked by the view)."""
    from jobs.models import JobKind
    from jobs.runner import start_job

    return start_job(
        kind=JobKind.IMPORT,
        task=IMPORT_TASK,
        owner=user,
        params={
            "year": year,
            "text": text,
            "replace": replace,
            "corrections": corrections,
            # JSON keys are strings: the task turns them back into the items' indices.
            "lead_units": {str(index): unit for index, unit in lead_units.items()},
            "due_on": due_on.isoformat() if due_on else None,
            "links": {str(index): shortfalls for index, shortfalls in links.items()},
            "government": government.pk if government is not None and government.pk else None,
            "sha": sha,
            "items": items,
        },
    )


def run_report_import(job, progress):
    """The job's task: ``report_import`` with what the preview chose, as the job's owner; a
    refusal (the year closed, another text in it, another import won the race) fails the job
    with its message and writes nothing."""
    from jobs.runner import JobRefused, JobResult
    from tracker.models import Government
    from tracker.services import Conflict

    from .importing import Corrections
    from .services import REFUSED, report_import

    params = job.params
    progress.set_total(max(int(params.get("items") or 0), 1))
    government = Government.objects.get(pk=params["government"]) if params.get("government") else None
    try:
        result = report_import(
            text=params["text"],
            year=params.get("year"),
            replace=bool(params.get("replace")),
            corrections=Corrections.from_json(params.get("corrections")),
            user=job.owner,
            lead_units={int(index): unit for index, unit in (params.get("lead_units") or {}).items()},
            due_on=datetime.date.fromisoformat(params["due_on"]) if params.get("due_on") else None,
            links={int(index): shortfalls for index, shortfalls in (params.get("links") or {}).items()},
            government=government,
        )
    except (*REFUSED, Conflict) as error:
        raise JobRefused(_("Nothing was imported. %(reason)s") % {"reason": error}) from error
    url = reverse("reports:detail", args=[result.report.year]) + f"?government={result.report.government_id}"
    return JobResult(url=url, message=" ".join(text for _level, text in import_summary(result)))


def import_summary(result) -> list[tuple[str, str]]:
    """What the reviewer is told of a written import, as (level, text): the in-request
    confirm's messages and the job page's summary alike."""
    if result.duplicate:
        told = [("info", _("This text was imported before; nothing new was created."))]
    else:
        kinds = [item.kind for item in result.parsed.items]
        told = [
            (
                "success",
                _(
                    "Imported %(title)s: %(achievements)s achievements recorded for %(year)s; "
                    "%(shortfalls)s shortfalls and %(measures)s measures are work of %(work_year)s."
                )
                % {
                    "title": result.report.title,
                    "achievements": kinds.count("achievement"),
                    "year": result.report.year,
                    "shortfalls": kinds.count("shortfall"),
                    "measures": kinds.count("measure"),
                    "work_year": result.work_year["shortfalls"],
                },
            )
        ]
    for item in result.kept_items:
        told.append(("warning", _("Kept because it has progress: %(title)s") % {"title": item.title}))
    return told


# -- the 任务分解表 import ------------------------------------------------------------------------

TASKS_TASK = "reports.import_jobs.run_task_sheet_import"
# Where a task list waits for its job: a name of the job's own, not the draft's (another upload
# replaces the draft's file); the task removes it when it ends.
JOB_FILES = "jobs/imports"


def start_task_sheet_import(
    *, user, data: bytes, filename: str, year: int, choices: dict, government, sha: str, rows: int
):
    """Start the job that writes the task list ``data`` into ``year`` as ``user`` (a reviewer,
    checked by the view), with the rows' ``choices`` (``RowChoice`` by row index)."""
    import secrets

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from jobs.models import JobKind
    from jobs.runner import start_job

    name = default_storage.save(f"{JOB_FILES}/{secrets.token_urlsafe(16)}.bin", ContentFile(data))
    return start_job(
        kind=JobKind.IMPORT,
        task=TASKS_TASK,
        owner=user,
        params={
            "source": "tasks",
            "year": year,
            "file": name,
            "filename": filename,
            "choices": {
                str(index): {
                    "include": choice.include,
                    "lead_unit": choice.lead_unit,
                    "lead_chosen": choice.lead_chosen,
                    "due_on": choice.due_on.isoformat() if choice.due_on else None,
                    "ongoing": choice.ongoing,
                }
                for index, choice in choices.items()
            },
            "government": government.pk if government is not None and government.pk else None,
            "sha": sha,
            "items": rows,
        },
    )


def run_task_sheet_import(job, progress):
    """The job's task: ``task_sheet_import`` with the preview's choices, as the job's owner;
    a refusal fails the job with its message and writes nothing. Its copy of the file is
    removed whatever the end."""
    from django.core.files.storage import default_storage

    from jobs.runner import JobRefused, JobResult
    from tracker.models import Government
    from tracker.services import Conflict

    from .services import REFUSED
    from .tasksheet_services import RowChoice, task_sheet_import

    params = job.params
    progress.set_total(max(int(params.get("items") or 0), 1))
    try:
        try:
            with default_storage.open(params["file"], "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise JobRefused(_("The uploaded file is no longer there; please upload it again.")) from error
        choices = {
            int(index): RowChoice(
                include=choice["include"],
                lead_unit=choice["lead_unit"],
                lead_chosen=choice["lead_chosen"],
                due_on=datetime.date.fromisoformat(choice["due_on"]) if choice["due_on"] else None,
                ongoing=choice["ongoing"],
            )
            for index, choice in (params.get("choices") or {}).items()
        }
        government = Government.objects.get(pk=params["government"]) if params.get("government") else None
        year = int(params["year"])
        try:
            result = task_sheet_import(
                data=data,
                filename=params["filename"],
                year=year,
                user=job.owner,
                choices=choices,
                government=government,
            )
        except (*REFUSED, Conflict) as error:
            raise JobRefused(_("Nothing was imported. %(reason)s") % {"reason": error}) from error
    finally:
        with contextlib.suppress(OSError):
            default_storage.delete(params["file"])
    if result.duplicate:
        message = _("This file was imported into %(year)s before; nothing new was created.") % {"year": year}
    else:
        message = _("Imported %(count)s tasks from 《%(filename)s》 into %(year)s.") % {
            "count": result.created,
            "filename": params["filename"],
            "year": year,
        }
    url = reverse("reports:detail", args=[result.report.year]) + f"?government={result.report.government_id}"
    return JobResult(url=url, message=message)
