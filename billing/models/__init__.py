"""Billing's models (issue 18), one module per part: codes and fees, payers, coverage and
authorizations, the billing identity, charges, and money received."""

from billing.models.charges import MAX_DIAGNOSES, Charge, ChargeLine, ChargeLineEdit, CreditNote
from billing.models.codes import BillingCode, Modifier, TechniqueBillingCode
from billing.models.coverage import Authorization, Coverage
from billing.models.payers import AppointmentTypeFee, Payer, PayerFee, PayerType, UnitRule
from billing.models.payments import (
    Invoice,
    Package,
    PackageUse,
    Payment,
    PaymentAllocation,
    PaymentMethod,
    Refund,
)
from billing.models.provider import ClinicBilling, TherapistBilling

__all__ = [
    "MAX_DIAGNOSES",
    "AppointmentTypeFee",
    "Authorization",
    "BillingCode",
    "Charge",
    "ChargeLine",
    "ChargeLineEdit",
    "ClinicBilling",
    "Coverage",
    "CreditNote",
    "Invoice",
    "Modifier",
    "Package",
    "PackageUse",
    "Payer",
    "PayerFee",
    "PayerType",
    "Payment",
    "PaymentAllocation",
    "PaymentMethod",
    "Refund",
    "TechniqueBillingCode",
    "TherapistBilling",
    "UnitRule",
]
