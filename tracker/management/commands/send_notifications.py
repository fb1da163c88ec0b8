from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.escalation import escalate
from tracker.pushes import send_due
from tracker.reminders import send_reminders, write_daily_messages


class Command(BaseCommand):
    help = (
        "Send what is due: the day's due-soon and overdue messages and reminder mails (once a "
        "day, however often this runs), the escalations of items overdue too long (once per "
        "item and level) and the pushes waiting for the chat groups. Run it every few minutes "
        "(cron or the deployment's worker); the ledger works without it, the pushes simply wait."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How far ahead 'due soon' looks (default 7).")
        parser.add_argument("--no-mail", action="store_true", help="Send no e-mail.")

    def handle(self, *args, days, no_mail, **options):
        if days < 0 or days > 365:
            raise CommandError("--days must be between 0 and 365")
        today = timezone.localdate()
        messages = write_daily_messages(on=today, days=days)
        self.stdout.write(f"messages: {messages} due-soon and overdue for today")
        if not no_mail:
            reminded = send_reminders(on=today, days=days)
            self.stdout.write(f"reminders: {len(reminded)} mails")
        escalated = escalate(on=today)
        self.stdout.write(
            f"escalations: {escalated.heads} to unit heads, {escalated.leaders} to area leaders, "
            f"{escalated.messages} messages"
        )
        outcome = send_due()
        self.stdout.write(
            f"pushes: {outcome.sent} sent, {outcome.retried} to retry, {outcome.failed} failed, "
            f"{outcome.waiting} waiting for quiet hours to end"
        )
