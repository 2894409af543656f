"""Forms of money received and owed (issue 18): payments, their allocation, refunds, packages,
and the reasons for taking an allocation back or voiding an invoice. They parse input and
show each rule's message at its field; the rules themselves are the services' (the forms ask
the same functions), so a page and a script are refused alike."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from billing.models import Payer, PaymentMethod
from billing.models.money import cents
from billing.selectors.payments import Target
from billing.services.packages import MAX_VISITS, package_errors
from billing.services.payments import money_error, payment_errors, refund_too_much
from clinic.clinic_time import today
from clinic.dates import DateRange
from clinic.forms import DateInput
from scheduling.models import AppointmentType

AMOUNT_HELP = "In dollars and cents, e.g. 60 or 60.00."
# Which dates make sense (clinic/dates.py): money received or returned up to today, a
# package's expiry within a few years.
RECEIVED = DateRange(
    "The date received", years_back=10, too_late="The date received cannot be in the future."
)
REFUNDED = DateRange(
    "The refund date", years_back=10, too_late="The refund date cannot be in the future."
)
BOUGHT = DateRange(
    "The purchase date", years_back=10, too_late="The purchase date cannot be in the future."
)
EXPIRES = DateRange("The expiry date", years_back=10, years_ahead=10)


class MoneyField(forms.DecimalField):
    """An amount of money as typed: a text box (what was typed comes back as typed on an
    error), one clear message for anything that is not a positive amount in cents."""

    default_error_messages = {"invalid": "Enter an amount such as 60 or 60.00."}

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values and (problem := money_error(value)) is not None:
            raise forms.ValidationError(problem, code="amount")


class _RuleErrors:
    """Add a service's rule messages ({field: message}) to the fields that have no error yet
    (a field that did not parse already says why)."""

    def add_rule_errors(self, errors: dict[str, str]) -> None:
        for field, message in errors.items():
            if field not in self.errors:
                self.add_error(field, message)


class PaymentForm(_RuleErrors, forms.Form):
    method = forms.ModelChoiceField(
        queryset=PaymentMethod.objects.filter(is_active=True),
        empty_label="Choose a method",
        error_messages={"required": "Choose how the payment was made."},
    )
    amount = MoneyField(help_text=AMOUNT_HELP, error_messages={"required": "Enter an amount."})
    received_on = forms.DateField(
        label="Received on",
        widget=DateInput,
        validators=[RECEIVED],
        error_messages={"required": "Enter the date the payment was received."},
    )
    reference = forms.CharField(
        max_length=60,
        required=False,
        help_text="Check number, EOB or remittance reference (needed for checks and "
        "insurance payments).",
    )
    payer = forms.ModelChoiceField(
        queryset=Payer.objects.filter(is_active=True),
        required=False,
        empty_label="Not an insurance payment",
        help_text="For an insurance payment: who paid.",
    )
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"received_on": today()})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        self.add_rule_errors(
            payment_errors(
                method=data.get("method"),
                amount=data.get("amount"),
                received_on=data.get("received_on"),
                reference=data.get("reference", ""),
                payer=data.get("payer"),
            )
        )
        return data


class AllocationForm(forms.Form):
    """One amount per line or package the client still owes on; blank means none."""

    def __init__(self, *args, targets: list[Target], unallocated: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets
        self.unallocated = unallocated
        for target in targets:
            self.fields[target.key] = MoneyField(
                required=False,
                label=f"{target.label} (outstanding {cents(target.outstanding)})",
            )

    def rows(self):
        """(target, bound field) pairs, for the template's table."""
        return [(target, self[target.key]) for target in self.targets]

    def clean(self):
        data = super().clean()
        total = Decimal("0.00")
        for target in self.targets:
            amount = data.get(target.key)
            if amount is None or target.key in self.errors:
                continue
            if amount > target.outstanding:
                self.add_error(target.key, f"Only {cents(target.outstanding)} is outstanding here.")
            total += amount
        if self.errors:
            return data
        if total == 0:
            raise forms.ValidationError(
                "Enter an amount to allocate to at least one line or package."
            )
        if total > self.unallocated:
            raise forms.ValidationError(
                f"Only {cents(self.unallocated)} of this payment is left to allocate. "
                f"The amounts entered add up to {cents(total)}."
            )
        return data

    def amounts(self) -> dict[str, Decimal]:
        return {key: value for key, value in self.cleaned_data.items() if value is not None}


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=300, error_messages={"required": "Give the reason; it is kept."}
    )


class RefundForm(forms.Form):
    amount = MoneyField(help_text=AMOUNT_HELP, error_messages={"required": "Enter an amount."})
    method = forms.ModelChoiceField(
        queryset=PaymentMethod.objects.filter(is_active=True),
        empty_label="Choose a method",
        label="Returned by",
        error_messages={"required": "Choose how the money is returned."},
    )
    refunded_on = forms.DateField(label="Refunded on", widget=DateInput, validators=[REFUNDED])
    reason = forms.CharField(
        max_length=300, error_messages={"required": "Say why the money is returned."}
    )

    def __init__(self, *args, unallocated: Decimal, **kwargs):
        kwargs.setdefault("initial", {"refunded_on": today()})
        super().__init__(*args, **kwargs)
        self.unallocated = unallocated

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount > self.unallocated:
            raise forms.ValidationError(refund_too_much(self.unallocated))
        return amount


class PackageForm(_RuleErrors, forms.Form):
    name = forms.CharField(
        max_length=120, initial="10 x 60-minute treatment", help_text="As the client sees it."
    )
    appointment_type = forms.ModelChoiceField(
        queryset=AppointmentType.objects.filter(is_active=True),
        required=False,
        empty_label="Any type",
        help_text="The visits it pays for.",
    )
    visits = forms.IntegerField(
        min_value=1,
        max_value=MAX_VISITS,
        error_messages={
            "min_value": "A package has at least one visit.",
            "max_value": f"A package has at most {MAX_VISITS} visits.",
            "invalid": "Enter a whole number of visits.",
        },
    )
    price = MoneyField(help_text=AMOUNT_HELP, error_messages={"required": "Enter the price."})
    purchased_on = forms.DateField(label="Bought on", widget=DateInput, validators=[BOUGHT])
    expires_on = forms.DateField(
        label="Expires on",
        widget=DateInput,
        required=False,
        validators=[EXPIRES],
        help_text="Optional.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"purchased_on": today(), "visits": 10})
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        self.add_rule_errors(
            package_errors(
                name=data.get("name", ""),
                visits=data.get("visits"),
                price=data.get("price"),
                purchased_on=data.get("purchased_on"),
                expires_on=data.get("expires_on"),
            )
        )
        return data
