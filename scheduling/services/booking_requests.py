"""New clients' requests for a first appointment (the public page, no account) and the front
desk's answer to each.

- Submitting is rate-limited per e-mail address and per IP address (`RequestLimits`), counted
  in the database by conditional UPDATEs (`BookingRequestThrottle`, the approach of
  accounts/throttle.py), so it works without Redis and two workers never both take the last
  place. The page's answer never depends on whether the address or the person is known to
  the clinic: no account enumeration.
- Approving makes the client record (clinic's `client_create`), sends the portal invitation
  (`invitation_send`) and owes a mail saying the health history and consent forms wait in the
  portal, in one transaction. A request from someone already registered (same name and birth
  date, the registration rule) may instead be linked to that record: no second record; an
  invitation if they have no portal account, to the address on their record, never the one
  typed on the public page.
- Declining owes the requester a mail with the front desk's message.
No mail carries the reason typed on the request, or any other health detail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.template import loader
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.services.invitations import invitation_send
from clinic import audit, outbox
from clinic.models import Client
from clinic.permissions import Can
from clinic.services.outbox import mail_owe
from clinic.services.people import client_create, client_possible_duplicates
from scheduling.models import BookingRequest, BookingRequestThrottle

Status = BookingRequest.Status

APPROVED_MAIL = "booking_request_approved"
DECLINED_MAIL = "booking_request_declined"


@dataclass(frozen=True)
class RequestLimits:
    per_email: int = 3
    email_window: dt.timedelta = dt.timedelta(days=1)
    per_ip: int = 10
    ip_window: dt.timedelta = dt.timedelta(hours=1)


LIMITS = RequestLimits()


class TooManyFromHere(Exception):  # noqa: N818 - a verdict, not an error
    """The IP address sent its hourly share of requests: the page says to try later."""


# --- the public page -----------------------------------------------------------------------


def booking_request_submit(*, data: dict, ip: str | None, now=None) -> BookingRequest | None:
    """Store a request typed on the public page. Raises TooManyFromHere when the IP address
    is over its limit. Returns None, storing nothing, when the address is over its limit: that
    address already has requests waiting, so the submitter is shown the same thank-you as
    everyone (telling them would say the address had been used here)."""
    now = now or timezone.now()
    throttle_purge(now=now)  # counters of windows that are over: the table stays small
    if not _take(_key("ip", ip or "unknown"), LIMITS.per_ip, LIMITS.ip_window, now):
        raise TooManyFromHere
    email = data["email"].strip().lower()
    with transaction.atomic():
        # The address's counter row stays locked until this commits, so a double click's
        # twin waits here and then finds the first request (`_twin`) instead of adding one.
        if not _take(_key("email", email), LIMITS.per_email, LIMITS.email_window, now):
            return None
        if twin := _twin(data, now):
            return twin
        request = BookingRequest.objects.create(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            email=data["email"],
            phone=data.get("phone", ""),
            reason=data["reason"],
            preferred_times=data.get("preferred_times", ""),
        )
        audit.record(actor=None, action="create", target=request, detail="booking request received")
    return request


# The same request sent again this soon is a double click or a resend, not a new request.
TWIN_WINDOW = dt.timedelta(minutes=10)


def _twin(data: dict, now: dt.datetime) -> BookingRequest | None:
    return BookingRequest.objects.filter(
        status=Status.NEW,
        email__iexact=data["email"].strip(),
        first_name=data["first_name"],
        last_name=data["last_name"],
        date_of_birth=data["date_of_birth"],
        reason=data["reason"],
        created_at__gte=now - TWIN_WINDOW,
    ).first()


def _key(kind: str, value: str) -> str:
    # Keyed with SECRET_KEY: the table never lists addresses, nor can a copy of it be matched
    # against a list of likely ones.
    return salted_hmac(
        "clinic.booking_requests", f"{kind}\x00{value}", algorithm="sha256"
    ).hexdigest()


def _take(key: str, limit: int, window: dt.timedelta, now: dt.datetime) -> bool:
    """Count one request for `key` if it is under `limit` in its open window (or open a new
    window); False when the limit is reached. One conditional UPDATE: of two workers taking
    the last place at once, exactly one succeeds."""
    window_open = Q(window_ends_at__gt=now)
    for _ in range(2):  # a second time only if a purge deleted the row in between
        BookingRequestThrottle.objects.bulk_create(
            [BookingRequestThrottle(key=key)], ignore_conflicts=True
        )
        taken = (
            BookingRequestThrottle.objects.filter(key=key)
            .exclude(window_open & Q(count__gte=limit))
            .update(
                count=Case(When(window_open, then=F("count") + 1), default=Value(1)),
                window_ends_at=Case(
                    When(window_open, then=F("window_ends_at")), default=Value(now + window)
                ),
            )
        )
        if taken or BookingRequestThrottle.objects.filter(key=key).exists():
            return bool(taken)
    return False


def throttle_purge(*, now=None) -> int:
    """Delete counters whose window is over; returns how many."""
    now = now or timezone.now()
    deleted, _ = BookingRequestThrottle.objects.filter(window_ends_at__lte=now).delete()
    return deleted


# --- the front desk's answer ---------------------------------------------------------------


def _require_handler(actor) -> None:
    if not Can(actor).handle_booking_requests:
        raise PermissionDenied("Only the front desk answers booking requests.")


def _lock_new(request: BookingRequest) -> BookingRequest:
    """The request, locked, if nobody has answered it yet (two staff clicking at once: the
    second is told, and nothing is made twice)."""
    locked = BookingRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != Status.NEW:
        raise ValidationError(
            f"This request was already {locked.get_status_display().lower()}; nothing was changed."
        )
    return locked


def possible_duplicates(request: BookingRequest):
    """Clients already registered with the request's name and date of birth."""
    return client_possible_duplicates(
        first_name=request.first_name,
        last_name=request.last_name,
        date_of_birth=request.date_of_birth,
    )


@transaction.atomic
def booking_request_approve(
    *, actor, request: BookingRequest, confirm_not_duplicate: bool = False, base_url: str = ""
) -> BookingRequest:
    """Register the requester as a new client, invite them to the portal and ask for their
    intake forms. A possible duplicate must be confirmed as someone else first (as on the
    registration form), or linked instead (`booking_request_link`)."""
    _require_handler(actor)
    request = _lock_new(request)
    if not confirm_not_duplicate and possible_duplicates(request).exists():
        raise ValidationError(
            "A client with this name and date of birth is already registered. Link the request "
            "to that record, or tick the box to confirm this is someone else."
        )
    client = client_create(
        actor=actor,
        data={
            "first_name": request.first_name,
            "last_name": request.last_name,
            "date_of_birth": request.date_of_birth,
            "email": request.email,
            "phone": request.phone,
            "referral_source": "Online request",
        },
    )
    invitation_send(actor=actor, client=client, base_url=base_url)
    return _decide(actor, request, client=client, detail="booking request approved: registered")


@transaction.atomic
def booking_request_link(
    *, actor, request: BookingRequest, client: Client, base_url: str = ""
) -> BookingRequest:
    """The requester is already a client (a possible duplicate the front desk recognised):
    link the request to that record; invite them if they have no portal account. Mail goes
    to the address on the record."""
    _require_handler(actor)
    request = _lock_new(request)
    if not possible_duplicates(request).filter(pk=client.pk).exists():
        raise ValidationError(
            "A request can be linked only to a client with the same name and date of birth."
        )
    if client.user_id is None:
        invitation_send(actor=actor, client=client, base_url=base_url)
    return _decide(actor, request, client=client, detail="booking request linked to the record")


def _decide(actor, request: BookingRequest, *, client: Client, detail: str) -> BookingRequest:
    request.status = Status.APPROVED
    request.client = client
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "client", "decided_by", "decided_at"])
    address = client.email or (client.user.email if client.user_id else "")
    if address:
        mail_owe(
            kind=APPROVED_MAIL,
            about=request,
            recipient=address,
            client=client,
            params={"invited": client.user_id is None},
        )
    audit.record(actor=actor, action="update", client=client, target=request, detail=detail)
    return request


@transaction.atomic
def booking_request_decline(*, actor, request: BookingRequest, message: str) -> BookingRequest:
    """Decline with a message, which the requester is mailed."""
    _require_handler(actor)
    message = message.strip()
    if not message:
        raise ValidationError({"message": "Write the message the requester will receive."})
    request = _lock_new(request)
    request.status = Status.DECLINED
    request.decline_message = message
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decline_message", "decided_by", "decided_at"])
    mail_owe(kind=DECLINED_MAIL, about=request, recipient=request.email)
    audit.record(actor=actor, action="update", target=request, detail="booking request declined")
    return request


# --- the mails, built at send time -----------------------------------------------------------


def _context(request: BookingRequest, **extra) -> dict:
    return {
        "name": request.first_name,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        **extra,
    }


@outbox.register(APPROVED_MAIL, "Booking request approved", watchers=outbox.CLINIC_STAFF)
def _build_approved(mail, *, now) -> outbox.Prepared:
    """Says the clinic registered them, that the health history and consent forms wait in the
    portal (an invitation follows when they have no account), and that the clinic will call
    to agree a time. Neither the reason nor anything else typed on the request."""
    request = BookingRequest.objects.filter(pk=mail.about_id).select_related("client").first()
    if request is None or request.status != Status.APPROVED or request.client is None:
        raise outbox.NotOwed("The request is no longer approved.")
    client = request.client
    context = _context(request, invited=mail.params.get("invited", False))
    context["name"] = client.preferred_name or client.first_name
    message = EmailMessage(
        subject=f"Your request to {settings.CLINIC_NAME}: your forms are ready",
        body=loader.render_to_string("scheduling/email/booking_request_approved.txt", context),
        to=[mail.recipient],
    )
    return outbox.Prepared(message)


@outbox.register(DECLINED_MAIL, "Booking request declined", watchers=outbox.CLINIC_STAFF)
def _build_declined(mail, *, now) -> outbox.Prepared:
    request = BookingRequest.objects.filter(pk=mail.about_id).first()
    if request is None or request.status != Status.DECLINED:
        raise outbox.NotOwed("The request is no longer declined.")
    context = _context(request, message=request.decline_message)
    message = EmailMessage(
        subject=f"Your request to {settings.CLINIC_NAME}",
        body=loader.render_to_string("scheduling/email/booking_request_declined.txt", context),
        to=[mail.recipient],
    )
    return outbox.Prepared(message)
