"""The 任务分解表 import (upload → preview → confirm, reviewers only) and the year's items
exported back as a 任务分解表.

The uploaded file waits for confirmation in the default storage (``tmp/tasksheets/``, under
a random name the session holds), not in the session itself: a sheet may be megabytes, and
the session is read on every request. Confirming or cancelling removes it; drafts left
behind (a session that expired) are removed after a day, when the next one is saved.
"""

from __future__ import annotations

import contextlib
import datetime
import secrets
import tempfile

from django.contrib import messages
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tracker.decorators import reviewer_required
from tracker.governments import government_in_view
from tracker.models import Government
from tracker.selectors import reports_visible_to
from tracker.services import Conflict
from utilities.uploads import upload_failed

from .exporting.tasksheet import task_sheet_title, write_task_sheet
from .forms import TaskSheetImportForm
from .import_jobs import draft_job, imports_as_job, job_page, to_import_job
from .models import AnnualReport
from .services import REFUSED
from .tasksheet_selectors import active_units, task_sheet_preview, task_sheet_rows
from .tasksheet_services import (
    RowChoice,
    file_sha256,
    task_sheet_import,
    task_sheet_parse,
    task_sheet_target,
)
from .templatetags.tasksheet_tags import UnitOptions

SESSION_KEY = "task_sheet_import_draft"
DRAFT_DIR = "tmp/tasksheets"
DRAFT_MAX_AGE = datetime.timedelta(days=1)


# -- the draft waiting for confirmation ---------------------------------------------------------


def _save_draft(request, *, data: bytes, filename: str, year: int, government) -> None:
    _drop_draft(request)
    _prune_drafts()
    token = secrets.token_urlsafe(16)
    name = default_storage.save(f"{DRAFT_DIR}/{token}.bin", ContentFile(data))
    request.session[SESSION_KEY] = {
        "token": token,
        "name": name,
        "filename": filename,
        "year": year,
        "government": government.pk if government is not None else None,
    }


def _draft_data(draft: dict) -> bytes | None:
    try:
        with default_storage.open(draft["name"], "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _drop_draft(request) -> None:
    draft = request.session.pop(SESSION_KEY, None)
    if draft:
        with contextlib.suppress(OSError):
            default_storage.delete(draft["name"])


def _prune_drafts() -> None:
    """Remove drafts older than a day (their sessions are over)."""
    with contextlib.suppress(OSError):
        _folders, files = default_storage.listdir(DRAFT_DIR)
        stale = timezone.now() - DRAFT_MAX_AGE
        for name in files:
            path = f"{DRAFT_DIR}/{name}"
            with contextlib.suppress(OSError):
                if default_storage.get_modified_time(path) < stale:
                    default_storage.delete(path)


def _check_year(year: int) -> None:
    if not 1990 <= year <= 2100:
        raise Http404(_("No such year."))


def _draft_for(request, year: int) -> dict | None:
    """The draft of ``year``, for the government in view: a draft of another government (the
    person switched governments since the upload) is not this page's."""
    draft = request.session.get(SESSION_KEY)
    government = government_in_view(request)
    if not draft or draft.get("year") != year:
        return None
    return draft if draft.get("government") == (government.pk if government is not None else None) else None


def _government(request):
    """The government the task list goes into: the government in view (tracker.governments);
    None on an installation with no government yet (the import makes the first one)."""
    government = government_in_view(request)
    if government is None and Government.objects.exists():
        raise Http404(_("No government to import into."))
    return government


# -- the three steps ------------------------------------------------------------------------------


def _start_page(request, year: int, form, status: int = 200):
    government = government_in_view(request)
    report = (
        reports_visible_to(request.user)
        .filter(year=year, government=government)
        .only("pk", "year", "title", "state")
        .first()
    )
    return render(
        request,
        "reports/tasks_import_start.html",
        {"form": form, "year": year, "report": report, "government": government},
        status=status,
    )


@reviewer_required
def task_sheet_import_start(request, year: int):
    """Step 1: upload the sheet. A readable one goes to the preview; nothing is written yet."""
    _check_year(year)
    if request.method == "POST" and upload_failed(request):
        messages.error(
            request,
            _(
                "The file could not be received: the server's storage is full or cannot be written "
                "to. Nothing was imported. Please try again later or contact the administrator."
            ),
        )
        return _start_page(request, year, TaskSheetImportForm(initial={"year": year}), status=503)
    if request.method != "POST":
        return _start_page(request, year, TaskSheetImportForm(initial={"year": year}))
    form = TaskSheetImportForm(request.POST, request.FILES)
    if form.is_valid():
        target_year = form.cleaned_data["year"]
        data = form.cleaned_data["data"]
        try:
            task_sheet_parse(data=data, year=target_year, government=_government(request))
            task_sheet_target(year=target_year, sha="", government=_government(request))
        except REFUSED as error:
            form.add_error(None, str(error))
        else:
            try:
                _save_draft(
                    request,
                    data=data,
                    filename=form.cleaned_data["file"].name,
                    year=target_year,
                    government=_government(request),
                )
            except OSError:
                messages.error(
                    request,
                    _(
                        "The file could not be kept for the preview: the server's storage is full or "
                        "cannot be written to. Nothing was imported. Please try again later or contact "
                        "the administrator."
                    ),
                )
                return _start_page(request, year, form, status=503)
            return redirect("reports:tasks_import_preview", year=target_year)
    return _start_page(request, year, form)


@require_GET
@reviewer_required
def task_sheet_import_preview(request, year: int):
    """Step 2: every row as it will land, and every row that could not be read, with why;
    the lead unit, deadline and whether to import each row can be changed here."""
    _check_year(year)
    draft = _draft_for(request, year)
    data = _draft_data(draft) if draft else None
    if data is None:
        messages.info(request, _("There is no task list waiting for confirmation; upload one."))
        return redirect("reports:tasks_import", year=year)
    job = draft_job(request, draft, session_key=SESSION_KEY)
    if job is not None:
        return to_import_job(request, job, drop_draft=lambda: _drop_draft(request))
    try:
        preview = task_sheet_preview(data=data, year=year, government=_government(request))
    except REFUSED as error:
        _drop_draft(request)
        messages.error(request, str(error))
        return redirect("reports:tasks_import", year=year)
    if draft.get("rows") != len(preview.sheet.rows):
        # How large the list is: the confirm writes more than LEDGER_IMPORT_JOB_ITEMS by a job.
        draft["rows"] = len(preview.sheet.rows)
        request.session[SESSION_KEY] = draft
    return render(
        request,
        "reports/tasks_import_preview.html",
        {
            "preview": preview,
            "draft": draft,
            "unit_options": UnitOptions(active_units(_government(request))),
            "as_job": imports_as_job(len(preview.sheet.rows)),
        },
    )


def _choices(post, valid_units: set[int]) -> dict[int, RowChoice]:
    """The reviewer's corrections, from the preview's fields (lead_N, due_N, ongoing_N,
    skip_N); a row, or a field, that the POST does not name is imported as read."""
    indices = {
        int(key.split("_", 1)[1])
        for key in post
        if key.startswith(("lead_", "due_", "ongoing_", "skip_")) and key.split("_", 1)[1].isdigit()
    }
    choices = {}
    for index in indices:
        lead = post.get(f"lead_{index}")
        due_text = post.get(f"due_{index}", "")
        try:
            due_on = datetime.date.fromisoformat(due_text) if due_text else None
        except ValueError:
            due_on = None
        choices[index] = RowChoice(
            include=post.get(f"skip_{index}") != "1",
            lead_unit=int(lead) if lead and lead.isdigit() and int(lead) in valid_units else None,
            lead_chosen=lead is not None,
            due_on=due_on,
            ongoing=(
                post.get(f"ongoing_{index}") == "1"
                if f"due_{index}" in post or f"ongoing_{index}" in post
                else None
            ),
        )
    return choices


@require_POST
@reviewer_required
def task_sheet_import_confirm(request, year: int):
    """Step 3: write the tasks in one transaction, with the corrections made on the preview. A
    list of more than LEDGER_IMPORT_JOB_ITEMS rows is written by a job
    (``reports.import_jobs``): the reviewer is sent to its page (303), which links the year
    once it is written; confirming it again meanwhile starts nothing."""
    _check_year(year)
    draft = _draft_for(request, year)
    if not draft:
        raise Http404(_("There is no task list waiting for confirmation."))
    job = draft_job(request, draft, session_key=SESSION_KEY)
    if job is not None:
        return to_import_job(request, job, drop_draft=lambda: _drop_draft(request))
    if request.POST.get("token") != draft["token"]:
        messages.error(request, _("This preview is out of date; please check it again before confirming."))
        return redirect("reports:tasks_import_preview", year=year)
    data = _draft_data(draft)
    if data is None:
        request.session.pop(SESSION_KEY, None)
        messages.error(request, _("The uploaded file is no longer there; please upload it again."))
        return redirect("reports:tasks_import", year=year)
    valid_units = {unit.pk for unit in active_units(_government(request))}
    if imports_as_job(draft.get("rows") or 0):
        return _start_import_job(request, draft, data, year=year, choices=_choices(request.POST, valid_units))
    try:
        result = task_sheet_import(
            data=data,
            filename=draft["filename"],
            year=year,
            user=request.user,
            choices=_choices(request.POST, valid_units),
            government=_government(request),
        )
    except (*REFUSED, Conflict) as error:
        # Nothing was written; the preview shows where things now stand.
        messages.error(request, str(error))
        return redirect("reports:tasks_import_preview", year=year)
    _drop_draft(request)
    if result.duplicate:
        messages.info(
            request,
            _("This file was imported into %(year)s before; nothing new was created.") % {"year": year},
        )
    else:
        messages.success(
            request,
            _("Imported %(count)s tasks from 《%(filename)s》 into %(year)s.")
            % {"count": result.created, "filename": draft["filename"], "year": year},
        )
    return redirect(reverse("reports:detail", args=[year]))


def _start_import_job(request, draft: dict, data: bytes, *, year: int, choices):
    """A large task list: its job started (unless one of the same file is under way), the
    draft kept with the job's id until it is done, the reviewer sent to the job's page (303)."""
    from jobs.models import JobState

    from .import_jobs import running_import, start_task_sheet_import

    sha = file_sha256(data)
    under_way = running_import(sha)
    if under_way is not None:
        if under_way.owner_id != request.user.pk:
            messages.warning(
                request,
                _("Another reviewer is importing this very file right now; it is not imported twice."),
            )
            return redirect("reports:tasks_import_preview", year=year)
        draft["job"] = str(under_way.pk)
        request.session[SESSION_KEY] = draft
        return to_import_job(request, under_way, drop_draft=lambda: _drop_draft(request))
    try:
        job = start_task_sheet_import(
            user=request.user,
            data=data,
            filename=draft["filename"],
            year=year,
            choices=choices,
            government=_government(request),
            sha=sha,
            rows=draft.get("rows") or 0,
        )
    except OSError:
        messages.error(
            request,
            _(
                "The file could not be kept for the import: the server's storage is full or cannot be "
                "written to. Nothing was imported. Please try again later or contact the administrator."
            ),
        )
        return redirect("reports:tasks_import_preview", year=year)
    if job.state == JobState.DONE:  # no queue: written already
        _drop_draft(request)
    elif job.state != JobState.FAILED:  # failed: the draft stays, to be confirmed again
        draft["job"] = str(job.pk)
        request.session[SESSION_KEY] = draft
    return job_page(job)


@require_POST
@reviewer_required
def task_sheet_import_cancel(request, year: int):
    _check_year(year)
    _drop_draft(request)
    messages.info(request, _("Import cancelled; nothing was written."))
    return redirect("reports:tasks_import", year=year)


# -- export ------------------------------------------------------------------------------------------


def task_sheet_response(request, report: AnnualReport) -> FileResponse:
    """The year's tracked items that the user may see, as a 任务分解表 .xlsx."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_task_sheet(
        output, title=task_sheet_title(report.year), rows=task_sheet_rows(report=report, user=request.user)
    )
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"tasks-{report.year}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
