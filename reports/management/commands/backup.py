from pathlib import Path

from django.core.management.base import BaseCommand

from reports.backup import backup_write


class Command(BaseCommand):
    help = (
        "Write one archive with the ledger's data and evidence files, and a manifest of counts and sha256s."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .zip file to write.")

    def handle(self, path, **options):
        manifest = backup_write(Path(path))
        self.stdout.write(
            f"wrote {path}: {manifest['counts']['tracker.Item']} items, {len(manifest['files'])} evidence files"
        )
