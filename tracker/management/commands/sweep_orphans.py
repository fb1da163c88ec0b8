import re
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker.evidence import orphan_evidence_files, remove_stray, stale_upload_files

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """'90m', '1h', '2d', '30s' (or a bare number of seconds) → seconds."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not match:
        raise ValueError(text)
    return float(match.group(1)) * UNITS[match.group(2) or "s"]


def size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return ""


def evidence_place() -> str:
    """Where evidence is kept: the S3 bucket (S3_BUCKET), else MEDIA_ROOT."""
    bucket = getattr(settings, "S3_BUCKET", "")
    return f"s3://{bucket}" if bucket else str(settings.MEDIA_ROOT)


class Command(BaseCommand):
    help = (
        "List evidence files that no Evidence row names (left by a worker killed mid-save) and "
        "stale upload temp files; --delete removes them. Files younger than --older-than are "
        "left alone, since a save may still be in progress."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--delete", action="store_true", help="Remove the files listed (default: list only)."
        )
        parser.add_argument(
            "--older-than",
            default="1h",
            help="Only files last changed longer ago than this: 90m, 1h, 2d (default 1h).",
        )

    def handle(self, *args, delete, older_than, **options):
        try:
            grace = duration(older_than)
        except ValueError:
            raise CommandError("--older-than takes a duration such as 30m, 1h or 2d") from None
        groups = [
            (
                f"Evidence files with no Evidence row, in {evidence_place()}",
                orphan_evidence_files(older_than=grace),
            ),
        ]
        temp_dir = getattr(settings, "FILE_UPLOAD_TEMP_DIR", None)
        if temp_dir:
            groups.append((f"Stale upload temp files, in {temp_dir}", stale_upload_files(older_than=grace)))
        age = timedelta(seconds=grace)
        total_files = total_bytes = removed = 0
        for title, strays in groups:
            self.stdout.write(f"{title} (older than {age}): {len(strays)}")
            for stray in strays:
                self.stdout.write(f"  {stray.name}  {size(stray.size)}")
                if delete and remove_stray(stray):
                    removed += 1
            total_files += len(strays)
            total_bytes += sum(stray.size for stray in strays)
        self.stdout.write(f"{total_files} files, {size(total_bytes)} in all.")
        if delete:
            self.stdout.write(f"Removed {removed} files.")
        elif total_files:
            self.stdout.write("Dry run: nothing was removed. Run again with --delete to remove them.")
