"""Writes for sign-in sessions: register one at sign-in, end all of a user's sessions."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import UserSession
from clinic import audit


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore()


@transaction.atomic
def user_session_register(*, user, session_key: str) -> None:
    """Called at sign-in. Rows older than the absolute session cap belong to sessions that can
    no longer be used, so they are pruned here instead of by a periodic job."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    UserSession.objects.filter(user=user, created_at__lt=cutoff).delete()
    UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def user_session_forget(*, session_key: str | None) -> None:
    """Called at sign-out: the session itself is flushed by Django."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


@transaction.atomic
def user_sessions_end(*, actor, user) -> int:
    """End every session of `user` at once (deactivation, the admin's action). Returns how many
    were ended. `actor` is None when the system does it (a save that deactivates)."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    store = _store()
    for key in keys:
        store.delete(key)
    UserSession.objects.filter(user=user).delete()
    # A forced sign-out: recorded as "logout" of the user, with who ended how many sessions.
    audit.record(
        actor=actor, action="logout", target=user, detail=f"all sessions ended ({len(keys)})"
    )
    return len(keys)


def user_sessions_end_on_deactivation(*, user) -> None:
    """From the post_save signal: only when there is something to end, so saving an account
    that is already inactive writes nothing to the audit trail."""
    if UserSession.objects.filter(user=user).exists():
        user_sessions_end(actor=None, user=user)
