"""The hidden one-time token of a create form (clinic/submissions.py)."""

from __future__ import annotations

import uuid

from django import template

from clinic.submissions import FIELD, posted_token

register = template.Library()


@register.inclusion_tag("clinic/_submission_token.html")
def submission_token(form=None) -> dict:
    """`form` shown again with its errors (bound) keeps the token it was posted with, so the
    corrected submit still saves once; any other render gets a new token, made here in
    Python rather than in the database, so showing a form costs no query."""
    posted = posted_token(form.data) if form is not None and form.is_bound else None
    return {"name": FIELD, "token": posted or uuid.uuid4()}
