from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.demo import DEMO_USERS, load_demo


class Command(BaseCommand):
    help = "Load demo units, one user per role and the 2020 report of 新乡县. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run in production mode too (users then get random passwords).",
        )

    def handle(self, *args, force=False, **options):
        production = settings.PRODUCTION
        if production and not force:
            raise CommandError(
                "load_demo creates users with known passwords and is meant for development "
                "(DJANGO_DEBUG=1). Use --force to load it in production mode with random passwords."
            )
        passwords = load_demo(random_passwords=production)
        self.stdout.write(self.style.SUCCESS("Demo data loaded. Log in with:"))
        for spec in DEMO_USERS:
            role = "superuser" if spec.superuser else spec.group
            unit = f", {spec.unit}" if spec.unit else ""
            self.stdout.write(f"  {spec.username:<9} {passwords[spec.username]:<22} ({role}{unit})")
