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
    status = {"database": _database_status(), "broker": _broker_status()}
    healthy = "down" not in status.values()
    return JsonResponse(
        {"status": "ok" if healthy else "down", **status}, status=200 if healthy else 503
    )
