"""What each role sees of a client: the per-role field policy beside the row rule (DESIGN.md,
"Who may see what"). `Client.objects.visible_to(user)` decides which clients; `client_shown`
decides which of their fields a page gets.

A page gets a plain frozen object, not the model row: a row reaches every clinical record of
the client through its reverse relations (`client.health_histories`, `client.session_notes`
...), so one template edit could print them. These objects hold the fields the viewer may see
and nothing else.

(Beside clinic/selectors.py rather than in it: that module is being split between the core
and scheduling; this one belongs to the core.)
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from clinic.models import Client
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
