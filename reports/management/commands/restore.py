from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.backup import BackupError, listed, restore_read


class Command(BaseCommand):
    help = (
        "Rebuild an empty installation (a new database, migrated or not, no ledger yet) from a "
        "backup archive; every sha256 is checked before anything is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .zip file written by `backup`.")

    def handle(self, path, **options):
        try:
            restored = restore_read(Path(path))
        except BackupError as error:
            raise CommandError(str(error)) from None
        manifest = restored.manifest
        self.stdout.write(
            f"restored {path} (written on {manifest.get('engine') or 'an older version'} at "
            f"{manifest.get('created_at', '?')}) with {restored.method}:"
        )
        for label, count in restored.counts.items():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(
            f"  evidence files: {restored.files} ({restored.bytes} bytes); every count matches the manifest"
        )
        if manifest.get("missing"):
            self.stderr.write(
                f"WARNING: {len(manifest['missing'])} evidence file(s) were already missing when the "
                f"backup was written, so they are not restored: " + listed(manifest["missing"])
            )
        if restored.pending_migrations:
            self.stderr.write(
                "The restored database predates this version of the ledger: run `manage.py migrate` now "
                f"({len(restored.pending_migrations)} migration(s) to apply)."
            )
