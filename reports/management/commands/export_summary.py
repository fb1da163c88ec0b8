from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from reports.exporting.docx import write_report_docx
from reports.exporting.ledger import write_ledger_xlsx
from reports.exporting.tasksheet import task_sheet_title, write_task_sheet
from reports.selectors import annual_summary, report_draft
from reports.services import REFUSED, government_named, import_government, reports_of
from reports.tasksheet_selectors import task_sheet_rows
from tracker.models import Item
from tracker.tables import ItemExport


class Command(BaseCommand):
    help = (
        "Write a year's annual summary: the XLSX ledger (five sheets), the CSV of its items, the DOCX "
        "report draft, or its tracked items as a 任务分解表 (tasks, .xlsx)."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--format", choices=["xlsx", "csv", "docx", "tasks"], default="xlsx")
        parser.add_argument("--output", required=True, help="Path of the file to write.")
        parser.add_argument(
            "--government",
            default="",
            help="Whose year (name or short name); needed among several governments.",
        )

    def handle(self, year, format, output, government="", **options):
        try:
            into = government_named(government, create=False) if government else import_government()
        except REFUSED as error:
            raise CommandError(str(error)) from None
        report = reports_of(into).filter(year=year).first()
        if report is None:
            raise CommandError(f"there is no record for the year {year}")
        path = Path(output)
        with translation.override(settings.LANGUAGE_CODE):
            if format == "xlsx":
                write_ledger_xlsx(annual_summary(report=report), path)
            elif format == "docx":
                write_report_docx(report_draft(report=report), path)
            elif format == "tasks":
                write_task_sheet(
                    path, title=task_sheet_title(year), rows=task_sheet_rows(report=report, user=None)
                )
            else:
                items = Item.objects.filter(report=report).order_by("order", "pk")
                with path.open("w", encoding="utf-8", newline="") as handle:
                    ItemExport.of("csv", items).write(handle)
        self.stdout.write(f"wrote {path}")
