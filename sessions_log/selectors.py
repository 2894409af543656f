"""Reads of session notes: the previous note to start from, and notes awaiting a signature."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from clinic.date_formats import day_short
from sessions_log.models import SessionNote

UNSIGNED_AFTER = dt.timedelta(hours=24)


def previous_note(*, user, client, before) -> SessionNote | None:
    """The client's latest note before `before` (an appointment's start), with its rows."""
    return (
        SessionNote.objects.visible_to(user)
        .filter(client=client, appointment__starts_at__lt=before)
        .prefetch_related("techniques", "trigger_points", "measurements")
        .order_by("-appointment__starts_at")
        .first()
    )


def start_from(note: SessionNote) -> dict:
    """Initial values for a new note copied from `note`: what usually repeats in a routine
    follow-up (techniques, trigger points, home care, the plan), not this session's findings
    or pain scores, which must be asked afresh."""
    return {
        "note": {
            "home_care": note.home_care,
            "body_mechanics": note.body_mechanics,
            "plan_next": note.plan_next,
            "subjective": f"Since last session ({day_short(note.appointment.starts_at)}): ",
        },
        "techniques": [
            {
                "technique": t.technique_id,
                "body_region": t.body_region,
                "pressure": t.pressure,
                "minutes": t.minutes,
                "override_reason": t.override_reason,
            }
            for t in note.techniques.all()
        ],
        "trigger_points": [
            {"location": p.location, "side": p.side, "hold_seconds": p.hold_seconds}
            for p in note.trigger_points.all()
        ],
        "measurements": [
            {"kind": m.kind, "rom_norm": m.rom_norm_id, "side": m.side, "activity": m.activity}
            for m in note.measurements.all()
        ],
    }


def unsigned_overdue(*, user, now=None):
    """The user's own unsigned notes written more than 24 hours ago."""
    now = now or timezone.now()
    return (
        SessionNote.objects.visible_to(user)
        .filter(therapist=user, signed_at__isnull=True, created_at__lt=now - UNSIGNED_AFTER)
        .select_related("client", "appointment")
        .order_by("created_at")
    )
