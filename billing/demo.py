"""The demo clinic's billing (issue 18): the clinic's and therapists' billing identity (valid,
fictional NPIs), three payers with their unit rules and a fee schedule, who pays for each demo
client, and the charges of their signed sessions. Karen's neck pain is billed to her auto
insurance (PIP, after a rear-end collision aggravated it), Marcus's tendon repair to workers'
compensation with 12 authorized visits, Tom pays himself with a prepaid package and Priya pays
per visit. Idempotent, like every app's demo."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from billing.models import (
    AppointmentTypeFee,
    Authorization,
    BillingCode,
    Charge,
    ClinicBilling,
    Coverage,
    Package,
    Payer,
    PayerFee,
    PayerType,
    PaymentMethod,
    TherapistBilling,
    UnitRule,
)
from billing.models.money import ZERO
from billing.services.charges import charge_draft, charge_post
from billing.services.invoices import invoice_issue
from billing.services.payments import payment_allocate_oldest_first, payment_record
from clinic.clinic_time import today
from clinic.models import Client, User
from scheduling.models import AppointmentType
from sessions_log.models import SessionNote

# NPIs pass the CMS check digit (Luhn over 80840 + the first nine digits); none is real.
CLINIC = {
    "legal_name": "Riverside Medical Massage LLC",
    "ein": "84-2917365",
    "npi": "1234567893",
    "address": "12 River Road",
    "city": "Springfield",
    "state": "MA",
    "postal_code": "01103",
    "phone": "555-0100",
    "no_show_fee": Decimal("40.00"),
}
THERAPIST_NPIS = {"therapist": "1245319599", "therapist2": "1000000004"}

PAYERS = {
    # name: (kind, unit rule, electronic payer id, {code: fee per unit})
    "Keystone Mutual Auto": (PayerType.AUTO_PIP, UnitRule.PER_CODE, "KMA01", {}),
    "Commonwealth Workers' Compensation Fund": (
        PayerType.WORKERS_COMP,
        UnitRule.CMS,
        "CWCF2",
        {"97124": Decimal("28.00"), "97140": Decimal("32.50")},
    ),
    "Blue Harbor Health": (PayerType.COMMERCIAL, UnitRule.CMS, "BHH77", {}),
}
TREATMENT_SELF_PAY = Decimal("95.00")  # a 60-minute treatment, self-pay


def seed(stdout=None) -> None:
    with transaction.atomic():
        _identity()
        payers = _payers()
        AppointmentTypeFee.objects.get_or_create(
            appointment_type=AppointmentType.objects.get(name="Treatment"),
            defaults={"fee": TREATMENT_SELF_PAY},
        )
        made = _coverages(payers)
        drafted = _charges()
        if drafted:
            _payments(payers)
    if stdout:
        stdout.write(f"billing: {made} new coverages, {drafted} charges drafted from signed notes")


# --- the charges of the signed sessions, as billing staff would leave them -------------------

LEFT_TO_REVIEW = 2  # each client's latest charges stay drafts, for the biller to review


def _charges() -> int:
    """Draft a charge from every signed demo note (the demo writes its notes straight to the
    table, so the signing signal never ran), then post all but each client's latest two."""
    billing = User.objects.get(username="billing")
    notes = (
        SessionNote.objects.filter(signed_at__isnull=False, charges__isnull=True)
        .select_related("appointment", "therapist")
        .order_by("client", "appointment__starts_at")
    )
    drafted = [charge_draft(actor=note.therapist, note=note) for note in notes]
    for client_id in {charge.client_id for charge in drafted}:
        drafts = Charge.objects.filter(client_id=client_id, status=Charge.Status.DRAFT)
        for charge in list(drafts.order_by("date_of_service"))[:-LEFT_TO_REVIEW]:
            charge_post(actor=billing, charge=charge)
    return len(drafted)


def _payments(payers: dict[str, Payer]) -> None:
    """Karen's auto insurer paid her first two visits (an EOB); Tom paid his package by card;
    Priya's visits are invoiced, and she paid the first by card."""
    frontdesk = User.objects.get(username="frontdesk")
    billing = User.objects.get(username="billing")
    clients = {c.last_name: c for c in Client.objects.filter(last_name__in=COVERED)}
    karen, tom, priya = clients["Whitfield"], clients["Haldane"], clients["Raman"]

    first_two = Charge.objects.posted().filter(client=karen).order_by("date_of_service")[:2]
    eob = payment_record(
        actor=billing,
        client=karen,
        method=PaymentMethod.objects.get(code="insurance"),
        payer=payers["Keystone Mutual Auto"],
        amount=sum((c.total for c in Charge.objects.with_amounts().filter(pk__in=first_two)), ZERO),
        received_on=today() - dt.timedelta(days=10),
        reference="EOB 2026-118344-01",
    )
    payment_allocate_oldest_first(actor=billing, payment=eob)

    package = tom.packages.first()
    card = payment_record(
        actor=frontdesk,
        client=tom,
        method=PaymentMethod.objects.get(code="card"),
        amount=package.price,
        received_on=package.purchased_on,
    )
    payment_allocate_oldest_first(actor=frontdesk, payment=card)

    invoice_issue(actor=billing, client=priya)
    first = Charge.objects.posted().with_amounts().filter(client=priya).order_by("date_of_service")
    if first:
        paid = payment_record(
            actor=frontdesk,
            client=priya,
            method=PaymentMethod.objects.get(code="card"),
            amount=first[0].total,
            received_on=first[0].date_of_service,
        )
        payment_allocate_oldest_first(actor=frontdesk, payment=paid)


def _identity() -> None:
    if ClinicBilling.current() is None:
        ClinicBilling.objects.create(**CLINIC)
    for username, npi in THERAPIST_NPIS.items():
        therapist = User.objects.get(username=username).therapist_profile
        TherapistBilling.objects.get_or_create(
            therapist=therapist, defaults={"npi": npi, "license_state": "MA"}
        )


def _payers() -> dict[str, Payer]:
    payers = {}
    for name, (kind, rule, payer_id, fees) in PAYERS.items():
        payer, _ = Payer.objects.get_or_create(
            name=name, defaults={"kind": kind, "unit_rule": rule, "payer_id": payer_id}
        )
        for cpt, fee in fees.items():
            PayerFee.objects.get_or_create(
                payer=payer, billing_code=BillingCode.objects.get(code=cpt), defaults={"fee": fee}
            )
        payers[name] = payer
    return payers


def _coverages(payers: dict[str, Payer]) -> int:
    billing = User.objects.get(username="billing")
    clients = {c.last_name: c for c in Client.objects.filter(last_name__in=COVERED)}
    made = 0
    for last_name, build in COVERED.items():
        client = clients.get(last_name)
        if client is None or client.coverages.exists():
            continue
        build(client, payers, billing)
        made += 1
    return made


def _first_visit(client: Client) -> dt.date:
    first = client.appointments.order_by("starts_at").first()
    return (first.starts_at.date() if first else dt.date.today()) - dt.timedelta(days=7)


def _karen(client, payers, billing) -> None:
    start = _first_visit(client)
    Coverage.objects.create(
        client=client,
        payer_type=PayerType.AUTO_PIP,
        payer=payers["Keystone Mutual Auto"],
        starts_on=start,
        claim_number="KMA-26-118344",
        date_of_accident=start - dt.timedelta(days=10),
        adjuster_name="Paul Brennan",
        adjuster_phone="555-0190",
        signature_on_file_on=start,
        created_by=billing,
    )


def _marcus(client, payers, billing) -> None:
    start = _first_visit(client)
    coverage = Coverage.objects.create(
        client=client,
        payer_type=PayerType.WORKERS_COMP,
        payer=payers["Commonwealth Workers' Compensation Fund"],
        starts_on=start,
        claim_number="WC-2026-044817",
        employer="Birch & Sons Joinery",
        date_of_injury=start - dt.timedelta(days=63),
        case_manager="Janet Ruiz",
        signature_on_file_on=start,
        created_by=billing,
    )
    Authorization.objects.create(
        coverage=coverage,
        number="CWCF-A-77120",
        visits_approved=12,
        starts_on=start,
        ends_on=start + dt.timedelta(days=120),
        note="Massage therapy, 12 visits, per the surgeon's referral.",
        created_by=billing,
    )


def _self_pay(client, payers, billing) -> None:
    Coverage.objects.create(
        client=client,
        payer_type=PayerType.SELF_PAY,
        starts_on=_first_visit(client),
        created_by=billing,
    )


def _tom(client, payers, billing) -> None:
    _self_pay(client, payers, billing)
    Package.objects.create(
        client=client,
        name="10 x 60-minute treatment",
        appointment_type=AppointmentType.objects.get(name="Treatment"),
        visits=10,
        price=Decimal("900.00"),
        purchased_on=_first_visit(client),
        sold_by=User.objects.get(username="frontdesk"),
    )


COVERED = {"Whitfield": _karen, "Bell": _marcus, "Haldane": _tom, "Raman": _self_pay}
