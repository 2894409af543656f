"""Care-team, consent and health-history writes arriving at once (a double click, two tabs),
against real PostgreSQL: the second gets a clear answer, never a 500 or a deadlock."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client as Browser
from django.urls import reverse

from clinic.models import CareTeamMember, Client
from clinic.tests.concurrency import (
    deadlocks,
    deadlocks_since,
    race,
    wait_until_another_waits_for_a_lock,
)
from clinic.tests.factories import PhysicianFactory
from intake.services import consents, history
from intake.tests.factories import HealthHistoryFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROUNDS = 4


def _post(browser: Browser, url: str, data: dict):
    return lambda: browser.post(url, data)


def test_adding_the_same_physician_twice_at_once_adds_once_and_says_so(cast):
    browsers = [Browser(), Browser()]
    for browser in browsers:
        browser.force_login(cast.therapist)
    url = reverse("client_consents", args=[cast.client.pk])
    for _ in range(ROUNDS):
        physician = PhysicianFactory()
        data = {
            "slot": "care-team",
            "care-team-physician": str(physician.pk),
            "care-team-relationship": CareTeamMember.Relationship.PRIMARY_CARE,
        }
        responses = race(*(_post(browser, url, data) for browser in browsers))

        assert not any(isinstance(r, Exception) for r in responses), responses
        assert sorted(r.status_code for r in responses) == [200, 302]
        refused = next(r for r in responses if r.status_code == 200)
        # Told by the service (both forms were valid) or by the form (the first had committed).
        assert "is already on this care team" in refused.content.decode()
        assert CareTeamMember.objects.filter(client=cast.client, physician=physician).count() == 1


def test_withdrawing_while_a_signature_holds_the_client_waits_instead_of_deadlocking(cast):
    """Stopping sharing used to lock the care-team member first and the client (through its
    audit entry) second; signing locks the client, then the member. Met halfway, each held
    what the other wanted."""
    member = CareTeamMember.objects.get(client=cast.client, physician=cast.physician)
    client_locked = threading.Event()

    def signing():  # what consent_sign_sharing locks, in its order
        with transaction.atomic():
            Client.objects.select_for_update().get(pk=cast.client.pk)
            client_locked.set()
            wait_until_another_waits_for_a_lock()
            CareTeamMember.objects.select_for_update().get(pk=member.pk)
        return "signed"

    def withdrawing():
        client_locked.wait(timeout=10)
        consents.care_team_sharing_stop(actor=cast.client_user, care_team_member=member)
        return "withdrawn"

    before = deadlocks()
    assert race(signing, withdrawing) == ["signed", "withdrawn"]
    assert deadlocks_since(before) == 0
    member.refresh_from_db()
    assert not member.is_sharing


def test_a_review_while_the_client_saves_a_new_version_reviews_the_newest_or_nothing(cast):
    """The review locked the history row, saving locks the client: a review meeting a save
    marked version 1 reviewed while version 2, saved meanwhile, stayed pending."""
    first = HealthHistoryFactory(client=cast.client)
    client_locked = threading.Event()

    def saving():  # health_history_save, holding the client until the review waits
        with transaction.atomic():
            Client.objects.select_for_update().get(pk=cast.client.pk)
            client_locked.set()
            wait_until_another_waits_for_a_lock()
            history.health_history_save(
                actor=cast.client_user,
                client=cast.client,
                data={"reason_for_visit": "Worse since Monday"},
            )
        return "saved"

    def reviewing():
        client_locked.wait(timeout=10)
        try:
            history.health_history_review(actor=cast.therapist, history=first)
        except ValidationError as refused:
            return refused.messages
        return "reviewed"

    before = deadlocks()
    assert race(saving, reviewing) == ["saved", ["A newer version exists; review that one."]]
    first.refresh_from_db()
    assert not first.is_reviewed
    assert deadlocks_since(before) == 0
