"""Reads of the core: the outbox's mail not yet delivered, shaped for staff."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic.models import OutboundMail


def failed_mails(user, *, client=None, limit: int = 20) -> list:
    """Mails that could not be delivered and wait for a person (wrong address, say), newest
    first; of one client when given. Each carries `label` and `can_resend`."""
    mails = OutboundMail.objects.visible_to(user).failed().select_related("client")
    if client is not None:
        mails = mails.filter(client=client)
    return list(mails.order_by("-created_at")[:limit])


def mails_for_staff(user, *, limit: int) -> tuple[list, list]:
    """(failed, waiting): what a person must act on, and the backlog still being tried."""
    waiting = (
        OutboundMail.objects.visible_to(user)
        .waiting()
        .select_related("client")
        .order_by("created_at")[:limit]
    )
    return failed_mails(user, limit=limit), list(waiting)


def outbox_backlog(mails, *, now: dt.datetime | None = None) -> dict:
    """Of `mails` (a visible_to queryset): how many wait, how long the oldest has waited,
    and how many failed in the last week. Counts only: no recipient, no content."""
    now = now or timezone.now()
    waiting = mails.waiting()
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "waiting": waiting.count(),
        "oldest_waiting_minutes": int((now - oldest).total_seconds() // 60) if oldest else None,
        "failed_last_week": mails.failed()
        .filter(created_at__gte=now - dt.timedelta(days=7))
        .count(),
    }
