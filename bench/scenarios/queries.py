"""In-process measurements against one database (DATABASE_URL), printed as JSON:
the query count of every bench page (Django test client + CaptureQueriesContext,
second request after a warm-up) and the nightly jobs' time and query count
(inside a transaction that is rolled back, so the data set stays as generated).

    DATABASE_URL=... DJANGO_SETTINGS_MODULE=bench.settings_bench python bench/scenarios/queries.py [--jobs]
"""

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

RUNS = 3
NIGHTLY = [
    "jobs.tasks.members.sync_member_status_task",
    "jobs.tasks.members.purge_inactive_members_task",
    "jobs.tasks.notifications.expiry_reminders_task",
    "jobs.tasks.notifications.daily_digest_task",
]


class _Rollback(Exception):
    pass


def page_queries(pages: list[dict], objects: dict) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from core.accounts.models import User
    from core.members.models import Member

    admin = User.objects.get(email="admin@bench.invalid")
    member_user = Member.objects.get(pk=objects["portal_member"]).user
    clients = {"admin": Client(), "portal": Client()}
    clients["admin"].force_login(admin)
    clients["portal"].force_login(member_user)
    out = {}
    for page in pages:
        client = clients["portal" if page["kind"] == "portal" else "admin"]
        client.get(page["url"])
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(page["url"])
        # Read now: the next request's request_started signal empties the query log.
        captured = list(ctx.captured_queries)
        # Wall and CPU time of the Django process (CPU excludes waiting for the
        # database and for a busy machine's scheduler: the load-independent part).
        walls, cpus = [], []
        for _ in range(RUNS):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(page["url"])
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        out[page["label"]] = {
            "queries": len(captured),
            "status": response.status_code,
            "inproc_wall_ms": round(statistics.median(walls), 1),
            "inproc_cpu_ms": round(statistics.median(cpus), 1),
            "db_ms": round(sum(float(q["time"]) for q in captured) * 1000, 1),
        }
    return out


def nightly() -> dict:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils.module_loading import import_string

    out = {}
    try:
        with transaction.atomic():
            for path in NIGHTLY:
                try:
                    func = import_string(path)
                except ImportError:
                    out[path.rsplit(".", 1)[1]] = {"skipped": "not in this build"}
                    continue
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    result = func()
                    seconds = time.perf_counter() - start
                out[path.rsplit(".", 1)[1]] = {
                    "seconds": round(seconds, 2),
                    "queries": len(ctx.captured_queries),
                    "result": str(result)[:120],
                }
            raise _Rollback
    except _Rollback:
        pass
    return out


def main() -> None:
    import django

    django.setup()
    from bench.scenarios.pages import page_urls, pick_objects

    objects = pick_objects()
    pages, skipped = page_urls(objects)
    result = {"objects": objects, "skipped": skipped, "pages": page_queries(pages, objects)}
    if "--jobs" in sys.argv:
        result["nightly"] = nightly()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
