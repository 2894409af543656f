"""Role dashboards: the site face of `clinic`. Each role lands on its own page after login.
Later apps add their panels here (the site may import every app; the core imports none)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from clinic import audit
from clinic.clinic_time import day_bounds, today
from clinic.models import Appointment, AuditEntry, CareTeamMember, Client, User, WaitlistEntry
from clinic.permissions import role_required
from clinic.roles import Role
from sessions_log.selectors import unsigned_overdue

RECENT = 10


@login_required
def home(request):
    return redirect(request.user.dashboard_url_name)


@role_required(Role.ADMIN)
def admin_dashboard(request):
    users_by_role = dict(
        User.objects.filter(is_active=True).values_list("role").annotate(n=Count("pk"))
    )
    return render(
        request,
        "dashboards/admin.html",
        {
            "client_count": Client.objects.visible_to(request.user).count(),
            "users_by_role": [
                (label, users_by_role.get(value, 0)) for value, label in Role.choices
            ],
            "recent_audit": AuditEntry.objects.visible_to(request.user).select_related(
                "actor", "client"
            )[:RECENT],
        },
    )


def _todays_appointments(user):
    start, end = day_bounds(today())
    return (
        Appointment.objects.visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("client", "therapist__user", "appointment_type", "room")
        .order_by("starts_at")
    )


@role_required(Role.THERAPIST)
def therapist_dashboard(request):
    recent = Client.objects.visible_to(request.user).filter(is_active=True).order_by("-updated_at")
    todays = _todays_appointments(request.user).filter(therapist__user=request.user)
    return render(
        request,
        "dashboards/therapist.html",
        {
            "recent_clients": recent[:RECENT],
            "todays": todays,
            "overdue_notes": unsigned_overdue(user=request.user),
        },
    )


FREED_SLOTS_SHOWN = 5


def _freed_slots(user) -> list[tuple]:
    """Upcoming cancelled appointments whose time someone on the waitlist could take.
    At most FREED_SLOTS_SHOWN are checked, so the page's query count stays bounded."""
    cancelled = (
        Appointment.objects.visible_to(user)
        .filter(status=Appointment.Status.CANCELLED, starts_at__gt=timezone.now())
        .select_related("therapist__user", "appointment_type")
        .order_by("-cancelled_at")[:FREED_SLOTS_SHOWN]
    )
    entries = WaitlistEntry.objects.visible_to(user)
    freed = []
    for appointment in cancelled:
        matches = list(entries.matching(appointment)[:3])
        if matches:
            freed.append((appointment, matches))
    return freed


@role_required(Role.FRONT_DESK)
def front_desk_dashboard(request):
    recent = Client.objects.visible_to(request.user).filter(is_active=True).order_by("-created_at")
    return render(
        request,
        "dashboards/front_desk.html",
        {
            "recent_clients": recent[:RECENT],
            "todays": _todays_appointments(request.user),
            "freed_slots": _freed_slots(request.user),
        },
    )


@role_required(Role.CLIENT)
def client_portal(request):
    client = get_object_or_404(Client.objects.visible_to(request.user))
    care_team = (
        CareTeamMember.objects.visible_to(request.user)
        .filter(client=client)
        .select_related("physician")
    )
    audit.record(actor=request.user, action="view", client=client, target=client)
    return render(request, "dashboards/client.html", {"client": client, "care_team": care_team})


@role_required(Role.PHYSICIAN)
def physician_dashboard(request):
    clients = list(Client.objects.visible_to(request.user).order_by("last_name", "first_name"))
    audit.record(actor=request.user, action="list", detail=f"{len(clients)} consented clients")
    return render(request, "dashboards/physician.html", {"clients": clients})
