"""How much text each kind of field holds, named once, and the pieces that enforce it.

A TextField has no length in the database, so without a limit a pasted 100,000-character
address is saved and makes a page 55,000 px tall. `LimitedTextField` carries its limit to the
form (a `Textarea` with maxlength, and a message that says the limit and the length typed);
`length_check` puts the same limit in the database as a CheckConstraint."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.deconstruct import deconstructible

NAME = 100
ADDRESS = 300
SHORT_TEXT = 2_000  # a reason, a goal, a question, a diagnosis
LONG_TEXT = 5_000  # findings, home care, an addendum, a physician's response
SOAP_SECTION = 10_000
DOCUMENT = 20_000  # a consent text, written by the clinic


@deconstructible
class TooLong(MaxLengthValidator):
    """ "At most 5,000 characters (you wrote 100,000)."""

    def __call__(self, value):
        limit, length = self.limit_value, len(value)
        if length > limit:
            raise self.too_long(limit, length)

    @staticmethod
    def too_long(limit: int, length: int) -> ValidationError:
        return ValidationError(
            f"At most {limit:,} characters (you wrote {length:,}). Please shorten it.",
            code="max_length",
        )


def friendly_length_messages(field):
    """Swap Django's "Ensure this value has at most ..." for the clinic's message."""
    field.validators = [
        TooLong(v.limit_value) if type(v) is MaxLengthValidator else v for v in field.validators
    ]
    return field


def friendly_form_limits(form) -> None:
    """The clinic's too-long message on every field of `form`."""
    for field in form.fields.values():
        friendly_length_messages(field)


def text_field(limit: int, **kwargs) -> forms.CharField:
    """A form field of at most `limit` characters, with the clinic's too-long message."""
    return friendly_length_messages(forms.CharField(max_length=limit, **kwargs))


class LimitedTextField(models.TextField):
    """A TextField whose `max_length` the form enforces with a clear message (Django's
    TextField passes max_length to the form but never checks it itself)."""

    def formfield(self, **kwargs):
        field = super().formfield(**kwargs)
        return friendly_length_messages(field) if field is not None else None


def length_check(model: str, field: str, limit: int) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=LessThanOrEqual(Length(field), limit),
        name=f"{model}_{field}_length",
        violation_error_message=f"At most {limit:,} characters.",
    )


# Digits, spaces, + - ( ) . and an optional extension ("x12", "ext. 12").
PHONE_PATTERN = r"^\+?[0-9 ()./-]{3,30}(\s*(x|ext\.?)\s*[0-9]{1,6})?$"
phone_characters = RegexValidator(
    PHONE_PATTERN,
    message="Use digits, spaces and + - ( ) . only, with an optional extension "
    "(e.g. +1 (555) 010-0123 ext. 12).",
    code="phone",
    flags=re.IGNORECASE,
)
