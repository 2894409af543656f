"""The database unreachable during a request: a clear 503 page instead of a 500.

A request that hits `OperationalError` or `InterfaceError` (PostgreSQL down or restarting, the
connection cut, a deadlock or lock timeout) gets templates/503.html with status 503 and
`Retry-After: 30`. Our services write in one transaction, so the transaction the error
interrupted is rolled back: the page can say that nothing was saved.

The page is rendered from its template alone with a plain context: no user, no context
processors, nothing that would query the database that just failed. The log gets the error
class only: a driver's message can quote the statement, and logs hold no health data.

Two ways in, both in this one middleware (placed before the session middleware):
- `process_exception`: the error came out of a view (or a decorator around it, such as the
  role check that loads the signed-in user).
- `__call__`: the error came out of a middleware further in (the two-factor and session-limit
  middleware load the user, often the first query of a request). Django has already turned it
  into its 500 page; `got_request_exception` marked the request, and the 500 becomes our 503.

With DJANGO_DEBUG on, Django's own error page is left alone: a developer wants the traceback.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.core.signals import got_request_exception
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

logger = logging.getLogger(__name__)

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
_MARK = "_clinic_database_down"


def database_unavailable_response() -> HttpResponse:
    """The 503 page, rendered without a request (so no context processor runs)."""
    body = loader.get_template("503.html").render({"clinic_phone": settings.CLINIC_PHONE})
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _mark_request(sender, request=None, **kwargs) -> None:
    # Sent by Django inside its `except` block, so the error is the one being handled.
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_DOWN):
        setattr(request, _MARK, type(error).__name__)


got_request_exception.connect(_mark_request, dispatch_uid="clinic.middleware_db")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        error_class = getattr(request, _MARK, None)
        if response.status_code == 500 and error_class and not settings.DEBUG:
            logger.error("database unavailable during a request: %s", error_class)
            return database_unavailable_response()
        return response

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_DOWN) or settings.DEBUG:
            return None
        logger.error("database unavailable during a request: %s", type(exception).__name__)
        return database_unavailable_response()
