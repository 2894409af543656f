"""The NPI check digit (issue 18): Luhn over 80840 and the first nine digits (CMS)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from billing.npi import luhn_check_digit, npi_is_valid, validate_npi


def test_the_cms_example():
    # CMS's worked example: 123456789 -> check digit 3 (with the 80840 prefix).
    assert luhn_check_digit("80840123456789") == 3
    assert npi_is_valid("1234567893")


@pytest.mark.parametrize("npi", ["1234567890", "1234567894", "2234567893"])
def test_a_wrong_check_digit_or_a_changed_digit_fails(npi):
    assert not npi_is_valid(npi)


@pytest.mark.parametrize(
    "value,code",
    [
        ("123456789", "npi_format"),
        ("12345678901", "npi_format"),
        ("12345678a3", "npi_format"),
        ("1234567890", "npi_check_digit"),
    ],
)
def test_the_message_says_what_is_wrong(value, code):
    with pytest.raises(ValidationError) as caught:
        validate_npi(value)
    assert caught.value.code == code


def test_a_valid_npi_passes_the_validator():
    validate_npi("1234567893")
