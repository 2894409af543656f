from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection

from clinic.demo import ACCOUNTS, DEMO_PASSWORD
from clinic.models import CareTeamMember, Client, Physician, Therapist, User
from scheduling.models import Appointment, Room, WorkingHours


def test_healthz_up_without_broker(client, db, settings):
    settings.REDIS_URL = None
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "eager"}


def test_healthz_names_an_unreachable_broker_but_keeps_the_site_in(client, db, settings):
    # The web tier works without the broker (the outbox keeps what is owed): a load balancer
    # must not drop it; monitoring reads "degraded" and which part is down.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "down"}


def test_healthz_503_when_database_down(client, db, settings, monkeypatch):
    settings.REDIS_URL = None

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "down", "broker": "eager"}


def test_healthz_shows_no_client_data(client, cast, settings):
    settings.REDIS_URL = None
    body = client.get("/healthz").content
    assert cast.client.last_name.encode() not in body


def _counts():
    models = (User, Client, Therapist, Physician, CareTeamMember, Room, WorkingHours, Appointment)
    return tuple(m.objects.count() for m in models)


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    assert first[0] == len(ACCOUNTS)
    assert first[-1] >= 14  # two weeks of appointments for the demo therapists


@pytest.mark.django_db
def test_demo_accounts_sign_in_and_share_as_documented(client):
    call_command("seed_demo", stdout=io.StringIO())
    for username, *_ in ACCOUNTS:
        assert client.login(username=username, password=DEMO_PASSWORD), username
    karen = Client.objects.get(user__username="client")
    marcus = Client.objects.get(user__username="client2")
    assert list(Client.objects.visible_to(User.objects.get(username="physician"))) == [karen]
    assert list(Client.objects.visible_to(User.objects.get(username="physician2"))) == [marcus]


@pytest.mark.django_db
def test_seed_demo_works_on_a_database_emptied_after_its_migrations():
    """A flushed database (as between transactional tests) has lost the default appointment
    types its migrations made; the demo makes them again instead of failing."""
    from scheduling.models import AppointmentType

    AppointmentType.objects.all().delete()
    call_command("seed_demo", stdout=io.StringIO())
    names = set(AppointmentType.objects.values_list("name", flat=True))
    assert {"Initial assessment", "Treatment", "Reassessment"} <= names
    assert AppointmentType.objects.get(name="Treatment").online_for == "plan"
