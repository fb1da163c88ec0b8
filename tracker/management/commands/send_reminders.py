from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.reminders import send_reminders, staff_without_email


class Command(BaseCommand):
    help = (
        "E-mail each unit's staff the items due within N days, the overdue ones and those "
        "returned to them; at most one mail per person per day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="How far ahead 'due soon' looks (default 7).")

    def handle(self, *args, days, **options):
        if days < 0 or days > 365:
            raise CommandError("--days must be between 0 and 365")
        sent = send_reminders(on=timezone.localdate(), days=days)
        items = sum(reminder.count for reminder in sent)
        self.stdout.write(f"sent {len(sent)} reminder mails naming {items} items")
        missing = staff_without_email()
        if missing:
            self.stdout.write(f"{missing} staff have no e-mail address and got no reminder")
