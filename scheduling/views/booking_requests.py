"""New clients' requests for a first appointment: the public page (no account) and the front
desk's list and answer.

The public page's answer is the same whoever types what: a known address, an unknown one,
a robot filling the honeypot, an address over its daily limit all see the same thank-you.
Only an IP address over its hourly limit is told to try later (429): that answer depends on
nothing but the sender's own traffic, so it says nothing about any address or client.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.audit import client_ip
from clinic.permissions import role_required
from clinic.roles import Role
from scheduling.forms import (
    BookingRequestApproveForm,
    BookingRequestDeclineForm,
    BookingRequestForm,
    BookingRequestLinkForm,
)
from scheduling.models import BookingRequest
from scheduling.selectors import (
    booking_requests_decided,
    booking_requests_open,
    with_possible_duplicates,
)
from scheduling.services import booking_requests as services

TOO_MANY = 429
INVALID = 400
OPEN_SHOWN = 100

SEE = (Role.ADMIN, Role.FRONT_DESK)  # Can.see_booking_requests
HANDLE = (Role.FRONT_DESK,)  # Can.handle_booking_requests


# --- the public page ---------------------------------------------------------------------------


def booking_request_new(request):
    """Public: no account needed (signed-in users may use it too). CSRF applies."""
    form = BookingRequestForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return render(request, "scheduling/booking_requests/new.html", {"form": form})
    if form.is_robot:
        return redirect("booking_request_thanks")  # looks accepted; nothing is stored
    if not form.is_valid():
        return render(request, "scheduling/booking_requests/new.html", {"form": form}, status=400)
    try:
        services.booking_request_submit(data=form.request_data(), ip=client_ip(request))
    except services.TooManyFromHere:
        context = {"form": form, "too_many": True}
        return render(request, "scheduling/booking_requests/new.html", context, status=TOO_MANY)
    return redirect("booking_request_thanks")


def booking_request_thanks(request):
    return render(request, "scheduling/booking_requests/thanks.html")


# --- the front desk ------------------------------------------------------------------------------


@role_required(*SEE)
def booking_requests(request):
    open_requests = booking_requests_open(request.user)
    rows = with_possible_duplicates(request.user, open_requests[:OPEN_SHOWN])
    decided = list(booking_requests_decided(request.user))
    audit.record(
        actor=request.user,
        action="list",
        detail=f"booking requests: {len(rows)} open, {len(decided)} recently decided",
    )
    context = {
        "rows": rows,
        "open_count": open_requests.count() if len(rows) == OPEN_SHOWN else len(rows),
        "decided": decided,
    }
    return render(request, "scheduling/booking_requests/list.html", context)


@role_required(*SEE)
def booking_request_detail(request, request_id):
    booking_request = _get(request, request_id)
    return _detail(request, booking_request)


def _get(request, request_id) -> BookingRequest:
    return get_object_or_404(
        BookingRequest.objects.visible_to(request.user).select_related("client", "decided_by"),
        pk=request_id,
    )


def _detail(request, booking_request, *, status=200, **forms):  # forms: bound forms, refused
    """The request, its possible duplicates (each read audited) and the three answers."""
    duplicates = services.possible_duplicates(booking_request).select_related("user")
    shown = list(duplicates[:10])
    audit.record(
        actor=request.user,
        action="view",
        client=booking_request.client,
        target=booking_request,
        detail="booking request",
    )
    for client in shown:
        audit.record(
            actor=request.user,
            action="view",
            client=client,
            target=client,
            detail="possible duplicate of a booking request",
        )
    context = {
        "booking_request": booking_request,
        "duplicates": shown,
        "approve_form": forms.get("approve_form") or BookingRequestApproveForm(),
        "link_form": forms.get("link_form") or BookingRequestLinkForm(duplicates=duplicates),
        "decline_form": forms.get("decline_form") or BookingRequestDeclineForm(),
        "is_new": booking_request.status == BookingRequest.Status.NEW,
        "refused": forms.get("refused", []),
    }
    return render(request, "scheduling/booking_requests/detail.html", context, status=status)


def _refused(request, booking_request, form, error: ValidationError, name: str):
    for message in error.messages:
        form.add_error(None, message)
    booking_request.refresh_from_db()  # answered meanwhile: the page says so, without forms
    return _detail(request, booking_request, status=INVALID, refused=error.messages, **{name: form})


@role_required(*HANDLE)
@require_POST
def booking_request_approve(request, request_id):
    booking_request = _get(request, request_id)
    form = BookingRequestApproveForm(request.POST)
    form.is_valid()  # one optional box: always valid
    try:
        done = services.booking_request_approve(
            actor=request.user,
            request=booking_request,
            confirm_not_duplicate=form.cleaned_data["confirm_not_duplicate"],
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        return _refused(request, booking_request, form, error, "approve_form")
    messages.success(
        request,
        f"{done.client} is registered; a portal invitation and a mail asking for the health "
        "history and consent forms are on their way. Call them to book the first visit.",
    )
    return redirect("client_detail", client_id=done.client.pk)


@role_required(*HANDLE)
@require_POST
def booking_request_link(request, request_id):
    booking_request = _get(request, request_id)
    duplicates = services.possible_duplicates(booking_request)
    form = BookingRequestLinkForm(request.POST, duplicates=duplicates)
    if not form.is_valid():
        return _detail(request, booking_request, status=INVALID, link_form=form)
    try:
        done = services.booking_request_link(
            actor=request.user,
            request=booking_request,
            client=form.cleaned_data["client"],
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        return _refused(request, booking_request, form, error, "link_form")
    messages.success(
        request,
        f"The request is linked to {done.client}'s record; they are mailed that their forms "
        "wait in the portal. Call them to book the first visit.",
    )
    return redirect("client_detail", client_id=done.client.pk)


@role_required(*HANDLE)
@require_POST
def booking_request_decline(request, request_id):
    booking_request = _get(request, request_id)
    form = BookingRequestDeclineForm(request.POST)
    if not form.is_valid():
        return _detail(request, booking_request, status=INVALID, decline_form=form)
    try:
        services.booking_request_decline(
            actor=request.user, request=booking_request, message=form.cleaned_data["message"]
        )
    except ValidationError as error:
        return _refused(request, booking_request, form, error, "decline_form")
    messages.success(request, "The request is declined; the requester is mailed your message.")
    return redirect("booking_requests")
