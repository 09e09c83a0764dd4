from django.core.management.base import BaseCommand

from lms.schedules import schedules_ensure


class Command(BaseCommand):
    help = "Create or update the periodic django-q2 jobs (idempotent; run on every deploy)."

    def handle(self, *args, **options):
        for schedule in schedules_ensure():
            self.stdout.write(f"  {schedule.name}: {schedule.func} every {schedule.minutes} min")
        self.stdout.write(self.style.SUCCESS("Schedules are up to date."))
