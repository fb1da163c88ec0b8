from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reports.services import REFUSED, government_named, rollover_plan, year_rollover
from tracker import roles


class Command(BaseCommand):
    help = (
        "Carry a year into the next: unfinished items, and the measures of open shortfalls as "
        "tasks. Running it again carries nothing twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("from_year", type=int)
        parser.add_argument("to_year", type=int)
        parser.add_argument(
            "--keep-status", action="store_true", help="Keep each item's status (default: not started)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would be carried; write nothing."
        )
        parser.add_argument("--user", help="Reviewer recorded as the author (default: the first superuser).")
        parser.add_argument(
            "--government",
            default="",
            help="Whose year (name or short name); needed among several governments.",
        )

    def handle(
        self, from_year, to_year, keep_status=False, dry_run=False, user=None, government="", **options
    ):
        try:
            into = government_named(government, create=False) if government else None
            if dry_run:
                plan = rollover_plan(from_year=from_year, to_year=to_year, government=into)
            else:
                plan = year_rollover(
                    from_year=from_year,
                    to_year=to_year,
                    user=self._user(user),
                    keep_status=keep_status,
                    government=into,
                )
        except REFUSED as error:
            raise CommandError(str(error)) from None
        counts = plan.counts
        verb = "would carry" if dry_run else "carried"
        self.stdout.write(
            f"{from_year} → {to_year}: {verb} {len(plan.carried)} items "
            f"({counts['task']} tasks, {counts['shortfall']} shortfalls, {counts['measure']} measures); "
            f"{plan.already} carried before"
        )

    def _user(self, username):
        User = get_user_model()
        if username:
            try:
                return User.objects.get(username=username)
            except User.DoesNotExist:
                raise CommandError(f"no user {username!r}") from None
        user = (
            User.objects.filter(is_superuser=True).order_by("pk").first()
            or User.objects.filter(groups__name=roles.REVIEWER).order_by("pk").first()
        )
        if user is None:
            raise CommandError("no superuser or reviewer to record as the author; pass --user")
        return user
