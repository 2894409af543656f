"""Billing staff's way to a client's billing: every client with who pays first today and what
they owe, searchable (a search is POSTed so names never land in URLs or logs)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from billing.selectors.clients import client_billing_rows
from clinic import audit
from clinic.forms import ClientSearchForm
from clinic.models import Client
from clinic.permissions import role_required
from clinic.roles import BILLING_ROLES

SEARCH_LIMIT = 50
PAGE_SIZE = 25


@role_required(*BILLING_ROLES)
def billing_clients(request):
    clients = Client.objects.visible_to(request.user).filter(is_active=True)
    form = ClientSearchForm(request.POST or None)
    searched = request.method == "POST" and form.is_valid()
    if searched:
        clients, page = list(clients.search(form.cleaned_data["q"])[: SEARCH_LIMIT + 1]), None
    else:
        page = Paginator(clients, PAGE_SIZE).get_page(request.GET.get("page"))
        clients = list(page.object_list)
    audit.record(actor=request.user, action="list", detail="clients' billing")
    return render(
        request,
        "billing/clients/list.html",
        {
            "form": form,
            "rows": client_billing_rows(request.user, clients[:SEARCH_LIMIT]),
            "page": page,
            "searched": searched,
            "too_many": searched and len(clients) > SEARCH_LIMIT,
        },
    )
