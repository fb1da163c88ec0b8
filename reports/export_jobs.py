"""A year's exports as files written once, by the year page (GET, in the request) or by a job
(``jobs.runner``: on the RQ queue with ``REDIS_URL``, else at once).

``write_year_export`` is the one writer both use, so the worker's file holds what the page's
would: the XLSX ledger, the CSV of the items, the DOCX report draft, each restricted to what
the person who asked may see. The writers stream their rows (XLSX in constant memory, CSV row
by row), so a job's memory stays flat whatever the year's size; the file goes to a temporary
file, then to the default storage (local or S3).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace

from django.conf import settings

from utilities.replica import replica_reads

from .models import AnnualReport

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV_TYPE = "text/csv; charset=utf-8"

# The formats a job may write (the 任务分解表 stays a plain download).
JOB_FORMATS = ("xlsx", "csv", "docx")
EXPORT_TASK = "reports.export_jobs.run_year_export"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str


def export_file(year: int, fmt: str) -> ExportFile:
    """The download's name and type of ``year``'s export in ``fmt``."""
    if fmt == "docx":
        return ExportFile(f"report-draft-{year}.docx", DOCX_TYPE)
    if fmt == "csv":
        return ExportFile(f"ledger-{year}.csv", CSV_TYPE)
    return ExportFile(f"ledger-{year}.xlsx", XLSX_TYPE)


def year_items(report: AnnualReport, user):
    """The year's items ``user`` may see, in the order the CSV lists them."""
    from tracker.selectors import items_for_list

    return items_for_list(user).filter(report=report).order_by("order", "pk")


def write_year_export(*, report: AnnualReport, user, fmt: str, output, progress=None) -> None:
    """``report``'s export in ``fmt`` (xlsx, csv, docx) as ``user`` may see it, into ``output``
    (a binary file). ``progress`` (``jobs.runner.Progress``), if given, counts the rows."""
    from utilities.sheets import write_csv

    from .exporting.docx import write_report_docx
    from .exporting.ledger import write_ledger_xlsx
    from .selectors import annual_summary, report_draft

    if fmt == "csv":
        from tracker.tables import ItemExport

        items = year_items(report, user)
        rows = ItemExport.of("csv", items).rows()
        if progress is not None:
            progress.set_total(items.count())
            rows = _header_uncounted(rows, progress)
        text = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
        write_csv(rows, text)
        text.detach()
    elif fmt == "docx":
        if progress is not None:
            progress.set_total(1)
        write_report_docx(report_draft(report=report, user=user), output)
    else:
        summary = annual_summary(report=report, user=user)
        if progress is not None:
            progress.set_total(year_items(report, user).count())
            summary = replace(
                summary,
                tasks=progress.count(summary.tasks),
                shortfalls=progress.count(summary.shortfalls),
                achievements=progress.count(summary.achievements),
                unlinked_measures=progress.count(summary.unlinked_measures),
            )
        write_ledger_xlsx(summary, output)


def _header_uncounted(rows, progress):
    rows = iter(rows)
    header = next(rows, None)
    if header is not None:
        yield header
    yield from progress.count(rows)


def start_year_export(*, report: AnnualReport, user, fmt: str):
    """Start the job that writes ``report``'s export in ``fmt`` for ``user``."""
    from jobs.models import JobKind
    from jobs.runner import start_job

    return start_job(
        kind=JobKind.EXPORT,
        task=EXPORT_TASK,
        owner=user,
        params={"report": report.pk, "year": report.year, "format": fmt},
    )


def run_year_export(job, progress):
    """The job's task: the export written as its owner may see it, from the read replica when
    there is one, into the default storage."""
    from jobs.runner import store_result, temporary_file

    year, fmt = job.params["year"], job.params["format"]
    if fmt not in JOB_FORMATS:
        raise ValueError(f"no such export format: {fmt}")
    described = export_file(year, fmt)
    with temporary_file() as output:
        with replica_reads():
            # The report itself, not its year: several governments have a report of each year.
            report = AnnualReport.objects.get(pk=job.params["report"])
            write_year_export(report=report, user=job.owner, fmt=fmt, output=output, progress=progress)
        return store_result(
            job,
            output,
            extension=fmt,
            filename=described.filename,
            content_type=described.content_type,
        )


def offers_jobs(item_count: int) -> bool:
    """Whether the year page offers its exports as jobs: more than LEDGER_EXPORT_JOB_ROWS items."""
    return item_count > settings.LEDGER_EXPORT_JOB_ROWS
