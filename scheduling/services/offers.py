"""Waitlist offers: a freed time is mailed to matching waitlist clients with a single-use link;
the first to claim it books it, the others are told it is gone; offers expire.

Making offers. When a time is freed (the front desk or the client cancels, or the front desk
moves an appointment away), `offers_make` runs in that transaction: one `WaitlistOffer` per
matching open waitlist entry (`WaitlistEntry.objects.matching`) whose client has a portal
account and an e-mail address, the OFFERS_PER_TIME oldest entries first, all sharing the time's
`slot_key`. Offers are made only while online booking is enabled (`OnlineBookingRules.enabled`):
claiming is the client booking in the portal, which the clinic has then switched on.

The link. As for portal invitations, the token is made when the mail is built (the outbox row
holds no token) and only its SHA-256 is stored: a copy of the database or of the broker opens
no offer. Until then the row holds the hash of a token nobody was given.

Claiming. `offer_claim` first locks the therapist (and room) rows as every booking does, so
claims of one time queue there; under that lock the offer's conditional UPDATE (open, not
expired) makes it single-use, the booking guards decide, and the winner's transaction marks the
time's other offers `gone` and owes their clients a mail. Claims that queued behind it find
their offer gone and are answered "just taken" with the nearest free times. Taking the lock
before touching any offer row keeps the order the same for every claimant: no deadlock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from clinic import audit, outbox
from clinic.clinic_time import local, today
from clinic.date_formats import day_short, day_time
from clinic.links import site_url
from clinic.roles import Role, role_of
from clinic.services.outbox import mail_owe
from scheduling.models import Appointment, OnlineBookingRules, WaitlistEntry, WaitlistOffer
from scheduling.selectors import free_slots
from scheduling.services.appointments import (
    Slot,
    SlotTaken,
    _fmt,
    _lock,
    book_slot,
    slot_problems,
)

OfferStatus = WaitlistOffer.Status
OFFER_MAIL = "waitlist_offer"
GONE_MAIL = "waitlist_offer_gone"
# How many waitlist entries one freed time is offered to (the oldest first). Mailing every
# match turns one free hour into a stampede that disappoints all but one; the ten who have
# waited longest get the first chance, and the front desk still sees every match.
DEFAULT_OFFERS_PER_TIME = 10
# An offer closes this long before the time starts, whatever `offer_hours` says: a client
# needs time to get there, and the clinic to see who is coming.
START_MARGIN = dt.timedelta(hours=2)
# How many free times a "just taken" answer lists, and how far around the offered time it looks.
NEAREST_COUNT = 5
NEAREST_DAYS = 7

# Why an offer cannot be claimed (OfferUnavailable.reason).
UNKNOWN, CLAIMED, GONE, EXPIRED, WITHDRAWN, CLASH = (
    "unknown",
    "claimed",
    "gone",
    "expired",
    "withdrawn",
    "clash",
)


CLASH_MESSAGE = (
    "You already have an appointment at that time, so this one cannot be booked for you. "
    "You are still on the waitlist."
)


def offers_per_time() -> int:
    return getattr(settings, "CLINIC_OFFERS_PER_TIME", DEFAULT_OFFERS_PER_TIME)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def slot_key(therapist_id, starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """The same for every offer of one freed time (UTC instants: DST cannot split it)."""
    raw = f"{therapist_id}|{starts_at.astimezone(dt.UTC).isoformat()}|"
    raw += ends_at.astimezone(dt.UTC).isoformat()
    return hashlib.sha256(raw.encode()).hexdigest()


def offer_closes_at(starts_at: dt.datetime, *, now: dt.datetime, hours: int) -> dt.datetime:
    """`hours` of elapsed time from now (a DST night is as long as it really is), but never
    later than START_MARGIN before the time starts. Added in UTC: Python adds hours to a
    zoned time on the wall clock, which would be an hour off across a DST change."""
    now = now.astimezone(dt.UTC)
    return min(now + dt.timedelta(hours=hours), starts_at.astimezone(dt.UTC) - START_MARGIN)


# --- making offers --------------------------------------------------------------------------------


def offers_make(*, actor, freed: Appointment, now: dt.datetime | None = None) -> list:
    """Inside the transaction that freed `freed`'s time (its therapist, type, room, start and
    client as they were): offer it to the matching waitlist entries. Returns the offers made."""
    now = now or timezone.now()
    rules = OnlineBookingRules.current()
    if not rules.enabled:
        return []
    slot = Slot(freed.therapist, freed.appointment_type, freed.starts_at, freed.room)
    expires_at = offer_closes_at(slot.starts_at, now=now, hours=rules.offer_hours)
    if expires_at <= now or slot_problems(slot):
        return []  # too close to offer, or the time is not free after all (a short move)
    wish = Appointment(
        client_id=freed.client_id,
        therapist_id=slot.therapist.pk,
        appointment_type_id=slot.appointment_type.pk,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
    )
    busy = Appointment.objects.overlapping(slot.starts_at, slot.ends_at).filter(
        client_id=OuterRef("client_id")
    )
    entries = list(
        WaitlistEntry.objects.matching(wish)
        .filter(client__user__isnull=False, client__user__is_active=True)
        .exclude(client__email="")
        .exclude(Exists(busy))  # a client with another appointment then could not take it
        .order_by("created_at")[: offers_per_time()]
    )
    key = slot_key(slot.therapist.pk, slot.starts_at, slot.ends_at)
    earlier = {o.entry_id: o for o in WaitlistOffer.objects.filter(slot_key=key, entry__in=entries)}
    made = []
    for entry in entries:
        offer = earlier.get(entry.pk)
        if offer is not None and offer.status == OfferStatus.OPEN:
            continue  # still open from the last time this time was freed
        offer = offer or WaitlistOffer(entry=entry, slot_key=key)
        offer.therapist, offer.appointment_type, offer.room = (
            slot.therapist,
            slot.appointment_type,
            slot.room,
        )
        offer.starts_at, offer.ends_at = slot.starts_at, slot.ends_at
        offer.token_sha256 = token_hash(secrets.token_urlsafe(32))  # nobody has this one
        offer.status, offer.expires_at = OfferStatus.OPEN, expires_at
        offer.answered_at, offer.appointment = None, None
        offer.save()
        made.append(offer)
        audit.record(
            actor=actor,
            action="create",
            client=entry.client,
            target=offer,
            detail=f"waitlist offer of {_fmt(slot.starts_at)}",
        )
        mail_owe(kind=OFFER_MAIL, about=offer, recipient=entry.client.email, client=entry.client)
    return made


def freed_copy(appointment: Appointment) -> Appointment:
    """The appointment's time as it is now (unsaved): what a move frees, taken before it."""
    return Appointment(
        client_id=appointment.client_id,
        therapist=appointment.therapist,
        appointment_type=appointment.appointment_type,
        room=appointment.room,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
    )


# --- the link ------------------------------------------------------------------------------------


class OfferUnavailable(Exception):  # noqa: N818 - a verdict, shown as a page
    """The offer cannot be claimed: `reason` says why, `message` says it to the client,
    `nearest` lists free times of the same therapist and type when the time was just taken."""

    def __init__(self, reason: str, message: str = "", nearest: list | None = None):
        super().__init__(reason)
        self.reason = reason
        self.message = message
        self.nearest = nearest or []


def _with_relations():
    return WaitlistOffer.objects.select_related(
        "entry__client", "therapist__user", "appointment_type", "room", "appointment"
    )


def offer_for_token(token: str) -> WaitlistOffer:
    """The offer behind a link (any status: the page says why a used one no longer works)."""
    offer = _with_relations().filter(token_sha256=token_hash(token)).first()
    if offer is None:
        raise OfferUnavailable(UNKNOWN)
    return offer


def offer_refusal(offer: WaitlistOffer, *, now: dt.datetime | None = None) -> str:
    """Why the offer cannot be claimed now ("" when it can, as far as the offer itself goes):
    one of CLAIMED, GONE, EXPIRED, WITHDRAWN. An expired link says so before the sweep."""
    now = now or timezone.now()
    if offer.status == OfferStatus.OPEN:
        return EXPIRED if offer.expires_at <= now else ""
    return {
        OfferStatus.CLAIMED: CLAIMED,
        OfferStatus.GONE: GONE,
        OfferStatus.EXPIRED: EXPIRED,
        OfferStatus.WITHDRAWN: WITHDRAWN,
    }[offer.status]


def offer_slot(offer: WaitlistOffer) -> Slot:
    return Slot(offer.therapist, offer.appointment_type, offer.starts_at, offer.room)


def time_taken(offer: WaitlistOffer) -> bool:
    """Whether the offered time can no longer be booked by anyone (read only, for the page)."""
    return bool(slot_problems(offer_slot(offer)))


def nearest_free_times(offer: WaitlistOffer, *, count: int = NEAREST_COUNT) -> list[dt.datetime]:
    """The free starts of the same therapist and type closest to the offered time (within
    NEAREST_DAYS either side), that the portal's rules would let a client book."""
    rules = OnlineBookingRules.current()
    now = timezone.now()
    earliest = now + dt.timedelta(hours=rules.min_notice_hours)
    latest = now + dt.timedelta(days=rules.horizon_days)
    first_day = max(today(), local(offer.starts_at).date() - dt.timedelta(days=NEAREST_DAYS))
    days = (local(offer.starts_at).date() - first_day).days + NEAREST_DAYS + 1
    starts = [
        start
        for _day, day_starts in free_slots(
            therapist=offer.therapist,
            appointment_type=offer.appointment_type,
            start_day=first_day,
            days=days,
            step_minutes=30,
        )
        for start in day_starts
        if earliest <= start <= latest and start != offer.starts_at
    ]
    starts.sort(key=lambda start: abs(start - offer.starts_at))
    return sorted(starts[:count])


# --- claiming -----------------------------------------------------------------------------------


@dataclass
class _Answer:
    appointment: Appointment | None = None
    refusal: OfferUnavailable | None = None


def offer_claim(*, actor, offer: WaitlistOffer) -> Appointment:
    """The offer's client books the offered time. Returns the appointment, or raises
    OfferUnavailable (used, gone, expired, withdrawn, or the client is busy then);
    PermissionDenied for anyone but the offer's client."""
    if role_of(actor) != Role.CLIENT or offer.entry.client.user_id != actor.pk:
        raise PermissionDenied("This offer was sent to another account.")
    try:
        answer = _claim(actor, offer)
    except SlotTaken:
        # The database refused an overlap the guards did not see (it rolled back the claim).
        answer = _Answer(refusal=OfferUnavailable(GONE))
    if answer.refusal is not None:
        refusal = answer.refusal
        if refusal.reason == GONE:
            refusal.nearest = nearest_free_times(offer)
        raise refusal
    return answer.appointment


@transaction.atomic
def _claim(actor, offer: WaitlistOffer) -> _Answer:
    slot = offer_slot(offer)
    _lock(slot)  # before any offer row: every claimant takes the locks in the same order
    now = timezone.now()
    current = WaitlistOffer.objects.filter(pk=offer.pk).values_list("status", "expires_at").get()
    offer.status, offer.expires_at = current
    if reason := offer_refusal(offer, now=now):
        return _Answer(refusal=OfferUnavailable(reason))
    if slot_problems(slot):  # booked by the front desk, the therapist away, ...
        # The others are told by mail; this claimant reads it on the page.
        _mark_gone(actor, offer.slot_key, now=now, exclude=offer.pk)
        WaitlistOffer.objects.filter(pk=offer.pk).update(status=OfferStatus.GONE, answered_at=now)
        return _Answer(refusal=OfferUnavailable(GONE))
    client = offer.entry.client
    if slot_problems(slot, client=client):  # the client booked something else then since
        return _Answer(refusal=OfferUnavailable(CLASH, CLASH_MESSAGE))
    won = WaitlistOffer.objects.filter(
        pk=offer.pk, status=OfferStatus.OPEN, expires_at__gt=now
    ).update(status=OfferStatus.CLAIMED, answered_at=now)
    if won != 1:
        return _Answer(refusal=OfferUnavailable(EXPIRED))
    # The booking every channel shares (checks again under the same lock, saves, audits,
    # ends the time's other offers and tells their clients, confirms).
    appointment = book_slot(
        actor=actor, client=client, slot=slot, channel=Appointment.Channel.OFFER
    )
    WaitlistOffer.objects.filter(pk=offer.pk).update(appointment=appointment)
    offer.status, offer.answered_at, offer.appointment = OfferStatus.CLAIMED, now, appointment
    audit.record(actor=actor, action="update", client=client, target=offer, detail="offer claimed")
    _resolve_entry(actor, offer, now)
    return _Answer(appointment=appointment)


def _resolve_entry(actor, offer: WaitlistOffer, now: dt.datetime) -> None:
    """The offer's entry is satisfied even if it was edited since the offer was made."""
    if WaitlistEntry.objects.filter(pk=offer.entry_id, resolved_at__isnull=True).update(
        resolved_at=now
    ):
        audit.record(
            actor=actor,
            action="update",
            client=offer.entry.client,
            target=offer.entry,
            detail="waitlist closed: offer claimed",
        )


def _mark_gone(actor, key: str, *, now: dt.datetime, exclude) -> list:
    """The time's other open offers are gone; each client is owed a mail saying so."""
    others = WaitlistOffer.objects.filter(slot_key=key, status=OfferStatus.OPEN)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    gone = list(others.select_related("entry__client"))
    if not gone:
        return []
    WaitlistOffer.objects.filter(pk__in=[o.pk for o in gone]).update(
        status=OfferStatus.GONE, answered_at=now
    )
    audit.record_many(
        actor=actor,
        action="update",
        entries=[(o.entry.client, o, "waitlist offer gone: the time was taken") for o in gone],
    )
    for other in gone:
        if other.entry.client.email:
            mail_owe(
                kind=GONE_MAIL,
                about=other,
                recipient=other.entry.client.email,
                client=other.entry.client,
                now=now,
            )
    return gone


def offers_taken_by(*, actor, appointment: Appointment) -> list:
    """Inside a booking's or a move's transaction (the therapist's row locked): open offers
    of times this appointment now covers are gone, and their clients are told at once instead
    of finding out from the link. The booked client's own offer is withdrawn, unmailed: the
    booking's confirmation says all."""
    now = timezone.now()
    covered = WaitlistOffer.objects.filter(
        status=OfferStatus.OPEN,
        therapist_id=appointment.therapist_id,
        starts_at__lt=appointment.ends_at,
        ends_at__gt=appointment.starts_at,
    )
    WaitlistOffer.objects.filter(
        pk__in=covered.filter(entry__client_id=appointment.client_id).values("pk")
    ).update(status=OfferStatus.WITHDRAWN, answered_at=now)
    keys = set(covered.values_list("slot_key", flat=True))
    return [
        offer for key in sorted(keys) for offer in _mark_gone(actor, key, now=now, exclude=None)
    ]


# --- expiry and withdrawal -----------------------------------------------------------------------


def offers_expire(*, now: dt.datetime | None = None) -> int:
    """The periodic sweep: open offers past their time are marked expired (the link already
    says so before this runs). Returns how many."""
    now = now or timezone.now()
    return WaitlistOffer.objects.filter(status=OfferStatus.OPEN, expires_at__lte=now).update(
        status=OfferStatus.EXPIRED, answered_at=now
    )


def offers_withdraw_for_entry(*, actor, entry: WaitlistEntry) -> int:
    """The entry was closed by the front desk: its open offers no longer stand."""
    now = timezone.now()
    withdrawn = entry.offers.filter(status=OfferStatus.OPEN).update(
        status=OfferStatus.WITHDRAWN, answered_at=now
    )
    if withdrawn:
        audit.record(
            actor=actor,
            action="update",
            client=entry.client,
            target=entry,
            detail=f"{withdrawn} waitlist offer(s) withdrawn",
        )
    return withdrawn


# --- reading -------------------------------------------------------------------------------------


def offers_for_freed(user, appointment: Appointment):
    """The offers made for `appointment`'s (freed) time, as `user` may see them."""
    return (
        WaitlistOffer.objects.visible_to(user)
        .filter(therapist_id=appointment.therapist_id, starts_at=appointment.starts_at)
        .select_related("entry__client")
        .order_by("created_at")
    )


# The waitlist page lists the offers of times still to come, at most this many.
UPCOMING_OFFERS_SHOWN = 100


def offers_upcoming(user):
    """Offers of times still to come, by time: who was offered what, and what they did."""
    return (
        WaitlistOffer.objects.visible_to(user)
        .filter(starts_at__gte=timezone.now())
        .select_related("entry__client", "therapist__user", "appointment_type")
        .order_by("starts_at", "created_at")[:UPCOMING_OFFERS_SHOWN]
    )


def open_offers_for_client(user):
    """The signed-in client's offers they can still claim."""
    return (
        WaitlistOffer.objects.visible_to(user)
        .filter(status=OfferStatus.OPEN, expires_at__gt=timezone.now())
        .select_related("therapist__user", "appointment_type")
        .order_by("starts_at")
    )


# --- the mails -----------------------------------------------------------------------------------


def offer_link(token: str) -> str:
    return site_url(reverse("offer_link", kwargs={"token": token}))


def _mail_context(offer: WaitlistOffer) -> dict:
    starts, ends = local(offer.starts_at), local(offer.ends_at)
    therapist = offer.therapist.user
    client = offer.entry.client
    expires = local(offer.expires_at)
    return {
        "name": client.preferred_name or client.first_name,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "when": f"{day_time(starts)}-{ends:%H:%M} ({starts:%Z})",
        "short_when": f"{day_short(starts)} at {starts:%H:%M}",
        "therapist": therapist.get_full_name() or therapist.get_username(),
        "expires": f"{day_time(expires)} ({expires:%Z})",
    }


@outbox.register(OFFER_MAIL, "Waitlist offer", watchers=outbox.CLINIC_STAFF)
def _build_offer_mail(mail, *, now) -> outbox.Prepared:
    """Make the token and store its hash, then the mail. A second attempt (the first never
    reached the server) makes a fresh token: the earlier one never left."""
    offer = _with_relations().filter(pk=mail.about_id).first()
    if offer is None or offer.status != OfferStatus.OPEN or offer.expires_at <= now:
        raise outbox.NotOwed("The offer was claimed, taken, withdrawn or has expired.")
    if not offer.entry.client.email:
        raise outbox.Undeliverable("The client has no email address on file.")
    token = secrets.token_urlsafe(32)
    stored = WaitlistOffer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN).update(
        token_sha256=token_hash(token)
    )
    if not stored:
        raise outbox.NotOwed("The offer was answered meanwhile.")
    context = {**_mail_context(offer), "link": offer_link(token)}
    return outbox.Prepared(
        EmailMessage(
            subject=f"A time has opened up on {context['short_when']} - {settings.CLINIC_NAME}",
            body=loader.render_to_string("scheduling/email/waitlist_offer.txt", context),
            to=[offer.entry.client.email],
        )
    )


@outbox.register(GONE_MAIL, "Waitlist offer taken", watchers=outbox.CLINIC_STAFF)
def _build_gone_mail(mail, *, now) -> outbox.Prepared:
    offer = _with_relations().filter(pk=mail.about_id).first()
    if offer is None or offer.status != OfferStatus.GONE:
        raise outbox.NotOwed("The offer is no longer gone (offered again).")
    if not offer.entry.client.email:
        raise outbox.Undeliverable("The client has no email address on file.")
    context = {**_mail_context(offer), "portal": site_url(reverse("portal"))}
    return outbox.Prepared(
        EmailMessage(
            subject=f"The time on {context['short_when']} has been taken - {settings.CLINIC_NAME}",
            body=loader.render_to_string("scheduling/email/waitlist_offer_gone.txt", context),
            to=[offer.entry.client.email],
        )
    )
