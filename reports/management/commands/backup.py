from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reports.backup import BackupError, backup_write, listed


class Command(BaseCommand):
    help = (
        "Write one archive from one snapshot of the database: the database copy (pg_dump or "
        "SQLite's backup API), the evidence files that snapshot names, and a manifest of counts "
        "and sha256s. People may go on working meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The .zip file to write.")
        parser.add_argument(
            "--portable",
            action="store_true",
            help="Also write data.json (dumpdata, from the same snapshot), so that the archive "
            "can be restored on the other engine (SQLite ↔ PostgreSQL).",
        )

    def handle(self, path, portable=False, **options):
        try:
            manifest = backup_write(Path(path), portable=portable)
        except BackupError as error:
            raise CommandError(str(error)) from None
        size = sum(meta["size"] for meta in manifest["files"].values())
        self.stdout.write(
            f"wrote {path} ({manifest['engine']} snapshot of {manifest['created_at']}"
            f"{', with data.json' if manifest['portable'] else ''}): "
            f"{manifest['counts']['tracker.Item']} items, "
            f"{manifest['counts']['tracker.ProgressUpdate']} progress updates, "
            f"{manifest['counts']['tracker.Evidence']} evidence rows, "
            f"{len(manifest['files'])} files ({size / 1024 / 1024:.1f} MB)"
        )
        # Never a silent gap: cron mails what a job writes to stderr.
        if manifest["missing"]:
            self.stderr.write(
                f"WARNING: {len(manifest['missing'])} evidence file(s) named by the database were "
                f"missing on disk and are not in the archive (listed in its manifest): "
                + listed(manifest["missing"])
            )
        for damaged in manifest["damaged"]:
            self.stderr.write(
                f"WARNING: {damaged['name']} on disk does not match the sha256 its evidence row "
                f"records ({damaged['recorded']}); archived as found ({damaged['found']})"
            )
