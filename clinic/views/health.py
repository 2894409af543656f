"""GET /healthz: database and broker status for load balancers and monitoring. No client data."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "down"; the reason goes to the log only
        logger.warning("healthz: database down: %s", exc.__class__.__name__)
        return "down"
    return "ok"


def _broker_status() -> str:
    if not settings.REDIS_URL:
        return "eager"  # no broker configured: tasks run in-process
    import redis

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except redis.RedisError as exc:
        logger.warning("healthz: broker down: %s", exc.__class__.__name__)
        return "down"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """200 while the site can serve (the database is up): with the broker down, sign-in,
    bookings and every other page still work and what is owed waits in the database, so a
    load balancer must not take the host out. The body names the part that is down
    ("degraded") for monitoring; 503 only without the database."""
    status = {"database": _database_status(), "broker": _broker_status()}
    if status["database"] == "down":
        overall, code = "down", 503
    elif status["broker"] == "down":
        overall, code = "degraded", 200
    else:
        overall, code = "ok", 200
    return JsonResponse({"status": overall, **status}, status=code)
