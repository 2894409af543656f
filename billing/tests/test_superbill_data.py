"""A superbill's data (billing/selectors/superbill.py) and an invoice / receipt's
(billing/selectors/receipt.py): the CMS-1500 data elements, diagnoses merged and re-pointed,
posted charges only, amounts from `with_amounts()`, queries constant in data size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from billing.models import CreditNote, Invoice, PayerType, PaymentAllocation
from billing.selectors.receipt import invoice_data
from billing.selectors.superbill import merge_diagnoses, repoint, superbill_data
from billing.tests.factories import (
    THERAPIST_NPIS,
    ChargeFactory,
    ChargeLineFactory,
    CoverageFactory,
    PackageFactory,
    PaymentFactory,
    TherapistBillingFactory,
    clinic_billing,
    code,
    dx,
)
from clinic.tests.factories import ClientFactory, TherapistFactory, UserFactory
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

FIRST_DAY = dt.date(2026, 3, 2)
SECOND_DAY = dt.date(2026, 3, 9)


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10)))


def posted_charge(client, therapist, day, *, diagnoses, status="posted", **extra):
    appointment = AppointmentFactory(client=client, therapist=therapist, starts_at=_at(day))
    return ChargeFactory(appointment=appointment, status=status, diagnoses=diagnoses, **extra)


def superbill_case(client=None) -> SimpleNamespace:
    """A client insured commercially (signature on file) with two posted visits a week apart
    by a therapist with an NPI: 97140 GP x2 + 97124 GP 59 x1 on the first, 97112 x1 on the
    second, whose diagnoses differ from the first's; a paid line, a draft and a void too."""
    client = client or ClientFactory(
        first_name="Marguerite", last_name="Oakhollow", address="7 Elm Street, Springfield"
    )
    provider = clinic_billing()
    therapist = TherapistFactory(user__first_name="Hana", user__last_name="Ridley")
    identity = TherapistBillingFactory(therapist=therapist, npi=THERAPIST_NPIS[0])
    coverage = CoverageFactory(
        client=client,
        insured=True,
        payer__name="Evergreen Health Plan",
        subscriber_name="Marguerite Oakhollow",
        signature_on_file_on=dt.date(2026, 2, 20),
    )
    first = posted_charge(
        client,
        therapist,
        FIRST_DAY,
        diagnoses=dx("M54.2", "M62.838"),
        coverage=coverage,
        payer_type=PayerType.COMMERCIAL,
    )
    manual = ChargeLineFactory(
        charge=first,
        billing_code=code("97140"),
        modifiers="GP",
        units=2,
        unit_fee=Decimal("45.00"),
        diagnosis_pointers="12",
        position=1,
    )
    ChargeLineFactory(
        charge=first,
        billing_code=code("97124"),
        modifiers="GP 59",
        units=1,
        unit_fee=Decimal("40.00"),
        diagnosis_pointers="2",
        position=2,
    )
    # The second visit's plan lists the codes in another order, with a new one first.
    second = posted_charge(
        client,
        therapist,
        SECOND_DAY,
        diagnoses=dx("G44.209", "M54.2"),
        coverage=coverage,
        payer_type=PayerType.COMMERCIAL,
    )
    ChargeLineFactory(
        charge=second,
        billing_code=code("97112"),
        modifiers="GP",
        units=1,
        unit_fee=Decimal("50.00"),
        diagnosis_pointers="21",
        position=1,
    )
    # Not on the superbill: a draft, a void, and a visit outside the range.
    posted_charge(
        client, therapist, SECOND_DAY + dt.timedelta(days=1), diagnoses=dx("Z00.00"), status="draft"
    )
    void = posted_charge(
        client,
        therapist,
        FIRST_DAY + dt.timedelta(days=1),
        diagnoses=dx("Z00.00"),
        status="void",
        void_reason="wrong client",
    )
    ChargeLineFactory(charge=void, units=3)
    outside = posted_charge(client, therapist, dt.date(2026, 4, 20), diagnoses=dx("Z00.00"))
    ChargeLineFactory(charge=outside, units=4)
    biller = UserFactory(role="billing")
    payment = PaymentFactory(client=client, amount=Decimal("60.00"))
    PaymentAllocation.objects.create(
        payment=payment, line=manual, amount=Decimal("60.00"), allocated_by=biller
    )
    return SimpleNamespace(
        client=client,
        provider=provider,
        therapist=therapist,
        identity=identity,
        coverage=coverage,
        first=first,
        second=second,
        biller=biller,
        date_from=dt.date(2026, 3, 1),
        date_to=dt.date(2026, 3, 31),
    )


def test_the_superbill_holds_the_cms_1500_data_elements():
    case = superbill_case()
    bill = superbill_data(case.client, case.date_from, case.date_to)

    assert bill.patient.name == "Marguerite Oakhollow"
    assert bill.patient.date_of_birth == case.client.date_of_birth
    assert bill.patient.address == "7 Elm Street, Springfield"
    assert bill.insured.payer_name == "Evergreen Health Plan"
    assert bill.insured.insured_id == "XJH123456789"
    assert bill.insured.group_number == "G-4471"
    assert bill.signature_on_file is True
    assert bill.billing_provider.ein == "12-3456789"
    assert bill.billing_provider.npi == case.provider.npi
    assert bill.billing_provider.taxonomy == "225700000X"
    # Posted charges of the range only: the draft, the void and April's visit are left out.
    assert [(line.date_of_service, line.cpt) for line in bill.lines] == [
        (FIRST_DAY, "97140"),
        (FIRST_DAY, "97124"),
        (SECOND_DAY, "97112"),
    ]
    assert [line.modifiers for line in bill.lines] == ["GP", "GP 59", "GP"]
    assert [line.units for line in bill.lines] == [2, 1, 1]
    assert [line.charge for line in bill.lines] == [
        Decimal("90.00"),
        Decimal("40.00"),
        Decimal("50.00"),
    ]
    assert {line.place_of_service for line in bill.lines} == {"11"}
    assert {line.rendering_npi for line in bill.lines} == {case.identity.npi}
    assert (bill.total_charges, bill.total_paid, bill.balance) == (
        Decimal("180.00"),
        Decimal("60.00"),
        Decimal("120.00"),
    )
    assert bill.dates_of_service == [FIRST_DAY, SECOND_DAY]


def test_diagnoses_are_merged_in_first_seen_order_and_lines_re_pointed():
    case = superbill_case()
    bill = superbill_data(case.client, case.date_from, case.date_to)

    assert [(d.letter, d.code) for d in bill.diagnoses] == [
        ("A", "M54.2"),
        ("B", "M62.838"),
        ("C", "G44.209"),
    ]
    assert bill.diagnoses[0].description == "Cervicalgia"  # from ICD-10-CM when not stored
    # First visit: "12" -> A B and "2" -> B; second visit's "21" -> M54.2, G44.209 -> A C.
    assert [line.pointers for line in bill.lines] == ["AB", "B", "AC"]
    assert bill.omitted_diagnoses == []


def test_more_than_four_codes_keep_the_first_four_and_name_the_rest():
    merged, omitted = merge_diagnoses(
        [
            dx("M54.2", "M62.838", "G44.209"),
            [{"code": "M79.18", "description": "Myalgia"}, *dx("M54.2", "S13.4XXA")],
        ]
    )
    assert [code for code, _ in merged] == ["M54.2", "M62.838", "G44.209", "M79.18"]
    assert merged[3][1] == "Myalgia"  # a stored description is kept
    assert omitted == ["S13.4XXA"]
    letter_of = {code: "ABCD"[i] for i, (code, _) in enumerate(merged)}
    # A pointer to a code that did not fit, or past the charge's list, is dropped.
    assert repoint("213", ["M79.18", "S13.4XXA"], letter_of) == "D"
    assert repoint("1", [], letter_of) == ""


def test_auto_claims_use_the_claim_number_and_self_pay_names_no_insurer():
    client = ClientFactory()
    therapist = TherapistFactory()
    auto = CoverageFactory(
        client=client,
        insured=True,
        payer_type=PayerType.AUTO_PIP,
        member_id="",
        claim_number="PIP-2026-0042",
        date_of_accident=dt.date(2026, 1, 14),
    )
    charge = posted_charge(client, therapist, FIRST_DAY, diagnoses=dx("S13.4XXA"), coverage=auto)
    ChargeLineFactory(charge=charge)
    bill = superbill_data(client, FIRST_DAY, FIRST_DAY)
    assert bill.insured.insured_id == "PIP-2026-0042"
    assert bill.insured.date_of_accident == dt.date(2026, 1, 14)
    assert bill.signature_on_file is False
    assert bill.lines[0].rendering_npi == ""  # no billing identity on file: shown as such
    assert bill.billing_provider is None  # the clinic's identity is not set up

    other = ClientFactory()
    CoverageFactory(client=other)  # self-pay
    assert superbill_data(other, FIRST_DAY, SECOND_DAY).insured is None


def test_superbill_queries_do_not_grow_with_the_charges(django_assert_max_num_queries):
    case = superbill_case()
    with django_assert_max_num_queries(5):
        superbill_data(case.client, case.date_from, case.date_to)
    for week in range(3):
        day = SECOND_DAY + dt.timedelta(days=2 + week)
        charge = posted_charge(
            case.client, case.therapist, day, diagnoses=dx("M54.2"), coverage=case.coverage
        )
        ChargeLineFactory(charge=charge)
    with django_assert_max_num_queries(5):
        bill = superbill_data(case.client, case.date_from, case.date_to)
    assert len(bill.lines) == 6


# --- invoice / receipt -------------------------------------------------------------------------


def make_invoice(client, *, issued_by, number="INV-0042", paid=Decimal("0.00")):
    """An invoice of one posted self-pay visit (97124 x2 = 60.00) and a package (950.00),
    with `paid` allocated to the visit's line."""
    invoice = Invoice.objects.create(
        number=number, client=client, issued_on=dt.date(2026, 3, 10), issued_by=issued_by
    )
    charge = posted_charge(
        client, TherapistFactory(), FIRST_DAY, diagnoses=dx("M54.2"), invoice=invoice
    )
    line = ChargeLineFactory(charge=charge)
    package = PackageFactory(client=client, invoice=invoice, price=Decimal("950.00"))
    if paid:
        payment = PaymentFactory(client=client, amount=paid, reference="R-77")
        on_line = min(paid, line.amount)
        PaymentAllocation.objects.create(
            payment=payment, line=line, amount=on_line, allocated_by=issued_by
        )
        if paid > on_line:
            PaymentAllocation.objects.create(
                payment=payment, package=package, amount=paid - on_line, allocated_by=issued_by
            )
    return SimpleNamespace(invoice=invoice, charge=charge, line=line, package=package)


def test_invoice_data_lines_credits_payments_and_balance():
    client = ClientFactory(first_name="Ivo", last_name="Brandt")
    biller = UserFactory(role="billing")
    made = make_invoice(client, issued_by=biller, paid=Decimal("500.00"))
    CreditNote.objects.create(
        number="CN-7",
        charge=made.charge,
        amount=Decimal("10.00"),
        reason="courtesy",
        created_by=biller,
    )
    data = invoice_data(made.invoice)
    assert data.number == "INV-0042"
    assert [(line.code, line.amount) for line in data.lines] == [
        ("97124", Decimal("60.00")),
        ("", Decimal("950.00")),
    ]
    assert [(c.number, c.amount) for c in data.credits] == [("CN-7", Decimal("10.00"))]
    assert [(p.reference, p.amount) for p in data.payments] == [("R-77", Decimal("500.00"))]
    assert data.total == Decimal("1010.00")
    assert data.balance_due == Decimal("1010.00") - Decimal("10.00") - Decimal("500.00")
    assert data.paid_in_full is False


def test_an_invoice_paid_in_full():
    client = ClientFactory()
    made = make_invoice(client, issued_by=UserFactory(role="billing"), paid=Decimal("1010.00"))
    data = invoice_data(made.invoice)
    assert data.balance_due == Decimal("0.00")
    assert data.paid_in_full is True
    Invoice.objects.filter(pk=made.invoice.pk).update(status=Invoice.Status.VOID)
    made.invoice.refresh_from_db()
    assert invoice_data(made.invoice).paid_in_full is False  # a void invoice is no receipt
