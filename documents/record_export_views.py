"""A client's whole record as a ZIP (documents/record_export.py): asking for it, its status
page (refreshing while it is built) and its one-use download.

The admin and therapists for any client, a client their own (the portal); the front desk,
billing staff and physicians are refused by role (403) before any lookup; a stranger's export
is a 404; an expired or already downloaded one is 410 Gone, with a page saying why; someone
else's copy (a therapist's of a copy the client asked for) is 403, so only the requester's
click spends the one-use link."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.models import Client
from clinic.permissions import Can, role_required
from clinic.roles import Role
from clinic.storage import PRIVATE_CACHE_CONTROL
from documents.models import RecordExport
from documents.record_export import record_export_request as request_export
from documents.record_export import record_export_spend

STAFF = tuple(role for role in Can.export_record.fget.roles if role != Role.CLIENT)
READERS = tuple(Can.export_record.fget.roles)
LIST_LIMIT = 20
OTHERS_COPY = (
    "Only the person who asked for this copy can download it. Ask for a new copy to get "
    "one of your own."
)


@role_required(*STAFF)
def record_exports(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    return _status_page(request, client, ask_url_name="record_export_request")


@role_required(Role.CLIENT)
def record_exports_mine(request):
    client = get_object_or_404(Client.objects.visible_to(request.user), user=request.user)
    return _status_page(request, client, ask_url_name="record_export_mine")


def _status_page(request, client, *, ask_url_name):
    audit.record(actor=request.user, action="view", client=client, detail="record exports")
    exports = list(
        RecordExport.objects.visible_to(request.user)
        .filter(client=client)
        .select_related("requested_by")[:LIST_LIMIT]
    )
    now = timezone.now()
    for export in exports:
        export.spent = export.spent_reason(now)
        export.for_viewer = export.requested_by_id == request.user.pk
    response = render(
        request,
        "documents/record_export/exports.html",
        {
            "client": client,
            "exports": exports,
            "building": any(export.is_building for export in exports),
            "ask_url_name": ask_url_name,
            "mine": ask_url_name == "record_export_mine",
        },
    )
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    return response


@role_required(*STAFF)
@require_POST
def record_export_request(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    request_export(actor=request.user, client=client)
    messages.success(request, "The record is being put together. This page shows its progress.")
    return redirect("record_exports", client_id=client.pk)


@role_required(Role.CLIENT)
@require_POST
def record_export_mine(request):
    client = get_object_or_404(Client.objects.visible_to(request.user), user=request.user)
    request_export(actor=request.user, client=client)
    messages.success(request, "Your record is being put together. We will e-mail you a link.")
    return redirect("record_exports_mine")


@role_required(*READERS)
def record_export_download(request, export_id):
    export = get_object_or_404(
        RecordExport.objects.visible_to(request.user).select_related("client"), pk=export_id
    )
    # The one-use link is the requester's: nobody else's click may spend it.
    if export.requested_by_id != request.user.pk:
        return _refused(request, export, OTHERS_COPY, status=403)
    reason = export.spent_reason(timezone.now())
    if not reason and export.status != RecordExport.Status.READY:
        raise Http404("This export is not ready.")
    if not reason:
        if not export.file or not export.file.storage.exists(export.file.name):
            raise Http404("The file is missing.")
        if not record_export_spend(actor=request.user, export=export):
            export.refresh_from_db()
            reason = export.spent_reason(timezone.now()) or "This export can no longer be used."
    if reason:
        return _refused(request, export, reason, status=410)
    # Streamed from storage (a record can be large); the file is opened only when the response
    # is read, and closed when it ends or is broken off.
    response = StreamingHttpResponse(
        _chunks(export.file.storage, export.file.name), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="record-{export.ready_at:%Y%m%d}.zip"'
    response["Content-Length"] = str(export.size)
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL  # "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _refused(request, export, reason, *, status):
    response = render(
        request,
        "documents/record_export/gone.html",
        {
            "reason": reason,
            "mine": export.client.user_id == request.user.pk,
            "client": export.client,
        },
        status=status,
    )
    response["Cache-Control"] = PRIVATE_CACHE_CONTROL
    return response


def _chunks(storage, name, size=64 * 1024):
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk
