import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.services import REFUSED, government_named
from reports.tasksheet_services import task_sheet_import


class Command(BaseCommand):
    help = "Import a year's task list (任务分解表): .xlsx, a table in .docx, or .csv (UTF-8 or GBK)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--year", type=int, required=True, help="The year whose ledger receives the tasks."
        )
        parser.add_argument("--dry-run", action="store_true", help="Read and report; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--government",
            default="",
            help="The government whose ledger receives the tasks (name or short name); made under "
            "--parent when new. Needed when the installation keeps several governments' ledgers.",
        )
        parser.add_argument("--parent", default="", help="The government above a new --government.")

    def handle(self, path, year, dry_run=False, json=False, government="", parent="", **options):
        if not 1990 <= year <= 2100:
            raise CommandError(f"--year {year}: a year between 1990 and 2100")
        if parent and not government:
            raise CommandError("--parent goes with --government.")
        try:
            data = Path(path).read_bytes()
            into = government_named(government, parent=parent, create=not dry_run) if government else None
            result = task_sheet_import(
                data=data, filename=Path(path).name, year=year, dry_run=dry_run, government=into
            )
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        except REFUSED as error:
            raise CommandError(str(error)) from error
        summary = result.summary()
        if json:
            self.stdout.write(_dumps(summary))
            return
        if result.duplicate:
            self.stdout.write(f"{year}: this file was imported before; nothing created.")
        elif dry_run:
            self.stdout.write(f"{year}: dry run, nothing written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{year}: imported {result.created} tasks."))
        self.stdout.write(
            f"tasks {summary['tasks']}, units matched {len(summary['units_matched'])}, "
            f"units unknown {len(summary['units_unknown'])}, deadlines unread {summary['deadlines_unread']}"
        )
        for row in summary["rows"]:
            for problem in row["problems"]:
                self.stdout.write(f"row {row['row']}: {problem}")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
