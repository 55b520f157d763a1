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
            defaults = {"func": job.func, "schedule_type": Schedule.CRON, "cron": job.cron, "repeats": -1}
            if Schedule.objects.filter(name=name).values_list("cron", flat=True).first() != job.cron:
                # New or re-timed: first run at the next matching time in the gym's time zone.
                # django-q2 would otherwise run a new schedule at once (next_run defaults to now).
                defaults["next_run"] = Schedule(schedule_type=Schedule.CRON, cron=job.cron).calculate_next_run()
            _, created = Schedule.objects.update_or_create(name=name, defaults=defaults)
            self.stdout.write(f"{'created' if created else 'up to date'}: {name} ({job.cron}) - {job.description}")
        stale = Schedule.objects.filter(name__startswith=MANAGED_PREFIX).exclude(name__in=wanted)
        for schedule in stale:
            self.stdout.write(f"removed: {schedule.name}")
        stale.delete()
