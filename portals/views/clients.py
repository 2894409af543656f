"""Clients (demographics) for staff, and the client's own contact details. Thin views:
parse, call a service or `visible_to`, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from billing.selectors.coverage import coverage_rows
from clinic import audit, services
from clinic.date_formats import day_time
from clinic.forms import ClientContactsForm, ClientForm, ClientSearchForm
from clinic.links import link_maker
from clinic.models import CareTeamMember, Client
from clinic.permissions import Can, role_required
from clinic.roles import STAFF_ROLES, Role
from clinic.selectors import client_shown, failed_mails
from clinic.submissions import creates_once, saved
from scheduling.models import Appointment, WaitlistEntry

SEARCH_LIMIT = 50


@role_required(*STAFF_ROLES)
def client_list(request):
    """All clients for staff; a search is POSTed so names never land in URLs or logs."""
    clients = Client.objects.visible_to(request.user).filter(is_active=True)
    form = ClientSearchForm(request.POST or None)
    searched = request.method == "POST" and form.is_valid()
    if searched:
        clients = clients.search(form.cleaned_data["q"])[: SEARCH_LIMIT + 1]
        page = None
    else:
        page = Paginator(clients, 25).get_page(request.GET.get("page"))
        clients = page.object_list
    clients = list(clients)
    audit.record(actor=request.user, action="list", detail="clients")
    return render(
        request,
        "portals/client_list.html",
        {
            "form": form,
            "clients": clients[:SEARCH_LIMIT],
            "page": page,
            "searched": searched,
            "too_many": searched and len(clients) > SEARCH_LIMIT,
        },
    )


@role_required(Role.ADMIN, Role.THERAPIST, Role.FRONT_DESK, Role.PHYSICIAN)
def client_detail(request, client_id):
    client = get_object_or_404(
        Client.objects.visible_to(request.user).select_related("primary_physician"),
        pk=client_id,
    )
    care_team = CareTeamMember.objects.visible_to(request.user).filter(client=client)
    audit.record(actor=request.user, action="view", client=client, target=client)
    return render(
        request,
        "portals/client_detail.html",
        {
            # What the viewer may see of the client, not the row (clinic/selectors.py).
            "client": client_shown(client, can=Can(request.user)),
            "care_team": care_team.select_related("physician"),
            "failed_mails": failed_mails(request.user, client=client, limit=10),
            "coverage_rows": coverage_rows(request.user, client, current_only=True)
            if Can(request.user).edit_coverage
            else [],
            **_schedule_context(request.user, client),
        },
    )


def _schedule_context(user, client) -> dict:
    """Upcoming and recent appointments (their list items) and open waitlist entries; empty for
    roles that may not see the schedule (physicians): `visible_to` returns nothing to them."""
    appointments = (
        Appointment.objects.visible_to(user).filter(client=client).values(*APPOINTMENT_ITEM)
    )
    # Upcoming is what still lies ahead: not yet over and still expected (a session in
    # progress included). A cancelled or completed appointment is past, whatever its time.
    ahead = Q(
        ends_at__gt=timezone.now(),
        status__in=(Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN),
    )
    return {
        "upcoming": _appointment_items(appointments.filter(ahead).order_by("starts_at")[:20]),
        "recent": _appointment_items(appointments.exclude(ahead).order_by("-starts_at")[:10]),
        "waitlist": WaitlistEntry.objects.visible_to(user)
        .open()
        .filter(client=client)
        .select_related("therapist__user", "appointment_type"),
    }


# What an appointment list item shows. Plain values, not model instances: a long-treated
# client's page lists 30 appointments, and full rows (five models each, eight timestamps
# parsed in Python) plus a template loop (two date filters and a {% url %} a row) made
# this the slowest part of the page.
APPOINTMENT_ITEM = (
    "pk",
    "starts_at",
    "status",
    "appointment_type__name",
    "room__name",
    "therapist__user__first_name",
    "therapist__user__last_name",
)


def _appointment_items(rows) -> list[dict]:
    """What templates/scheduling/_list.html shows of each appointment: when (clinic time,
    linking to it), type, therapist, room, and the status unless booked."""
    detail = link_maker("appointment_detail")
    return [
        {
            "url": detail(row["pk"]),
            "when": day_time(row["starts_at"]),
            "type": row["appointment_type__name"],
            "therapist": _full_name(
                row["therapist__user__first_name"], row["therapist__user__last_name"]
            ),
            "room": row["room__name"],
            "status": row["status"],
            "status_label": _STATUS_LABELS[row["status"]],
            "booked": row["status"] == Appointment.Status.BOOKED,
        }
        for row in rows
    ]


_STATUS_LABELS = dict(Appointment.Status.choices)


def _full_name(first: str, last: str) -> str:
    return f"{first} {last}".strip()  # as User.get_full_name


@role_required(*STAFF_ROLES)
@creates_once
def client_new(request):
    form = ClientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        client = services.client_create(actor=request.user, data=form.cleaned_data)
        messages.success(request, f"{client} is registered.")
        return saved(redirect("client_detail", client_id=client.pk))
    return render(request, "portals/client_form.html", {"form": form, "client": None})


@role_required(*STAFF_ROLES)
def client_edit(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    form = ClientForm(request.POST or None, instance=client, user=request.user)
    if request.method == "POST" and form.is_valid():
        services.client_update(actor=request.user, client=client, data=form.cleaned_data)
        messages.success(request, "Client details saved.")
        return redirect("client_detail", client_id=client.pk)
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=client, target=client)
    return render(request, "portals/client_form.html", {"form": form, "client": client})


@role_required(Role.CLIENT)
def portal_contacts(request):
    client = get_object_or_404(Client.objects.visible_to(request.user))
    form = ClientContactsForm(request.POST or None, instance=client)
    if request.method == "POST" and form.is_valid():
        services.client_update_contacts(actor=request.user, client=client, data=form.cleaned_data)
        messages.success(request, "Your contact details are saved.")
        return redirect("portal")
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=client, target=client)
    return render(request, "portals/portal_contacts.html", {"form": form, "client": client})
