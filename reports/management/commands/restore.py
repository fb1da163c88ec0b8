from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.backup import BackupError, restore_read


class Command(BaseCommand):
    help = "Rebuild an empty installation (migrated, no ledger yet) from a backup archive."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .zip file written by `backup`.")

    def handle(self, path, **options):
        try:
            manifest = restore_read(Path(path))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"restored {manifest['counts']['tracker.Item']} items and {len(manifest['files'])} evidence files"
        )
