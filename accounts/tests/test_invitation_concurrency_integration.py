"""An invitation link followed twice at once (a double click on "Create my account"), and a
resend racing an accept, against real PostgreSQL: one account, a clear page for the other
request, no deadlock."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import transaction
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, token_hash
from accounts.services import invitations as services
from clinic.models import Client, User
from clinic.roles import Role
from clinic.tests.concurrency import (
    deadlocks,
    deadlocks_since,
    race,
    wait_until_another_waits_for_a_lock,
)
from clinic.tests.factories import ClientFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PASSWORD = "quiet-river-stones-2026"
ROUNDS = 4
BORN = dt.date(1984, 3, 9)  # every invitee's date of birth, typed to accept


def _sent_invitation(cast, n: int) -> tuple[Client, str]:
    """A client with an invitation whose mail went out with the link's token (made here, so
    the test does not depend on how mails are delivered)."""
    person = ClientFactory(user=None, email=f"invitee{n}@example.test", date_of_birth=BORN)
    token = f"link-token-{n}"
    Invitation.objects.create(
        client=person,
        email=person.email,
        role=Role.CLIENT,
        created_by=cast.frontdesk,
        expires_at=timezone.now() + dt.timedelta(days=7),
        token_hash=token_hash(token),
        sent_at=timezone.now(),
    )
    return person, token


def _accept(token: str, username: str):
    url = reverse("invitation_accept", kwargs={"token": token})
    form = {
        "username": username,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "date_of_birth": BORN.isoformat(),
    }
    return lambda: Browser().post(url, form)


def test_the_same_account_form_sent_twice_at_once_makes_one_account(cast):
    before = deadlocks()
    for n in range(ROUNDS):
        person, token = _sent_invitation(cast, n)
        responses = race(_accept(token, f"invitee{n}"), _accept(token, f"invitee{n}"))

        assert not any(isinstance(r, Exception) for r in responses), responses
        assert sorted(r.status_code for r in responses) == [302, 410]
        used = next(r for r in responses if r.status_code == 410).content.decode()
        assert "This invitation link has already been used" in used  # not "username taken"
        person.refresh_from_db()
        assert person.user == User.objects.get(username=f"invitee{n}")
    assert deadlocks_since(before) == 0


def test_a_resend_racing_an_accept_waits_instead_of_deadlocking(cast):
    """Accepting used to lock the invitation first and the person second; sending a new
    invitation locks the person, then revokes the open invitation."""
    person, token = _sent_invitation(cast, 0)
    person_locked = threading.Event()

    def resending():  # what invitation_send locks, in its order
        with transaction.atomic():
            Client.objects.select_for_update().get(pk=person.pk)
            person_locked.set()
            wait_until_another_waits_for_a_lock()
            Invitation.objects.open().filter(client=person).update(revoked_at=timezone.now())
        return "resent"

    def accepting():
        person_locked.wait(timeout=10)
        try:
            services.invitation_accept(
                token=token, username="invitee", password=PASSWORD, date_of_birth=BORN
            )
        except services.InvitationUnavailable as gone:
            return gone.reason
        return "accepted"

    before = deadlocks()
    assert race(resending, accepting) == ["resent", services.REVOKED]
    assert deadlocks_since(before) == 0
    assert not User.objects.filter(username="invitee").exists()
