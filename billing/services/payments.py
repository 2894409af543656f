"""Money received and returned (issue 18): recording a payment, allocating it to charge lines
and packages, taking an allocation back, refunding.

Each write is one transaction that first locks the payment (`select_for_update`), then reads
its amounts again: two clerks allocating the same payment at once are served one after the
other, and the second sees what the first allocated. Lines and packages allocated to are
locked too, so two payments cannot pay one line twice over. (On SQLite the whole database is
written by one transaction at a time: `transaction_mode="IMMEDIATE"`.)

Rules are checked here, whatever the form checked: a bad amount is a `ValidationError` keyed
by the field (or by the allocation target's key) so the page shows it where it was typed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction

from billing.models import (
    ChargeLine,
    Package,
    Payer,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Refund,
)
from billing.models.money import CENT, ZERO, cents
from billing.selectors.payments import Target, allocation_targets, payment_with_amounts
from clinic import audit
from clinic.clinic_time import today
from clinic.permissions import Can

MAX_AMOUNT = Decimal("99999999.99")


def _require_cashier(actor) -> None:
    if not Can(actor).take_payments:
        raise PermissionDenied("Only the front desk and billing staff take payments.")


def money_error(amount) -> str | None:
    """Why `amount` is not an amount of money to receive, allocate or refund (None: it is)."""
    if amount is None:
        return "Enter an amount."
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return "Enter an amount such as 60 or 60.00."
    if amount < ZERO:
        return "The amount cannot be negative."
    if amount == ZERO:
        return "The amount must be more than 0."
    if amount > MAX_AMOUNT:  # before rounding: 1E+30 has more digits than a quantize allows
        return "This amount is too large."
    if amount != amount.quantize(CENT):
        return "Enter the amount in cents at most, with no more than two decimal places."
    return None


def payment_errors(
    *,
    method: PaymentMethod | None,
    amount,
    received_on: dt.date | None,
    reference: str = "",
    payer: Payer | None = None,
) -> dict[str, str]:
    """Every reason the payment cannot be recorded, by field."""
    errors = {}
    if method is None or not method.is_active:
        errors["method"] = "Choose how the payment was made."
    elif method.reference_label and not reference.strip():
        errors["reference"] = f"Enter the {method.reference_label.lower()} for a {method} payment."
    if method is not None and method.kind == PaymentMethod.Kind.INSURANCE and payer is None:
        errors["payer"] = "Choose the payer who sent this payment."
    if (problem := money_error(amount)) is not None:
        errors["amount"] = problem
    if received_on is None:
        errors["received_on"] = "Enter the date the payment was received."
    elif received_on > today():
        errors["received_on"] = "The date received cannot be in the future."
    return errors


@transaction.atomic
def payment_record(
    *,
    actor,
    client,
    method: PaymentMethod,
    amount: Decimal,
    received_on: dt.date,
    reference: str = "",
    payer: Payer | None = None,
    note: str = "",
) -> Payment:
    _require_cashier(actor)
    errors = payment_errors(
        method=method, amount=amount, received_on=received_on, reference=reference, payer=payer
    )
    if errors:
        raise ValidationError(errors)
    payment = Payment.objects.create(
        client=client,
        method=method,
        amount=amount,
        received_on=received_on,
        reference=reference.strip(),
        payer=payer if method.kind == PaymentMethod.Kind.INSURANCE else None,
        note=note.strip(),
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        client=client,
        target=payment,
        detail=f"payment {amount} by {method.code}",
    )
    return payment


def _locked(payment: Payment) -> Payment:
    """The payment locked for this transaction, read again with its amounts."""
    Payment.objects.select_for_update().filter(pk=payment.pk).exists()
    return payment_with_amounts(payment.pk)


def _left_message(left: Decimal) -> str:
    if left <= ZERO:
        return "Nothing of this payment is left to allocate."
    return f"Only {cents(left)} of this payment is left to allocate."


@transaction.atomic
def payment_allocate(*, actor, payment: Payment, amounts: dict[str, Decimal]) -> list:
    """Allocate `amounts` ({target key: amount}, keys from `allocation_targets`) of the
    payment. All or nothing: any refused amount refuses the lot, each error at its key."""
    _require_cashier(actor)
    payment = _locked(payment)
    amounts = {key: amount for key, amount in amounts.items() if amount not in (None, ZERO)}
    targets = _locked_targets(payment, keys=amounts)
    errors = {}
    for key, amount in amounts.items():
        target = targets.get(key)
        if target is None:
            errors[key] = "This no longer owes anything: it cannot take a payment."
        elif (problem := money_error(amount)) is not None:
            errors[key] = problem
        elif amount > target.outstanding:
            errors[key] = f"Only {cents(target.outstanding)} is outstanding here."
    if not errors and not amounts:
        errors[NON_FIELD_ERRORS] = "Enter an amount to allocate to at least one line or package."
    total = sum((a for a in amounts.values() if isinstance(a, Decimal)), ZERO)
    if not errors and total > payment.unallocated:
        errors[NON_FIELD_ERRORS] = (
            f"{_left_message(payment.unallocated)} The amounts entered add up to {cents(total)}."
        )
    if errors:
        raise ValidationError(errors)
    return [_allocate(actor, payment, targets[key], amount) for key, amount in amounts.items()]


@transaction.atomic
def payment_allocate_oldest_first(*, actor, payment: Payment) -> list:
    """Allocate what is left of the payment to the client's oldest outstanding lines and
    packages, each up to what it owes, until the payment or the debts run out."""
    _require_cashier(actor)
    payment = _locked(payment)
    left = payment.unallocated
    if left <= ZERO:
        raise ValidationError(_left_message(left))
    targets = _locked_targets(payment)
    if not targets:
        raise ValidationError("This client has nothing outstanding to allocate the payment to.")
    made = []
    for target in targets.values():  # oldest first
        if left <= ZERO:
            break
        amount = min(left, target.outstanding)
        made.append(_allocate(actor, payment, target, amount))
        left -= amount
    return made


def _locked_targets(payment: Payment, *, keys=None) -> dict[str, Target]:
    """{key: Target} of what the payment may pay, oldest first, after locking those rows."""
    targets = allocation_targets(payment)
    wanted = [t for t in targets if keys is None or t.key in keys]
    # Lock in a fixed order (by id), so two transactions never wait for each other in a circle.
    line_ids = sorted(t.pk for t in wanted if t.kind == "line")
    package_ids = sorted(t.pk for t in wanted if t.kind == "package")
    if line_ids:
        list(ChargeLine.objects.select_for_update().filter(pk__in=line_ids).order_by("pk"))
    if package_ids:
        list(Package.objects.select_for_update().filter(pk__in=package_ids).order_by("pk"))
    if wanted:  # read again now that the rows are ours: another payment may have paid them
        targets = allocation_targets(payment)
    return {t.key: t for t in targets if keys is None or t.key in keys}


def _allocate(actor, payment: Payment, target: Target, amount: Decimal) -> PaymentAllocation:
    allocation = PaymentAllocation.objects.create(
        payment=payment,
        line_id=target.pk if target.kind == "line" else None,
        package_id=target.pk if target.kind == "package" else None,
        amount=amount,
        allocated_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        client=payment.client,
        target=allocation,
        detail=f"allocated {amount} of payment {payment.pk} to {target.label}"[:300],
    )
    return allocation


@transaction.atomic
def allocation_remove(*, actor, allocation: PaymentAllocation, reason: str) -> Payment:
    """Take an allocation back (the money is unallocated again), with the reason kept in the
    audit trail. The way to refund money that paid a line: remove, then refund."""
    _require_cashier(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why this allocation is taken back."})
    payment = _locked(allocation.payment)
    allocation = PaymentAllocation.objects.select_for_update().filter(pk=allocation.pk).first()
    if allocation is None:
        raise ValidationError("This allocation was already taken back.")
    detail = f"allocation of {allocation.amount} taken back: {reason}"
    audit.record(
        actor=actor, action="delete", client=payment.client, target=allocation, detail=detail
    )
    allocation.delete()
    return payment


@transaction.atomic
def refund_record(
    *,
    actor,
    payment: Payment,
    amount: Decimal,
    method: PaymentMethod,
    reason: str,
    refunded_on: dt.date | None = None,
) -> Refund:
    """Return money of a payment that is not allocated (at most its unallocated amount)."""
    _require_cashier(actor)
    payment = _locked(payment)
    refunded_on = refunded_on or today()
    errors = {}
    if (problem := money_error(amount)) is not None:
        errors["amount"] = problem
    elif amount > payment.unallocated:
        errors["amount"] = refund_too_much(payment.unallocated)
    if method is None or not method.is_active:
        errors["method"] = "Choose how the money is returned."
    if not (reason or "").strip():
        errors["reason"] = "Say why the money is returned."
    if refunded_on > today():
        errors["refunded_on"] = "The refund date cannot be in the future."
    elif refunded_on < payment.received_on:
        errors["refunded_on"] = "The refund cannot be before the payment was received."
    if errors:
        raise ValidationError(errors)
    refund = Refund.objects.create(
        payment=payment,
        method=method,
        amount=amount,
        refunded_on=refunded_on,
        reason=reason.strip(),
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        client=payment.client,
        target=refund,
        detail=f"refund {amount} of payment {payment.pk} by {method.code}",
    )
    return refund


def refund_too_much(unallocated: Decimal) -> str:
    if unallocated <= ZERO:
        return (
            "Nothing of this payment is unallocated. To refund money that paid a charge, "
            "take that allocation back first."
        )
    return (
        f"Only {cents(unallocated)} of this payment is unallocated and can be refunded. To refund "
        "money that paid a charge, take that allocation back first."
    )
