"""The seeded codes and what each technique bills as (issue 18, codes as data)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import BillingCode, Modifier, TechniqueBillingCode


def test_the_massage_codes_are_seeded_with_their_kind(db):
    kinds = {code.code: code.kind for code in BillingCode.objects.all()}
    assert kinds == {"97010": "untimed", "97112": "timed", "97124": "timed", "97140": "timed"}
    assert all(isinstance(c.self_pay_fee, Decimal) for c in BillingCode.objects.all())
    assert set(Modifier.objects.values_list("code", flat=True)) == {"GP", "59"}


@pytest.mark.parametrize(
    "technique,code",
    [("swedish", "97124"), ("deep_tissue", "97124"), ("trigger_point", "97140"),
     ("myofascial_release", "97140")],
)  # fmt: skip
def test_techniques_bill_as_their_code(db, technique, code):
    link = TechniqueBillingCode.objects.get(technique__key=technique)
    assert link.billing_code.code == code


def test_a_code_that_is_not_five_digits_is_refused_at_its_field(db):
    code = BillingCode(
        code="9712", description="x", kind="timed", self_pay_fee=Decimal("1"), source="x"
    )
    with pytest.raises(ValidationError) as caught:
        code.full_clean()
    assert caught.value.message_dict["code"] == ["A CPT code is five digits."]
