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
    ClinicBilling,
    Coverage,
    Package,
    Payer,
    PayerFee,
    PayerType,
    TherapistBilling,
    UnitRule,
)
from clinic.models import Client, User
from scheduling.models import AppointmentType

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
    if stdout:
        stdout.write(f"billing: {made} new coverages")


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
