"""A job's page (a progress bar that polls its status), its status as JSON, and its file.

Only the job's owner sees any of them; anyone else gets 404, as if it did not exist. The
file is served through ``utilities.storage_files.file_response``: streamed from the storage,
or a short-lived presigned redirect to S3 with ``S3_PRESIGNED=1``.
"""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from utilities.storage_files import file_response

from .models import Job, JobState
from .runner import expire_if_stale


def _own_job(request, pk) -> Job:
    job = Job.objects.filter(pk=pk, owner=request.user).first() if request.user.is_authenticated else None
    if job is None:
        raise Http404(_("No such job, or it is not yours."))
    return expire_if_stale(job)


def _download_url(job: Job) -> str | None:
    if job.state == JobState.DONE and job.result_name:
        return reverse("jobs:download", args=[job.pk])
    return None


@require_GET
def job_detail(request, pk):
    """The job's progress, polled by the page; its file once it is ready."""
    job = _own_job(request, pk)
    return render(
        request,
        "jobs/job_detail.html",
        {
            "job": job,
            "percent": _percent(job),
            "download_url": _download_url(job),
            "back_url": _back_url(job),
        },
    )


@require_GET
def job_status(request, pk):
    """``{"state", "done", "total", "download_url"}`` (the URL once the file is ready, else null)."""
    job = _own_job(request, pk)
    return JsonResponse(
        {"state": job.state, "done": job.done, "total": job.total, "download_url": _download_url(job)}
    )


@require_GET
def job_download(request, pk):
    """The file the job wrote, to its owner only, once it is done."""
    job = _own_job(request, pk)
    if _download_url(job) is None:
        raise Http404(_("This job has no file to download."))
    try:
        response = file_response(
            job.result_name, filename=job.result_filename, content_type=job.result_content_type, inline=False
        )
    except FileNotFoundError:
        raise Http404(_("This job has no file to download.")) from None
    # As the evidence downloads: an attachment that nothing may run.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _percent(job: Job) -> int:
    if job.state == JobState.DONE:
        return 100
    return min(100, job.done * 100 // job.total) if job.total else 0


def _back_url(job: Job) -> str | None:
    year = job.params.get("year")
    return reverse("reports:detail", args=[year]) if year else None
