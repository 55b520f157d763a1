from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.access import public


def _database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return {"ok": True, "engine": connection.vendor}
    except Exception as exc:  # report, never raise: this is the health probe
        return {"ok": False, "engine": connection.vendor, "error": type(exc).__name__}


def _queue() -> dict:
    try:
        from django_q.brokers import get_broker

        broker = get_broker()
        reachable = bool(broker.ping())
        pending = broker.queue_size()
        return {"ok": reachable, "broker": "redis" if "redis" in settings.Q_CLUSTER else "database", "pending": pending}
    except Exception as exc:  # report, never raise
        return {"ok": False, "error": type(exc).__name__}


@public
@never_cache
@require_GET
def healthz(request):
    """Liveness for load balancers: 200 while the database answers."""
    database = _database()
    queue = _queue() if database["ok"] else {"ok": False, "error": "database unavailable"}
    status = "ok" if database["ok"] and queue["ok"] else "degraded"
    return JsonResponse({"status": status, "database": database, "queue": queue}, status=200 if database["ok"] else 503)
