"""GET /calendar/<token>.ics: a therapist's appointments for their phone or desktop calendar.

Calendar apps cannot sign in, so the secret token in the URL is the credential: an unknown or
revoked token (or a deactivated account) gets the same 404 as a wrong URL. The feed names
clients by initials only (see scheduling/ical.py).
"""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from clinic import audit
from clinic.models import Therapist
from scheduling.ical import therapist_feed_ics
from scheduling.models import Appointment

FEED_PAST = dt.timedelta(days=30)
FEED_AHEAD = dt.timedelta(days=180)


@require_safe
def therapist_calendar_feed(request, token: str):
    therapist = _therapist_for(token)
    response = HttpResponse(
        therapist_feed_ics(therapist, _feed_appointments(therapist)),
        content_type="text/calendar; charset=utf-8",
    )
    # The body names clients (by initials) and their times: no proxy or browser may keep it.
    response["Cache-Control"] = "no-store"
    audit.record(actor=therapist.user, action="download", target=therapist, detail="calendar feed")
    return response


def _therapist_for(token: str) -> Therapist:
    therapist = (
        Therapist.objects.select_related("user")
        .filter(calendar_token=token, user__is_active=True)
        .first()
    )
    if therapist is None:
        raise Http404("No such calendar.")
    return therapist


def _feed_appointments(therapist: Therapist):
    now = timezone.now()
    return (
        Appointment.objects.visible_to(therapist.user)
        .filter(
            therapist=therapist,
            starts_at__gte=now - FEED_PAST,
            starts_at__lt=now + FEED_AHEAD,
        )
        .select_related("client", "appointment_type", "room", "therapist__user")
        .order_by("starts_at")
    )
