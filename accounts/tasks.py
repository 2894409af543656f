"""Accounts' Celery tasks: thin, call a service."""

from __future__ import annotations

from celery import shared_task

from accounts.throttle import purge_expired


@shared_task(ignore_result=True)
def purge_login_throttle() -> int:
    # Rows whose counting window and lockout are both over (beat, hourly).
    return purge_expired()
