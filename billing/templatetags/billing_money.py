"""`{% load billing_money %}`: amounts of money as the clinic writes them.

{{ payment.unallocated|money }}   60.00 (two places always: a sum read from SQLite may come
                                  back as 60 or 59.999999; never a float on the page)
"""

from __future__ import annotations

from django import template

from billing.models.money import cents

register = template.Library()


@register.filter
def money(value) -> str:
    if value is None or value == "":
        return ""
    return str(cents(value))
