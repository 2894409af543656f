"""Reads of the core, shaped for the viewer.

What each role sees of a client: the per-role field policy beside the row rule (DESIGN.md,
"Who may see what"). `Client.objects.visible_to(user)` decides which clients; `client_shown`
decides which of their fields a page gets.

A page gets a plain frozen object, not the model row: a row reaches every clinical record of
the client through its reverse relations (`client.health_histories`, `client.session_notes`
...), so one template edit could print them. These objects hold the fields the viewer may see
and nothing else.

And the outbox's mail not yet delivered, for staff.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.utils import timezone

from clinic.models import Client, OutboundMail
from clinic.permissions import Can


@dataclass(frozen=True)
class ClientIdentity:
    """Who the client is, and nothing more: what a consented physician sees of a patient
    (name and birth date), and what a clinical page needs to name its client."""

    pk: uuid.UUID
    first_name: str
    last_name: str
    date_of_birth: dt.date

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"  # as Client.__str__


@dataclass(frozen=True)
class ClientRecord(ClientIdentity):
    """A client's demographics and contacts, for the staff and the client: no clinical field
    and no way to one. (The front desk's only view of the intake is the before-treatment
    checklist, "complete / missing": intake's `missing_for_care`.)"""

    preferred_name: str
    email: str
    phone: str
    address: str
    emergency_contact_name: str
    emergency_contact_phone: str
    emergency_contact_relationship: str
    primary_physician: str  # the physician's name, or ""
    referral_source: str
    user_id: uuid.UUID | None  # the portal account, if any


IDENTITY_FIELDS = ("first_name", "last_name", "date_of_birth")
RECORD_FIELDS = (
    "preferred_name",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "referral_source",
    "user_id",
)


def client_shown(client: Client, *, can: Can) -> ClientRecord | ClientIdentity:
    """`client` (a row the viewer may read, from `visible_to`) as the viewer may see it: the
    record for those who see contacts, the identity for everyone else."""
    identity = {name: getattr(client, name) for name in IDENTITY_FIELDS}
    if not can.see_contacts:
        return ClientIdentity(pk=client.pk, **identity)
    physician = client.primary_physician
    return ClientRecord(
        pk=client.pk,
        **identity,
        **{name: getattr(client, name) for name in RECORD_FIELDS},
        primary_physician=str(physician) if physician is not None else "",
    )


def client_identity(client: Client) -> ClientIdentity:
    """Only who the client is, whoever looks (a page that names its client and shows none of
    their demographics)."""
    return ClientIdentity(pk=client.pk, **{name: getattr(client, name) for name in IDENTITY_FIELDS})


# --- the outbox: mail not yet delivered --------------------------------------------------------


def failed_mails(user, *, client=None, limit: int = 20) -> list:
    """Mails that could not be delivered and wait for a person (wrong address, say), newest
    first; of one client when given. Each carries `label` and `can_resend`."""
    mails = OutboundMail.objects.visible_to(user).failed().select_related("client")
    if client is not None:
        mails = mails.filter(client=client)
    return list(mails.order_by("-created_at")[:limit])


def mails_for_staff(user, *, limit: int) -> tuple[list, list]:
    """(failed, waiting): what a person must act on, and the backlog still being tried."""
    waiting = (
        OutboundMail.objects.visible_to(user)
        .waiting()
        .select_related("client")
        .order_by("created_at")[:limit]
    )
    return failed_mails(user, limit=limit), list(waiting)


def outbox_backlog(mails, *, now: dt.datetime | None = None) -> dict:
    """Of `mails` (a visible_to queryset): how many wait, how long the oldest has waited,
    and how many failed in the last week. Counts only: no recipient, no content."""
    now = now or timezone.now()
    waiting = mails.waiting()
    oldest = waiting.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "waiting": waiting.count(),
        "oldest_waiting_minutes": int((now - oldest).total_seconds() // 60) if oldest else None,
        "failed_last_week": mails.failed()
        .filter(created_at__gte=now - dt.timedelta(days=7))
        .count(),
    }
