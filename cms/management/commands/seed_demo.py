from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.demo import load_demo_content


class Command(BaseCommand):
    help = (
        "Load demo pages, organisations and one account per role (idempotent; never in production)."
    )

    def handle(self, *args, **options):
        if settings.IS_PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run with DJANGO_ENV=production: it creates accounts with known passwords."
            )
        accounts = load_demo_content()
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
        self.stdout.write("Demo accounts (local use only):")
        for account in accounts:
            self.stdout.write(f"  {account.role:<20} {account.email:<34} {account.password}")
