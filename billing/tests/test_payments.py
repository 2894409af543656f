"""Payments (billing/services/payments.py and their pages): recording with every bad input
at its field, allocation (by amounts or oldest first) with its over-allocation guard, taking
an allocation back, refunds; each write audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from billing.models import Payment, PaymentAllocation, Refund
from billing.selectors.balances import client_balance
from billing.services.payments import (
    payment_allocate,
    payment_allocate_oldest_first,
    payment_record,
)
from billing.tests.factories import PackageFactory, PayerFactory, method
from billing.tests.money_helpers import D, payment, posted_charge
from clinic.clinic_time import today
from clinic.models import AuditEntry
from clinic.permissions import Can

pytestmark = pytest.mark.django_db


def _key(row) -> str:
    kind = "package" if row.__class__.__name__ == "Package" else "line"
    return f"{kind}_{row.pk.hex}"


def _payment_form(**overrides):
    data = {
        "method": str(method("cash").pk),
        "amount": "60.00",
        "received_on": today().isoformat(),
        "reference": "",
        "payer": "",
        "note": "",
    }
    return {**data, **overrides}


def _post_payment(client, cast, **overrides):
    client.force_login(cast.frontdesk)
    url = reverse("billing_payment_new", args=[cast.client.pk])
    return client.post(url, _payment_form(**overrides))


# --- recording -----------------------------------------------------------------------------


def test_a_payment_is_recorded_audited_and_leads_to_its_allocation(client, cast):
    response = _post_payment(client, cast, amount="60", note="at the desk")
    made = Payment.objects.get(client=cast.client)
    assert response.status_code == 302
    assert response["Location"] == reverse("billing_payment_allocate", args=[made.pk])
    assert (made.amount, made.recorded_by, made.note) == (D("60.00"), cast.frontdesk, "at the desk")
    entry = AuditEntry.objects.get(action="create", object_id=str(made.pk))
    assert entry.client == cast.client and entry.actor == cast.frontdesk


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "The amount must be more than 0."),
        ("-5", "The amount cannot be negative."),
        ("12.345", "no more than two decimal places"),
        ("abc", "Enter an amount such as 60 or 60.00."),
        ("NaN", "Enter an amount such as 60 or 60.00."),
        ("1e30", "This amount is too large."),
        ("", "Enter an amount."),
    ],
)
def test_a_bad_amount_is_refused_at_its_field_and_kept(client, cast, typed, message):
    response = _post_payment(client, cast, amount=typed, note="keep me")
    assert response.status_code == 200
    form = response.context["form"]
    assert message in " ".join(form.errors["amount"])
    assert list(form.errors) == ["amount"]
    assert f'value="{typed}"'.encode() in response.content or typed == ""
    assert b'value="keep me"' in response.content
    assert not Payment.objects.exists()


def test_a_check_needs_its_number_named_as_the_method_names_it(client, cast):
    response = _post_payment(client, cast, method=str(method("check").pk), amount="75.50")
    errors = response.context["form"].errors
    assert list(errors) == ["reference"]
    assert "check number" in errors["reference"][0]
    assert b'value="75.50"' in response.content


def test_an_insurance_payment_needs_its_payer_and_reference(client, cast):
    response = _post_payment(client, cast, method=str(method("insurance").pk))
    errors = response.context["form"].errors
    assert set(errors) == {"payer", "reference"}
    assert "EOB / remittance reference" in errors["reference"][0].replace("eob", "EOB")
    payer = PayerFactory()
    response = _post_payment(
        client, cast, method=str(method("insurance").pk), payer=str(payer.pk), reference="EOB-7"
    )
    assert response.status_code == 302
    assert Payment.objects.get().payer == payer


def test_a_client_payment_does_not_keep_a_payer_chosen_by_mistake(client, cast):
    _post_payment(client, cast, payer=str(PayerFactory().pk))
    assert Payment.objects.get().payer is None


def test_a_future_date_is_refused_at_its_field(client, cast):
    tomorrow = (today() + dt.timedelta(days=1)).isoformat()
    response = _post_payment(client, cast, received_on=tomorrow)
    errors = response.context["form"].errors
    assert errors["received_on"] == ["The date received cannot be in the future."]
    assert f'value="{tomorrow}"'.encode() in response.content


def test_an_inactive_method_is_not_offered_nor_taken(client, cast):
    card = method("card")
    card.is_active = False
    card.save()
    response = _post_payment(client, cast, method=str(card.pk))
    assert "method" in response.context["form"].errors
    assert not Payment.objects.exists()


def test_the_service_checks_the_rules_and_the_role_again(cast):
    with pytest.raises(ValidationError) as refused:
        payment_record(actor=cast.frontdesk, client=cast.client, method=method("cash"),
                       amount=D("-1.00"), received_on=today())  # fmt: skip
    assert "amount" in refused.value.message_dict
    with pytest.raises(PermissionDenied):
        payment_record(actor=cast.therapist, client=cast.client, method=method("cash"),
                       amount=D("10.00"), received_on=today())  # fmt: skip


# --- allocation ----------------------------------------------------------------------------


def _allocate_url(made):
    return reverse("billing_payment_allocate", args=[made.pk])


def test_amounts_are_allocated_per_line_and_package_and_audited(client, cast):
    _, line = posted_charge(cast.client, "60.00")
    package = PackageFactory(client=cast.client, price=D("500.00"))
    made = payment(cast.client, "100.00")
    client.force_login(cast.biller)
    response = client.post(_allocate_url(made), {_key(line): "60.00", _key(package): "40"})
    assert response.status_code == 302
    allocated = dict(PaymentAllocation.objects.values_list("line_id", "amount"))
    assert allocated[line.pk] == D("60.00")
    assert PaymentAllocation.objects.get(package=package).amount == D("40.00")
    assert client_balance(cast.client).owed == D("460.00")
    assert AuditEntry.objects.filter(action="create", client=cast.client).count() == 2


def test_over_the_payment_is_refused_with_what_is_left_and_everything_typed_kept(client, cast):
    _, first = posted_charge(cast.client, "60.00", days_ago=20)
    _, second = posted_charge(cast.client, "60.00", days_ago=10)
    made = payment(cast.client, "50.00")
    client.force_login(cast.frontdesk)
    client.post(_allocate_url(made), {_key(first): "30"})  # 20.00 left
    response = client.post(_allocate_url(made), {_key(first): "15", _key(second): "20.00"})
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert "Only 20.00 of this payment is left to allocate." in errors[0]
    assert b'value="15"' in response.content and b'value="20.00"' in response.content
    assert PaymentAllocation.objects.count() == 1


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("70.00", "Only 60.00 is outstanding here."),
        ("-5", "The amount cannot be negative."),
        ("1.234", "no more than two decimal places"),
        ("ten", "Enter an amount such as 60 or 60.00."),
    ],
)
def test_a_bad_amount_for_a_line_is_refused_at_that_line(client, cast, typed, message):
    _, line = posted_charge(cast.client, "60.00")
    made = payment(cast.client, "100.00")
    client.force_login(cast.frontdesk)
    response = client.post(_allocate_url(made), {_key(line): typed})
    assert message in " ".join(response.context["form"].errors[_key(line)])
    assert f'value="{typed}"'.encode() in response.content
    assert not PaymentAllocation.objects.exists()


def test_nothing_entered_says_so(client, cast):
    _, line = posted_charge(cast.client, "60.00")
    made = payment(cast.client, "100.00")
    client.force_login(cast.frontdesk)
    response = client.post(_allocate_url(made), {_key(line): ""})
    assert "at least one" in response.context["form"].non_field_errors()[0]


def test_two_clerks_with_the_same_form_cannot_over_allocate(cast):
    """Both loaded the page when 50.00 was left; the second is refused by the service, which
    reads the payment again after locking it."""
    _, first = posted_charge(cast.client, "40.00")
    _, second = posted_charge(cast.client, "40.00")
    made = payment(cast.client, "50.00")
    payment_allocate(actor=cast.frontdesk, payment=made, amounts={_key(first): D("40.00")})
    with pytest.raises(ValidationError) as refused:
        payment_allocate(actor=cast.biller, payment=made, amounts={_key(second): D("40.00")})
    assert "Only 10.00 of this payment is left to allocate." in refused.value.messages[0]
    assert PaymentAllocation.objects.count() == 1


def test_two_payments_cannot_pay_one_line_twice_over(cast):
    _, line = posted_charge(cast.client, "60.00")
    one, two = payment(cast.client, "60.00"), payment(cast.client, "60.00")
    payment_allocate(actor=cast.frontdesk, payment=one, amounts={_key(line): D("50.00")})
    with pytest.raises(ValidationError) as refused:
        payment_allocate(actor=cast.frontdesk, payment=two, amounts={_key(line): D("20.00")})
    assert refused.value.message_dict[_key(line)] == ["Only 10.00 is outstanding here."]


def test_another_clients_line_cannot_be_paid(cast):
    _, line = posted_charge(cast.client2, "60.00")
    made = payment(cast.client, "60.00")
    with pytest.raises(ValidationError) as refused:
        payment_allocate(actor=cast.frontdesk, payment=made, amounts={_key(line): D("10.00")})
    assert _key(line) in refused.value.message_dict


def test_oldest_first_pays_the_oldest_in_full_until_the_money_runs_out(client, cast):
    _, old = posted_charge(cast.client, "60.00", days_ago=30)
    _, new = posted_charge(cast.client, "60.00", days_ago=5)
    package = PackageFactory(client=cast.client, price=D("500.00"), purchased_on=today())
    made = payment(cast.client, "100.00")
    client.force_login(cast.frontdesk)
    response = client.post(_allocate_url(made), {"oldest": "1", _key(old): "abc"})
    assert response.status_code == 302
    assert PaymentAllocation.objects.get(line=old).amount == D("60.00")
    assert PaymentAllocation.objects.get(line=new).amount == D("40.00")
    assert not PaymentAllocation.objects.filter(package=package).exists()
    with pytest.raises(ValidationError, match="Nothing of this payment is left"):
        payment_allocate_oldest_first(actor=cast.frontdesk, payment=made)


def test_oldest_first_with_nothing_owed_says_so(client, cast):
    made = payment(cast.client, "100.00")
    with pytest.raises(ValidationError, match="nothing outstanding"):
        payment_allocate_oldest_first(actor=cast.frontdesk, payment=made)
    client.force_login(cast.frontdesk)
    response = client.post(_allocate_url(made), {"oldest": "1"}, follow=True)
    assert b"nothing outstanding to allocate the payment to" in response.content


def test_a_package_paid_visit_and_an_unposted_charge_are_not_offered(client, cast):
    package = PackageFactory(client=cast.client, price=D("300.00"))
    posted_charge(cast.client, "60.00", package=package)
    posted_charge(cast.client, "60.00", status="draft")
    made = payment(cast.client, "100.00")
    client.force_login(cast.frontdesk)
    response = client.get(_allocate_url(made))
    assert [t.key for t in response.context["form"].targets] == [_key(package)]


# --- taking an allocation back, refunds ------------------------------------------------------


def test_an_allocation_is_taken_back_with_a_reason(client, cast):
    _, line = posted_charge(cast.client, "60.00")
    made = payment(cast.client, "60.00")
    (allocation,) = payment_allocate(
        actor=cast.frontdesk, payment=made, amounts={_key(line): D("60.00")}
    )
    client.force_login(cast.frontdesk)
    url = reverse("billing_allocation_remove", args=[allocation.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert response.context["remove_form"].errors["reason"]
    assert PaymentAllocation.objects.exists()

    response = client.post(url, {"reason": "meant for the package"})
    assert response.status_code == 302
    assert not PaymentAllocation.objects.exists()
    entry = AuditEntry.objects.get(action="delete")
    assert "meant for the package" in entry.detail and entry.client == cast.client
    assert client_balance(cast.client).owed == D("0.00")  # 60 owed, 60 credit


def _refund_form(**overrides):
    data = {
        "amount": "40.00",
        "method": str(method("cash").pk),
        "refunded_on": today().isoformat(),
        "reason": "moving away",
    }
    return {**data, **overrides}


def test_a_refund_returns_unallocated_money_and_lowers_the_credit(client, cast):
    made = payment(cast.client, "100.00")
    client.force_login(cast.frontdesk)
    response = client.post(reverse("billing_refund_new", args=[made.pk]), _refund_form())
    assert response.status_code == 302
    assert Refund.objects.get().amount == D("40.00")
    assert client_balance(cast.client).credit == D("60.00")
    assert AuditEntry.objects.filter(action="create", object_type="billing.Refund").exists()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("amount", "60.01", "Only 60.00 of this payment is unallocated"),
        ("amount", "0", "The amount must be more than 0."),
        ("amount", "-3", "The amount cannot be negative."),
        ("reason", "", "Say why the money is returned."),
        ("refunded_on", "2999-01-01", "The refund date cannot be in the future."),
        ("method", "", "Choose how the money is returned."),
    ],
)
def test_a_bad_refund_is_refused_at_its_field(client, cast, field, typed, message):
    _, line = posted_charge(cast.client, "40.00")
    made = payment(cast.client, "100.00")
    payment_allocate(actor=cast.frontdesk, payment=made, amounts={_key(line): D("40.00")})
    client.force_login(cast.biller)
    url = reverse("billing_refund_new", args=[made.pk])
    response = client.post(url, _refund_form(**{field: typed}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Refund.objects.exists()


def test_refunding_allocated_money_says_to_take_the_allocation_back_first(cast):
    from billing.services.payments import refund_record

    _, line = posted_charge(cast.client, "60.00")
    made = payment(cast.client, "60.00")
    payment_allocate(actor=cast.frontdesk, payment=made, amounts={_key(line): D("60.00")})
    with pytest.raises(ValidationError) as refused:
        refund_record(actor=cast.frontdesk, payment=made, amount=D("10.00"),
                      method=method("cash"), reason="unhappy")  # fmt: skip
    assert "take that allocation back first" in refused.value.message_dict["amount"][0]


# --- who --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["billing_payment_new", "billing_payment_allocate", "billing_allocation_remove",
     "billing_refund_new", "billing_package_new"],
)  # fmt: skip
def test_the_pages_admit_exactly_who_may_take_payments(url_name):
    from django.urls import get_resolver

    view = get_resolver().resolve(_any_url(url_name)).func
    assert set(view.allowed_roles) == set(Can.take_payments.fget.roles)


def _any_url(url_name):
    import uuid

    from django.urls import get_resolver

    (possibility,) = get_resolver().reverse_dict.getlist(url_name)[:1]
    kwargs = {name: uuid.uuid4() for name in possibility[0][0][1]}
    return reverse(url_name, kwargs=kwargs)


def test_the_front_desk_takes_a_payment_end_to_end(client, cast):
    """Record, allocate oldest first, see the balance: the path a front desk walks."""
    posted_charge(cast.client, "60.00")
    _post_payment(client, cast, amount="80")
    made = Payment.objects.get()
    client.post(_allocate_url(made), {"oldest": "1"})
    page = client.get(reverse("billing_client", args=[cast.client.pk]))
    assert page.context["balance"].credit == D("20.00")
    assert page.context["balance"].owed == D("-20.00")
    assert b"In credit" in page.content


def test_the_front_desk_dashboard_shows_todays_payments(client, cast):
    payment(cast.client, "60.00", received_on=today())
    payment(cast.client2, "15.50", received_on=today())
    payment(cast.client, "99.00", received_on=today() - dt.timedelta(days=1))
    client.force_login(cast.frontdesk)
    response = client.get(reverse("dashboard_front_desk"))
    assert b"2 payments, 75.50 USD in all." in response.content
