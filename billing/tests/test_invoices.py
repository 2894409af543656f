"""Invoices for self-pay (billing/services/invoices.py and their pages): what one gathers,
unique INV-YYYY-NNNN numbers (also when two clerks issue at once), refusal when nothing is
left to invoice, the invoice page, and voiding (its charges can be invoiced again)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from billing.models import Charge, CreditNote, Invoice, Package, PaymentAllocation
from billing.services import invoices
from billing.services.invoices import invoice_issue, invoice_void, next_invoice_number
from billing.tests.factories import PackageFactory
from billing.tests.money_helpers import D, payment, posted_charge
from clinic.clinic_time import today
from clinic.models import AuditEntry

pytestmark = pytest.mark.django_db


def _issue(client, cast):
    client.force_login(cast.biller)
    return client.post(reverse("billing_invoice_issue", args=[cast.client.pk]))


def test_an_invoice_gathers_the_posted_self_pay_charges_and_packages_not_yet_invoiced(client, cast):
    mine, _ = posted_charge(cast.client, "60.00")
    package = PackageFactory(client=cast.client, price=D("500.00"))
    from_package, _ = posted_charge(cast.client, "60.00", package=package)
    draft, _ = posted_charge(cast.client, "60.00", status="draft")
    insured, _ = posted_charge(cast.client, "60.00", payer_type="auto_pip")
    others, _ = posted_charge(cast.client2, "60.00")

    response = _issue(client, cast)
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("billing_invoice", args=[invoice.pk])
    assert invoice.number == f"INV-{today().year}-0001"
    assert (invoice.issued_on, invoice.issued_by, invoice.client) == (
        today(), cast.biller, cast.client,
    )  # fmt: skip
    assert list(Charge.objects.filter(invoice=invoice)) == [mine]
    assert list(Package.objects.filter(invoice=invoice)) == [package]
    assert AuditEntry.objects.filter(action="create", object_id=str(invoice.pk)).exists()


def test_with_nothing_to_invoice_it_is_refused_with_a_message(client, cast):
    response = _issue(client, cast)
    assert response.status_code == 302
    assert not Invoice.objects.exists()
    page = client.get(response["Location"])
    assert b"Nothing to invoice" in page.content


def test_numbers_follow_each_other_within_the_year_and_are_never_reused(cast):
    for _ in range(3):
        posted_charge(cast.client, "60.00")
        last = invoice_issue(actor=cast.biller, client=cast.client)
    year = today().year
    assert last.number == f"INV-{year}-0003"
    invoice_void(actor=cast.biller, invoice=last, reason="wrong address")
    again = invoice_issue(actor=cast.biller, client=cast.client)  # the released charge
    assert again.number == f"INV-{year}-0004"
    assert Invoice.objects.values("number").distinct().count() == 4


def test_numbers_go_past_9999_in_order(cast):
    Invoice.objects.create(number="INV-2031-9999", client=cast.client, issued_on=today(),
                           issued_by=cast.biller)  # fmt: skip
    assert next_invoice_number(2031) == "INV-2031-10000"
    Invoice.objects.create(number="INV-2031-10000", client=cast.client, issued_on=today(),
                           issued_by=cast.biller)  # fmt: skip
    assert next_invoice_number(2031) == "INV-2031-10001"
    assert next_invoice_number(2032) == "INV-2032-0001"


def test_a_number_taken_meanwhile_by_another_clerk_is_skipped(cast, monkeypatch):
    """Two clerks issuing at once both read the same highest number: the unique index
    refuses the second insert, which numbers again."""
    year = today().year
    Invoice.objects.create(number=f"INV-{year}-0001", client=cast.client2, issued_on=today(),
                           issued_by=cast.biller)  # fmt: skip
    stale = iter([f"INV-{year}-0001"])
    real = invoices.next_invoice_number
    monkeypatch.setattr(invoices, "next_invoice_number", lambda y: next(stale, None) or real(y))
    posted_charge(cast.client, "60.00")
    invoice = invoice_issue(actor=cast.biller, client=cast.client)
    assert invoice.number == f"INV-{year}-0002"


def test_only_billing_staff_issue_and_void(cast):
    posted_charge(cast.client, "60.00")
    with pytest.raises(PermissionDenied):
        invoice_issue(actor=cast.frontdesk, client=cast.client)
    invoice = invoice_issue(actor=cast.admin, client=cast.client)
    with pytest.raises(PermissionDenied):
        invoice_void(actor=cast.frontdesk, invoice=invoice, reason="no")


def test_the_invoice_page_shows_lines_packages_credits_payments_and_what_is_due(client, cast):
    charge, line = posted_charge(cast.client, "60.00")
    package = PackageFactory(client=cast.client, price=D("300.00"))
    CreditNote.objects.create(number="CN-1", charge=charge, line=line, amount=D("5.00"),
                              reason="late start", created_by=cast.biller)  # fmt: skip
    money = payment(cast.client, "100.00")
    PaymentAllocation.objects.create(payment=money, line=line, amount=D("25.00"),
                                     allocated_by=cast.frontdesk)  # fmt: skip
    PaymentAllocation.objects.create(payment=money, package=package, amount=D("75.00"),
                                     allocated_by=cast.frontdesk)  # fmt: skip
    invoice = invoice_issue(actor=cast.biller, client=cast.client)
    client.force_login(cast.client_user)
    response = client.get(reverse("billing_invoice", args=[invoice.pk]))
    shown = response.context["shown"]
    assert shown.lines == [line]
    assert (shown.charges_total, shown.packages_total) == (D("60.00"), D("300.00"))
    assert (shown.credited, shown.paid) == (D("5.00"), D("100.00"))
    assert shown.due == D("255.00")  # 60 - 5 - 25 + 300 - 75
    text = response.content.decode()
    assert "97124" in text and line.description[:30] in text
    assert "255.00" in text and "Void this invoice" not in text
    entry = AuditEntry.objects.filter(action="view", object_id=str(invoice.pk)).get()
    assert entry.actor == cast.client_user and entry.client == cast.client


def test_voiding_needs_a_reason_and_releases_the_charges(client, cast):
    charge, _ = posted_charge(cast.client, "60.00")
    package = PackageFactory(client=cast.client)
    invoice = invoice_issue(actor=cast.biller, client=cast.client)
    client.force_login(cast.biller)
    url = reverse("billing_invoice_void", args=[invoice.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200
    assert response.context["void_form"].errors["reason"]
    invoice.refresh_from_db()
    assert invoice.status == "issued"

    response = client.post(url, {"reason": "sent to the wrong address"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == ("void", "sent to the wrong address")
    charge.refresh_from_db()
    package.refresh_from_db()
    assert charge.invoice is None and package.invoice is None
    page = client.get(reverse("billing_invoice", args=[invoice.pk]))
    assert b"sent to the wrong address" in page.content
    assert AuditEntry.objects.filter(action="update", object_id=str(invoice.pk)).exists()
    with pytest.raises(ValidationError, match="void already"):
        invoice_void(actor=cast.biller, invoice=invoice, reason="again")


def test_an_issued_invoice_is_not_changed_by_later_charges(cast):
    posted_charge(cast.client, "60.00")
    invoice = invoice_issue(actor=cast.biller, client=cast.client)
    later, _ = posted_charge(cast.client, "45.00")
    assert list(invoice.charges.all()) != [] and later not in invoice.charges.all()
    second = invoice_issue(actor=cast.biller, client=cast.client)
    assert list(second.charges.all()) == [later]


def test_the_front_desk_reads_an_invoice_but_is_not_offered_to_void_it(client, cast):
    posted_charge(cast.client, "60.00")
    invoice = invoice_issue(actor=cast.biller, client=cast.client)
    client.force_login(cast.frontdesk)
    response = client.get(reverse("billing_invoice", args=[invoice.pk]))
    assert response.status_code == 200
    assert b"Void this invoice" not in response.content
    client.force_login(cast.biller)
    assert b"Void this invoice" in client.get(reverse("billing_invoice", args=[invoice.pk])).content


def test_the_client_page_offers_to_invoice_only_to_billing_staff(client, cast):
    posted_charge(cast.client, "60.00")
    url = reverse("billing_client", args=[cast.client.pk])
    client.force_login(cast.biller)
    assert b"Issue an invoice (1 item)" in client.get(url).content
    client.force_login(cast.frontdesk)
    assert b"Issue an invoice" not in client.get(url).content


@pytest.mark.parametrize(
    ("url_name", "predicate"),
    [("billing_invoice_issue", "bill"), ("billing_invoice_void", "bill")],
)
def test_the_invoice_actions_admit_exactly_who_may_bill(url_name, predicate):
    from django.urls import get_resolver

    from clinic.permissions import Can

    view = next(p.callback for p in _patterns(get_resolver()) if p.name == url_name)
    assert set(view.allowed_roles) == set(getattr(Can, predicate).fget.roles)


def test_the_staff_billing_page_admits_who_sees_balances_but_the_client():
    from django.urls import get_resolver

    from clinic.permissions import Can
    from clinic.roles import Role

    views = {p.name: p.callback for p in _patterns(get_resolver())}
    balances = set(Can.see_balances.fget.roles)
    assert set(views["billing_client"].allowed_roles) == balances - {Role.CLIENT}
    assert set(views["billing_invoice"].allowed_roles) == balances
    assert set(views["billing_portal"].allowed_roles) == {Role.CLIENT}


def _patterns(resolver):
    from django.urls import URLResolver

    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry)
        else:
            yield entry
