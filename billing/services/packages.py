"""Prepaid packages (issue 18): selling one. Visits are used when a note is signed (the
charges part records `PackageUse`); the price is paid like any debt, by allocation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from billing.models import Package
from billing.services.payments import money_error
from clinic import audit
from clinic.clinic_time import today
from clinic.permissions import Can

MAX_VISITS = 100


def package_errors(
    *,
    name: str,
    visits: int | None,
    price,
    purchased_on: dt.date | None,
    expires_on: dt.date | None,
) -> dict[str, str]:
    errors = {}
    if not (name or "").strip():
        errors["name"] = "Name the package, e.g. 10 x 60-minute treatment."
    if visits is None or visits < 1:
        errors["visits"] = "A package has at least one visit."
    elif visits > MAX_VISITS:
        errors["visits"] = f"A package has at most {MAX_VISITS} visits."
    if (problem := money_error(price)) is not None:
        errors["price"] = problem
    if purchased_on is None:
        errors["purchased_on"] = "Enter the day the package was bought."
    elif purchased_on > today():
        errors["purchased_on"] = "The purchase date cannot be in the future."
    elif expires_on is not None and expires_on <= purchased_on:
        errors["expires_on"] = "The package must expire after the day it was bought."
    return errors


@transaction.atomic
def package_sell(
    *,
    actor,
    client,
    name: str,
    visits: int,
    price: Decimal,
    purchased_on: dt.date,
    expires_on: dt.date | None = None,
    appointment_type=None,
) -> Package:
    if not Can(actor).take_payments:
        raise PermissionDenied("Only the front desk and billing staff sell packages.")
    errors = package_errors(
        name=name, visits=visits, price=price, purchased_on=purchased_on, expires_on=expires_on
    )
    if errors:
        raise ValidationError(errors)
    package = Package.objects.create(
        client=client,
        name=name.strip(),
        appointment_type=appointment_type,
        visits=visits,
        price=price,
        purchased_on=purchased_on,
        expires_on=expires_on,
        sold_by=actor,
    )
    audit.record(
        actor=actor,
        action="create",
        client=client,
        target=package,
        detail=f"package sold: {package.name}, {visits} visits, {price}",
    )
    return package
