from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reports.demo import demo_password, demo_users, load_demo
from reports.models import AnnualReport


class Command(BaseCommand):
    help = "Load demo units, one user per role and the 2020 report of 新乡县. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run in production mode too (users then get random passwords).",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Load nothing when a report exists already; just print the demo logins.",
        )
        parser.add_argument(
            "--city",
            action="store_true",
            help="Also the city above the county and a second county, with the city's supervisor (city).",
        )

    def handle(self, *args, force=False, if_empty=False, city=False, **options):
        users = demo_users(city=city)
        production = settings.PRODUCTION
        if production and not force:
            raise CommandError(
                "load_demo creates users with known passwords and is meant for development "
                "(DJANGO_DEBUG=1). Use --force to load it in production mode with random passwords."
            )
        if if_empty and AnnualReport.objects.exists():
            if production:
                self.stdout.write("Data present; nothing loaded.")
                return
            passwords = {spec.username: demo_password(spec.username, random=False) for spec in users}
            self.stdout.write("Data present; nothing loaded. Demo logins:")
        else:
            passwords = load_demo(random_passwords=production, city=city)
            self.stdout.write(self.style.SUCCESS("Demo data loaded. Log in with:"))
        for spec in users:
            role = "superuser" if spec.superuser else spec.group
            unit = f", {spec.unit}" if spec.unit else ""
            self.stdout.write(f"  {spec.username:<9} {passwords[spec.username]:<22} ({role}{unit})")
