"""Factories for billing's models. Codes and payment methods are seeded by migrations: use
`code("97124")` and `method("cash")` rather than making new ones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from billing.models import (
    Authorization,
    BillingCode,
    Charge,
    ChargeLine,
    ClinicBilling,
    Coverage,
    Package,
    Payer,
    PayerType,
    Payment,
    PaymentMethod,
    TherapistBilling,
)
from clinic.tests.factories import ClientFactory, TherapistFactory, UserFactory

# Valid (fictional) NPIs: the Luhn check digit over 80840 + the first nine digits holds.
CLINIC_NPI = "1234567893"
THERAPIST_NPIS = ["1245319599", "1000000004", "1111111112", "1999999992"]


def dx(*codes: str) -> list[dict]:
    """A charge's `diagnoses` as drafting stores them."""
    return [{"code": c, "description": ""} for c in codes]


def code(cpt: str) -> BillingCode:
    return BillingCode.objects.get(code=cpt)


def method(name: str) -> PaymentMethod:
    return PaymentMethod.objects.get(code=name)


class PayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payer

    name = factory.Sequence(lambda n: f"Payer {n}")
    kind = PayerType.COMMERCIAL


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    client = factory.SubFactory(ClientFactory)
    payer_type = PayerType.SELF_PAY
    payer = None
    starts_on = dt.date(2026, 1, 1)
    created_by = factory.SubFactory(UserFactory, role="billing")

    class Params:
        insured = factory.Trait(
            payer_type=PayerType.COMMERCIAL,
            payer=factory.SubFactory(PayerFactory),
            member_id="XJH123456789",
            group_number="G-4471",
        )


class AuthorizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authorization

    coverage = factory.SubFactory(CoverageFactory, insured=True)
    number = factory.Sequence(lambda n: f"AUTH-{n:05d}")
    visits_approved = 12
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2027, 12, 31)
    created_by = factory.SubFactory(UserFactory, role="billing")


class TherapistBillingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TherapistBilling

    therapist = factory.SubFactory(TherapistFactory)
    npi = factory.Iterator(THERAPIST_NPIS)
    license_state = "NY"


def clinic_billing(**overrides) -> ClinicBilling:
    values = {
        "legal_name": "Riverside Medical Massage LLC",
        "ein": "12-3456789",
        "npi": CLINIC_NPI,
        "address": "12 River Road",
        "city": "Springfield",
        "state": "NY",
        "postal_code": "12345",
        **overrides,
    }
    billing, _ = ClinicBilling.objects.update_or_create(singleton=True, defaults=values)
    return billing


class ChargeFactory(factory.django.DjangoModelFactory):
    """A drafted visit charge of an appointment (no note: tests that need one pass it)."""

    class Meta:
        model = Charge

    appointment = factory.SubFactory("scheduling.tests.factories.AppointmentFactory")
    client = factory.SelfAttribute("appointment.client")
    rendering = factory.SelfAttribute("appointment.therapist")
    date_of_service = factory.LazyAttribute(lambda o: o.appointment.starts_at.date())
    payer_type = PayerType.SELF_PAY


class ChargeLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChargeLine

    charge = factory.SubFactory(ChargeFactory)
    billing_code = factory.LazyFunction(lambda: code("97124"))
    description = factory.LazyAttribute(lambda o: o.billing_code.description[:200])
    timed_minutes = 30
    units = 2
    unit_fee = Decimal("30.00")
    amount = factory.LazyAttribute(lambda o: o.unit_fee * o.units)
    diagnosis_pointers = "1"


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    client = factory.SubFactory(ClientFactory)
    name = "10 x 60-minute treatment"
    visits = 10
    price = Decimal("950.00")
    purchased_on = dt.date(2026, 1, 5)
    sold_by = factory.SubFactory(UserFactory, role="front_desk")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    client = factory.SubFactory(ClientFactory)
    method = factory.LazyFunction(lambda: method("cash"))
    amount = Decimal("60.00")
    received_on = dt.date(2026, 3, 2)
    recorded_by = factory.SubFactory(UserFactory, role="front_desk")
