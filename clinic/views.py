"""Core views: clients (demographics), the client's own contact details, the audit trail,
and the health check. Thin: parse, call a service or `visible_to`, render."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic import audit, services
from clinic.forms import AuditFilterForm, ClientContactsForm, ClientSearchForm
from clinic.models import AuditEntry, CareTeamMember, Client
from clinic.permissions import role_required
from clinic.roles import STAFF_ROLES, Role

logger = logging.getLogger(__name__)
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
        "clinic/client_list.html",
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
        "clinic/client_detail.html",
        {"client": client, "care_team": care_team.select_related("physician")},
    )


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
    return render(request, "clinic/portal_contacts.html", {"form": form, "client": client})


@role_required(Role.ADMIN)
def audit_log(request):
    form = AuditFilterForm(request.GET or None, user=request.user)
    entries = AuditEntry.objects.visible_to(request.user).select_related("actor", "client")
    if form.is_valid():
        entries = form.apply(entries)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "clinic/audit_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered_client": form.cleaned_data.get("client") if form.is_valid() else None,
        },
    )


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
