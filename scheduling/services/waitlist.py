"""The waitlist: clients waiting for a slot. When an appointment is cancelled, the front desk
sees who on the waitlist would fit the freed time."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.models import Client
from clinic.roles import STAFF_ROLES, role_of
from scheduling.models import Appointment, WaitlistEntry

WAITLIST_FIELDS = (
    "therapist",
    "appointment_type",
    "earliest_date",
    "latest_date",
    "earliest_time",
    "latest_time",
    "note",
)


def _require_staff(actor) -> None:
    if role_of(actor) not in STAFF_ROLES:
        raise PermissionDenied("Only clinic staff manage the waitlist.")


@transaction.atomic
def waitlist_add(*, actor, client: Client, data: dict) -> WaitlistEntry:
    _require_staff(actor)
    entry = WaitlistEntry(client=client, **{name: data.get(name) for name in WAITLIST_FIELDS})
    entry.note = entry.note or ""
    entry.full_clean()
    entry.save()
    audit.record(actor=actor, action="create", client=client, target=entry, detail="waitlist")
    return entry


@transaction.atomic
def waitlist_resolve(*, actor, entry: WaitlistEntry) -> WaitlistEntry:
    _require_staff(actor)
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.resolved_at is not None:
        raise ValidationError("This waitlist entry is already closed.")
    entry.resolved_at = timezone.now()
    entry.save(update_fields=["resolved_at"])
    audit.record(
        actor=actor, action="update", client=entry.client, target=entry, detail="waitlist closed"
    )
    from scheduling.services.offers import offers_withdraw_for_entry  # it imports this module

    offers_withdraw_for_entry(actor=actor, entry=entry)
    return entry


def waitlist_fulfil(*, actor, appointment: Appointment) -> list[WaitlistEntry]:
    """Close the client's open entries that `appointment` satisfies: booked into the time they
    waited for (typically from a freed time's match), they are no longer waiting."""
    entries = list(
        WaitlistEntry.objects.select_for_update()
        .suited_by(appointment)
        .filter(client_id=appointment.client_id)
    )
    for entry in entries:
        entry.resolved_at = timezone.now()
        entry.save(update_fields=["resolved_at"])
        audit.record(
            actor=actor,
            action="update",
            client=appointment.client,
            target=entry,
            detail="waitlist closed: booked",
        )
    return entries
