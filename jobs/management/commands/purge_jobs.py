"""Remove jobs that ended more than --days days ago (7), and the files they wrote."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from jobs.models import Job


class Command(BaseCommand):
    help = "Remove background jobs that ended more than --days days ago, with their files (run daily)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7)

    def handle(self, days, **options):
        old = Job.objects.filter(finished_at__lt=timezone.now() - timedelta(days=days))
        removed = 0
        for job in old.iterator():
            if job.result_name:
                default_storage.delete(job.result_name)
            job.delete()
            removed += 1
        self.stdout.write(f"removed {removed} job(s)")
