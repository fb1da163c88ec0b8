from django.core.management import call_command
from django.core.management.base import BaseCommand

from tracker.pushes import send_due


class Command(BaseCommand):
    help = (
        "Send what is due: what send_reminders does (the day's due-soon and overdue messages and "
        "mails, once a day however often this runs, and the escalations, once per item and "
        "level), then the pushes waiting for the chat groups. Run it every few minutes (cron "
        "or the deployment's worker); the ledger works without it, the pushes simply wait."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How far ahead 'due soon' looks (default 7).")
        parser.add_argument("--no-mail", action="store_true", help="Send no e-mail.")

    def handle(self, *args, days, no_mail, **options):
        call_command("send_reminders", days=days, no_mail=no_mail, stdout=self.stdout)
        outcome = send_due()
        self.stdout.write(
            f"pushes: {outcome.sent} sent, {outcome.retried} to retry, {outcome.failed} failed, "
            f"{outcome.waiting} waiting for quiet hours to end"
        )
