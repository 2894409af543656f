"""The audit trail, for the clinic admin."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from clinic.forms import AuditFilterForm
from clinic.models import AuditEntry
from clinic.permissions import role_required
from clinic.roles import Role


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
