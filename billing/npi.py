"""National Provider Identifier check (issue 18). An NPI is 10 digits; the last is a Luhn check
digit computed over the prefix 80840 (the US health industry's issuer number) followed by the
first nine digits (CMS, "Requirements for Check Digit Algorithm for the NPI", 2006)."""

from __future__ import annotations

from django.core.exceptions import ValidationError

NPI_PREFIX = "80840"


def luhn_check_digit(digits: str) -> int:
    """The digit that makes `digits` + it pass the Luhn (mod 10) check."""
    total = 0
    # From the right of the payload, every other digit (starting with the rightmost) doubles.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def npi_is_valid(npi: str) -> bool:
    return (
        len(npi) == 10 and npi.isdigit() and luhn_check_digit(NPI_PREFIX + npi[:9]) == int(npi[9])
    )


def validate_npi(value: str) -> None:
    """For a form or model field: the message says which of the two things is wrong."""
    if len(value) != 10 or not value.isdigit():
        raise ValidationError("An NPI is 10 digits.", code="npi_format")
    if not npi_is_valid(value):
        raise ValidationError(
            "This NPI fails its check digit: check it against the NPPES registry.",
            code="npi_check_digit",
        )
