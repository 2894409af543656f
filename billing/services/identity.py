"""Writes of the billing identity: the clinic's billing profile and each therapist's (NPI,
taxonomy, licence). One transaction each, the permission checked again, audited."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from billing.models import ClinicBilling, TherapistBilling
from clinic import audit
from clinic.models import Therapist
from clinic.permissions import Can

CLINIC_FIELDS = (
    "legal_name",
    "ein",
    "npi",
    "taxonomy",
    "address",
    "city",
    "state",
    "postal_code",
    "phone",
    "place_of_service",
    "no_show_fee",
)
THERAPIST_FIELDS = ("npi", "taxonomy", "license_state")


def _require(actor) -> None:
    if not Can(actor).bill:
        raise PermissionDenied("Only billing staff and the admin edit the billing identity.")


@transaction.atomic
def clinic_billing_save(*, actor, data: dict) -> ClinicBilling:
    _require(actor)
    billing = ClinicBilling.objects.select_for_update().first() or ClinicBilling()
    created = billing.pk is None
    changed = [
        name for name in CLINIC_FIELDS if name in data and getattr(billing, name) != data[name]
    ]
    for name in changed:
        setattr(billing, name, data[name])
    billing.full_clean()
    billing.save()
    audit.record(
        actor=actor,
        action="create" if created else "update",
        target=billing,
        detail=f"clinic billing identity: {', '.join(changed) or 'nothing'}",
    )
    return billing


@transaction.atomic
def therapist_billing_save(*, actor, therapist: Therapist, data: dict) -> TherapistBilling:
    """The therapist's NPI, taxonomy and licence state, and the licence number kept on the
    therapist's profile (clinic core)."""
    _require(actor)
    therapist = Therapist.objects.select_for_update().get(pk=therapist.pk)
    identity = TherapistBilling.objects.filter(therapist=therapist).first()
    created = identity is None
    identity = identity or TherapistBilling(therapist=therapist)
    changed = [
        name for name in THERAPIST_FIELDS if name in data and getattr(identity, name) != data[name]
    ]
    for name in changed:
        setattr(identity, name, data[name])
    identity.full_clean()
    identity.save()
    number = (data.get("license_number") or "").strip()
    if "license_number" in data and number != therapist.license_number:
        therapist.license_number = number
        therapist.save(update_fields=["license_number"])
        changed.append("license_number")
    audit.record(
        actor=actor,
        action="create" if created else "update",
        target=identity,
        detail=f"billing identity of {therapist}: {', '.join(changed) or 'nothing'}",
    )
    return identity
