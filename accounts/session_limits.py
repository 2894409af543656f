"""Session limits (HIPAA 164.312(a)(2)(iii) automatic logoff, ASVS 3.3): a session ends after
CLINIC_SESSION_IDLE_SECONDS without a request, and CLINIC_SESSION_SECONDS after sign-in however
active it is. The sign-in time is kept in the session, so the cap holds across workers."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

SIGNED_IN_AT = "clinic_signed_in_at"
LAST_SEEN = "clinic_last_seen"
# Last-seen is written at most this often: a session write on every request would cost a
# database write per page, and a minute is well inside the 30-minute idle limit.
TOUCH_SECONDS = 60


def _now() -> int:
    return int(time.time())


def session_started(request) -> None:
    """Called at sign-in (after Django gave the session a new key)."""
    now = _now()
    request.session[SIGNED_IN_AT] = now
    request.session[LAST_SEEN] = now


def _ended_because(session, now: int) -> str | None:
    signed_in_at = session.get(SIGNED_IN_AT)
    last_seen = session.get(LAST_SEEN, signed_in_at)
    if signed_in_at is None:
        return None  # signed in before this control existed: starts its clock now
    if now - signed_in_at > settings.SESSION_COOKIE_AGE:
        hours = settings.SESSION_COOKIE_AGE // 3600
        span = f"{hours} hours" if hours >= 1 else f"{settings.SESSION_COOKIE_AGE // 60} minutes"
        return f"You were signed out {span} after signing in. Please sign in again."
    if now - last_seen > settings.CLINIC_SESSION_IDLE_SECONDS:
        minutes = settings.CLINIC_SESSION_IDLE_SECONDS // 60
        return f"You were signed out after {minutes} minutes without activity."
    return None


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware: signs out an idle or too-old
    session and sends the browser to the sign-in page, which shows why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            ended = self._check(request)
            if ended is not None:
                return ended
        return self.get_response(request)

    def _check(self, request):
        session, now = request.session, _now()
        reason = _ended_because(session, now)
        if reason is None:
            if session.get(SIGNED_IN_AT) is None:
                session_started(request)
            elif now - session.get(LAST_SEEN, 0) >= TOUCH_SECONDS:
                session[LAST_SEEN] = now
            return None
        logout(request)  # flushes the session; the message goes in the cookie storage after
        messages.info(request, reason)
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(f"{reverse('login')}?{query}" if query else reverse("login"))
