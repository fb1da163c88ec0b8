import io

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tracker.pushes import send_due

TASK = "tracker.management.commands.send_notifications.run_queued"


class Command(BaseCommand):
    help = (
        "Send what is due: what send_reminders does (the day's due-soon and overdue messages and "
        "mails, once a day however often this runs, and the escalations, once per item and "
        "level), then the pushes waiting for the chat groups. Run it every few minutes (cron "
        "or the deployment's worker); the ledger works without it, the pushes simply wait. "
        "--queue puts the run on the job queue (REDIS_URL) for a worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How far ahead 'due soon' looks (default 7).")
        parser.add_argument("--no-mail", action="store_true", help="Send no e-mail.")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Enqueue the run as a job (run by `rqworker default`); without REDIS_URL it runs at once.",
        )

    def handle(self, *args, days, no_mail, queue, **options):
        if queue:
            from jobs.models import JobKind
            from jobs.runner import queued, start_job

            job = start_job(kind=JobKind.NOTIFICATIONS, task=TASK, params={"days": days, "no_mail": no_mail})
            self.stdout.write(f"job {job.pk}: {'queued' if queued() else job.state}")
            return
        call_command("send_reminders", days=days, no_mail=no_mail, stdout=self.stdout)
        outcome = send_due()
        self.stdout.write(
            f"pushes: {outcome.sent} sent, {outcome.retried} to retry, {outcome.failed} failed, "
            f"{outcome.waiting} waiting for quiet hours to end"
        )


def run_queued(job, progress):
    """The job of ``send_notifications --queue``: the same run, its report logged."""
    import logging

    progress.set_total(1)
    out = io.StringIO()
    call_command("send_notifications", days=job.params["days"], no_mail=job.params["no_mail"], stdout=out)
    logging.getLogger(__name__).info("send_notifications (job %s): %s", job.pk, out.getvalue().strip())
    progress.advance()
