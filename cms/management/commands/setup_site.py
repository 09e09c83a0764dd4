from django.core.management.base import BaseCommand

from cms.services import site_home_ensure


class Command(BaseCommand):
    help = "Create the home page (slogan and the three pillars) and the default Site if missing; safe in production."

    def add_arguments(self, parser):
        parser.add_argument("--hostname", default="localhost", help="Public host name of the site.")
        parser.add_argument("--port", type=int, default=80, help="Public port (443 behind TLS).")

    def handle(self, *args, **options):
        home = site_home_ensure(hostname=options["hostname"], port=options["port"])
        self.stdout.write(self.style.SUCCESS(f"Home page ready: {home.title} (id {home.pk})."))
