"""One record per create form, however often the form is submitted.

A double click, a second tab or the browser's "resend" posts a create form twice. Each create
form carries a one-time token, made in Python when the page is rendered
(`{% submission_token form %}`, clinic/templatetags/submission_tags.py). The view, decorated
with `@creates_once`, writes the token in the same transaction as the record it makes, with
where that record lives (`saved(redirect(...))`). A second POST with that token makes nothing
and is sent to the first result with "This was already saved; here it is."

Why the token is claimed before the view runs: two submits at the same moment both find no
token yet. The first inserts it and goes on; the second's insert of the same primary key waits
for the first transaction (PostgreSQL's unique index; SQLite's write lock) and then fails, so
it never reaches the service: no second record, no mail owed twice, no "That time is taken"
for the user's own booking. A submit that saves nothing (a validation error) gives its claim
back, so the corrected form, which keeps its token, still saves once.

A POST without a token (a page from before this, a script) works as it always did.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils import timezone

from clinic.models import FormSubmission

FIELD = "submission_token"
ALREADY_SAVED = "This was already saved; here it is."
# How long a repeat is recognised. A resend from a page older than this makes a new record;
# a month covers a tab left open over a holiday and keeps the table at a few thousand rows.
KEEP = dt.timedelta(days=30)
_SAVED = "_clinic_submission_saved"


def posted_token(data) -> uuid.UUID | None:
    """The token in a POST (or a bound form's data); None when missing or not a UUID."""
    try:
        return uuid.UUID(str(data.get(FIELD, "")))
    except ValueError:
        return None


def saved(response: HttpResponseRedirect) -> HttpResponseRedirect:
    """Mark the redirect to what this submit made: a repeat of the submit is sent there."""
    setattr(response, _SAVED, True)
    return response


def creates_once(view):
    """For a view whose POST creates a record and then returns `saved(redirect(...))`."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = posted_token(request.POST) if request.method == "POST" else None
        if token is None or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        first = _first_result(request.user, token)
        if first is None:
            response = _run_claimed(request, token, lambda: view(request, *args, **kwargs))
            if response is not None:
                return response
            first = _first_result(request.user, token)  # the twin that claimed it committed
            if not first:  # the twin saved nothing after all: this submit is the first
                return view(request, *args, **kwargs)
        messages.info(request, ALREADY_SAVED)
        return redirect(first)

    return wrapper


def _first_result(user, token: uuid.UUID) -> str | None:
    rows = FormSubmission.objects.filter(user=user, token=token)
    return rows.values_list("result_url", flat=True).first()


def _run_claimed(request, token: uuid.UUID, run):
    """Claim the token, then run the view in the same transaction. None when a twin request
    claimed the token first (and has committed, or the insert would still be waiting)."""
    with transaction.atomic():
        if not _claim(request.user, token):
            return None
        response = run()
        claim = FormSubmission.objects.filter(user=request.user, token=token)
        if getattr(response, _SAVED, False):
            claim.update(result_url=response.url)
        else:
            claim.delete()  # nothing was made: the corrected form, same token, may save
        return response


def _claim(user, token: uuid.UUID) -> bool:
    try:
        with transaction.atomic():  # a savepoint: the failed insert leaves ours usable
            FormSubmission.objects.create(user=user, token=token)
    except IntegrityError:
        return False
    return True


def form_submissions_purge(*, now: dt.datetime | None = None) -> int:
    """Forget tokens older than KEEP; returns how many rows went."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
