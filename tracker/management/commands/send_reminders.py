from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.escalation import escalate
from tracker.reminders import send_reminders, staff_without_email, write_daily_messages


class Command(BaseCommand):
    help = (
        "Write today's due-soon and overdue messages to the message centre, and e-mail each "
        "unit's staff the items due within N days, the overdue ones and those returned to "
        "them; at most one message per item and one mail per person per day. Also fires the "
        "escalations of items overdue too long (once per item and level)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How far ahead 'due soon' looks (default 7).")
        parser.add_argument(
            "--no-mail", action="store_true", help="Write the messages only; send no e-mail (make run)."
        )

    def handle(self, *args, days, no_mail, **options):
        if days < 0 or days > 365:
            raise CommandError("--days must be between 0 and 365")
        today = timezone.localdate()
        messages = write_daily_messages(on=today, days=days)
        self.stdout.write(f"{messages} due-soon and overdue messages for today in the message centre")
        escalated = escalate(on=today)
        self.stdout.write(
            f"escalations: {escalated.heads} to unit heads, {escalated.leaders} to area leaders, "
            f"{escalated.messages} messages"
        )
        if no_mail:
            return
        sent = send_reminders(on=today, days=days)
        items = sum(reminder.count for reminder in sent)
        self.stdout.write(f"sent {len(sent)} reminder mails naming {items} items")
        missing = staff_without_email()
        if missing:
            self.stdout.write(f"{missing} staff have no e-mail address and got no reminder")
