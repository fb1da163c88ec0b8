import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.importing import ReportReadError, read_report_bytes
from reports.importing.summary import outline_json, parse_counts
from reports.services import REFUSED, government_named, report_import


class Command(BaseCommand):
    help = "Import one annual report (.txt in UTF-8 or GBK, .docx, or a saved web page)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--year", type=int, help="The report's year, when its text does not say.")
        parser.add_argument("--dry-run", action="store_true", help="Parse and report; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace a different report already imported for the year (items with progress stay).",
        )
        parser.add_argument(
            "--government",
            default="",
            help="The government whose report it is (name or short name); made under --parent when new. "
            "Needed when the installation keeps several governments' ledgers.",
        )
        parser.add_argument("--parent", default="", help="The government above a new --government.")

    def handle(
        self, path, year=None, dry_run=False, json=False, replace=False, government="", parent="", **options
    ):
        if parent and not government:
            raise CommandError("--parent goes with --government.")
        try:
            data = Path(path).read_bytes()
            text = read_report_bytes(data, filename=path)
            into = government_named(government, parent=parent, create=not dry_run) if government else None
            result = report_import(text=text, year=year, dry_run=dry_run, replace=replace, government=into)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from error
        except (ReportReadError, *REFUSED) as error:
            raise CommandError(str(error)) from error
        parsed = result.parsed
        summary = {
            "year": parsed.year,
            "title": parsed.title,
            "issuer": parsed.issuer,
            "published_on": parsed.published_on.isoformat() if parsed.published_on else None,
            **parse_counts(parsed),
            "work_year": result.work_year,
            "links": result.links,
            "units_matched": result.units_matched,
            "created": result.created,
            "outline": outline_json(parsed),
        }
        if json:
            self.stdout.write(_dumps(summary))
            return
        if result.duplicate:
            self.stdout.write(f"{parsed.year}: this text was imported before; nothing created.")
        elif dry_run:
            self.stdout.write(f"{parsed.year}: dry run, nothing written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{parsed.year}: imported “{parsed.title}”."))
        counts = parse_counts(parsed)
        self.stdout.write(", ".join(f"{key} {value}" for key, value in counts.items()))
        for item in result.kept_items:
            self.stdout.write(f"kept (has progress): {item.title}")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
