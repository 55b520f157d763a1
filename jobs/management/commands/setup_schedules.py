from django.core.management.base import BaseCommand
from django.db import transaction
from django_q.models import Schedule

from jobs.schedules import JOBS

MANAGED_PREFIX = "gymos:"


class Command(BaseCommand):
    help = "Create or update GymOS's periodic jobs in django-q2 (safe to run any number of times)."

    @transaction.atomic
    def handle(self, *args, **options):
        wanted = {MANAGED_PREFIX + job.name: job for job in JOBS}
        for name, job in wanted.items():
            _, created = Schedule.objects.update_or_create(
                name=name,
                defaults={"func": job.func, "schedule_type": Schedule.CRON, "cron": job.cron, "repeats": -1},
            )
            self.stdout.write(f"{'created' if created else 'up to date'}: {name} ({job.cron}) - {job.description}")
        stale = Schedule.objects.filter(name__startswith=MANAGED_PREFIX).exclude(name__in=wanted)
        for schedule in stale:
            self.stdout.write(f"removed: {schedule.name}")
        stale.delete()
