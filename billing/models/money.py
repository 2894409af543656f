"""Money as the billing models store it: `Decimal` with two places, in the clinic's currency
(`settings.CLINIC_CURRENCY`), never a float."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def money_field(*, positive: bool = False, **kwargs) -> models.DecimalField:
    """An amount of money: up to 99,999,999.99, never negative (`positive`: more than 0)."""
    floor = CENT if positive else ZERO
    kwargs.setdefault("validators", [MinValueValidator(floor)])
    return models.DecimalField(max_digits=10, decimal_places=2, **kwargs)


def cents(amount) -> Decimal:
    """`amount` rounded to the cent (half up, as a till does)."""
    from decimal import ROUND_HALF_UP

    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
