"""The billing dashboard's figures, for billing staff."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Sum

from billing.models import Charge
from billing.models.money import ZERO


def billing_summary(user) -> dict:
    charges = Charge.objects.visible_to(user)
    outstanding = (
        charges.posted().with_amounts().aggregate(total=Sum("outstanding"))["total"] or ZERO
    )
    return {
        "drafts_waiting": charges.filter(status=Charge.Status.DRAFT).count(),
        "outstanding": outstanding,
        "currency": settings.CLINIC_CURRENCY,
    }
