"""Set-up shared by the charges tests (and the URL matrix rows under "# billing: charges"):
a visit signed through the real signing service, and charges for the role matrix."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from billing.models import Charge, PayerFee, PayerType
from billing.tests.factories import (
    ChargeFactory,
    ChargeLineFactory,
    CoverageFactory,
    PayerFactory,
    TherapistBillingFactory,
    clinic_billing,
    code,
)
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory
from sessions_log.models import TechniqueApplied
from sessions_log.services.notes import note_sign
from sessions_log.tests.factories import SessionNoteFactory
from treatment_plans.models import PlanDiagnosis, Technique
from treatment_plans.tests.factories import PlanVersionFactory

DIAGNOSES = [("M54.2", "Cervicalgia"), ("M62.838", "Other muscle spasm")]


def visit(therapist_user, client, *, when=None, **extra):
    """An appointment of `client` with the therapist, in the past (so it can be signed): two
    hours ago, or two hours earlier for each visit of the therapist already there, so that
    PostgreSQL's no-overlap constraint never meets two at the same time."""
    therapist = therapist_user.therapist_profile
    if when is None:
        when = timezone.now() - dt.timedelta(hours=2)
        while Appointment.objects.filter(
            therapist=therapist,
            starts_at__lt=when + dt.timedelta(hours=2),
            ends_at__gt=when - dt.timedelta(hours=1),
        ).exists():
            when -= dt.timedelta(hours=2)
    return AppointmentFactory(client=client, therapist=therapist, starts_at=when, **extra)


def plan_version(therapist_user, client, diagnoses=DIAGNOSES):
    version = PlanVersionFactory(
        plan__client=client, plan__therapist=therapist_user, activated_at=timezone.now()
    )
    for position, (icd, text) in enumerate(diagnoses, start=1):
        PlanDiagnosis.objects.create(
            plan=version.plan,
            position=position,
            code=icd,
            description=text,
            added_by=therapist_user,
        )
    return version


def signed(therapist_user, client, techniques, *, diagnoses=DIAGNOSES, appointment=None):
    """Write a note with `techniques` ([(technique key, minutes)]) and sign it through
    `note_sign`, as the therapist does; returns the signed note."""
    appointment = appointment or visit(therapist_user, client)
    version = plan_version(therapist_user, client, diagnoses) if diagnoses is not None else None
    note = SessionNoteFactory(appointment=appointment, plan_version=version)
    for key, minutes in techniques:
        TechniqueApplied.objects.create(
            note=note,
            technique=Technique.objects.get(key=key),
            body_region="Neck",
            pressure="moderate",
            minutes=minutes,
        )
    return note_sign(actor=therapist_user, note=note)


def insure(client, *, unit_rule="cms", kind=PayerType.COMMERCIAL, fees=None):
    payer = PayerFactory(unit_rule=unit_rule, kind=kind)
    for cpt, fee in (fees or {}).items():
        PayerFee.objects.create(payer=payer, billing_code=code(cpt), fee=Decimal(fee))
    return CoverageFactory(client=client, payer_type=kind, payer=payer, insured=True)


def billable(therapist_user):
    """The billing identity posting needs: the clinic's and the therapist's NPI."""
    clinic_billing()
    TherapistBillingFactory(therapist=therapist_user.therapist_profile)


# --- the URL matrix ------------------------------------------------------------------------------


# The matrix's makers all book `therapist`: each its own time, or PostgreSQL's no-overlap
# constraint refuses the second (the money maker is a week ago, the matrix's own tomorrow).
CHARGE_AGO = dt.timedelta(days=2)
NO_SHOW_AGO = dt.timedelta(days=3)


def charge(cast) -> Charge:
    """A drafted visit charge of `client`, rendered by `therapist`, with one line."""
    if not hasattr(cast, "charges_charge"):
        appointment = visit(cast.therapist, cast.client, when=timezone.now() - CHARGE_AGO)
        made = ChargeFactory(
            appointment=appointment, diagnoses=[{"code": "M54.2", "description": "Cervicalgia"}]
        )
        cast.charges_line = ChargeLineFactory(charge=made)
        cast.charges_charge = made
    return cast.charges_charge


def charge_kwargs(cast) -> dict:
    return {"charge_id": charge(cast).pk}


def line_kwargs(cast) -> dict:
    return {"charge_id": charge(cast).pk, "line_id": cast.charges_line.pk}


def no_show_kwargs(cast) -> dict:
    if not hasattr(cast, "charges_no_show"):
        cast.charges_no_show = visit(
            cast.therapist, cast.client, when=timezone.now() - NO_SHOW_AGO, status="no_show"
        )
    return {"appointment_id": cast.charges_no_show.pk}
