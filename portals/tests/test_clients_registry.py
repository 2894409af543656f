"""Registering and editing clients, the duplicate warning, search, and the waitlist form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from clinic.models import AuditEntry, Client
from clinic.tests.factories import ClientFactory
from scheduling.models import WaitlistEntry


def _client_data(**extra):
    data = {
        "first_name": "Nora",
        "last_name": "Lindgren",
        "preferred_name": "",
        "date_of_birth": "1987-04-12",
        "email": "nora@example.test",
        "phone": "(555) 321-7788",
        "address": "4 Birch Lane",
        "emergency_contact_name": "Erik Lindgren",
        "emergency_contact_phone": "555-1000",
        "emergency_contact_relationship": "Husband",
        "primary_physician": "",
        "referral_source": "Dr. Cho",
    }
    data.update(extra)
    return data


@pytest.fixture
def desk(client, cast):
    client.force_login(cast.frontdesk)
    return client


def test_front_desk_registers_a_client(desk, cast):
    response = desk.post(
        reverse("client_new"), _client_data(primary_physician=str(cast.physician.pk))
    )
    nora = Client.objects.get(last_name="Lindgren")
    assert response["Location"] == reverse("client_detail", args=[nora.pk])
    assert nora.phone_digits == "5553217788"
    assert nora.primary_physician == cast.physician
    assert AuditEntry.objects.filter(action="create", client=nora).exists()


def test_second_registration_with_same_name_and_birth_date_warns_first(desk, cast):
    first = ClientFactory(
        user=None, first_name="Nora", last_name="Lindgren", date_of_birth=dt.date(1987, 4, 12)
    )
    response = desk.post(
        reverse("client_new"), _client_data(first_name="nora", last_name="LINDGREN")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "already registered" in html
    assert reverse("client_detail", args=[first.pk]) in html
    assert 'value="4 Birch Lane"' in html or "4 Birch Lane" in html  # nothing typed is lost
    assert Client.objects.filter(last_name__iexact="lindgren").count() == 1
    response = desk.post(reverse("client_new"), _client_data(confirm_not_duplicate="on"))
    assert response.status_code == 302
    assert Client.objects.filter(last_name__iexact="lindgren").count() == 2


@pytest.mark.parametrize(
    "change,message",
    [
        ({"date_of_birth": "2999-01-01"}, "cannot be in the future"),
        ({"date_of_birth": "12/40/1990"}, "Enter a valid date"),
        ({"first_name": ""}, "This field is required"),
        ({"email": "nora@"}, "Enter a valid email address"),
        ({"primary_physician": "00000000-0000-0000-0000-000000000000"}, "Select a valid choice"),
    ],
)
def test_bad_registration_input_is_refused_at_the_field(desk, change, message):
    response = desk.post(reverse("client_new"), _client_data(**change))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "4 Birch Lane" in response.content.decode()
    assert not Client.objects.filter(last_name="Lindgren").exists()


def test_edit_a_client_is_audited_with_the_changed_fields(desk, cast):
    data = _client_data(first_name=cast.client.first_name, last_name=cast.client.last_name)
    response = desk.post(reverse("client_edit", args=[cast.client.pk]), data)
    assert response.status_code == 302
    cast.client.refresh_from_db()
    assert cast.client.referral_source == "Dr. Cho"
    entry = AuditEntry.objects.get(action="update", client=cast.client)
    assert "referral_source" in entry.detail and "first_name" not in entry.detail


@pytest.mark.parametrize(
    "query", ["1987-04-12", "04/12/1987", "321-7788", "5553217788", "lindg", "Nora Lind"]
)
def test_search_finds_by_name_phone_or_birth_date(desk, query):
    nora = ClientFactory(
        user=None,
        first_name="Nora",
        last_name="Lindgren",
        phone="(555) 321-7788",
        date_of_birth=dt.date(1987, 4, 12),
    )
    ClientFactory(
        user=None,
        first_name="Other",
        last_name="Person",
        phone="555-0000",
        date_of_birth=dt.date(1990, 1, 1),
    )
    response = desk.post(reverse("client_list"), {"q": query})
    assert str(nora.pk) in response.content.decode()
    assert "1 client found" in response.content.decode()


def test_waitlist_entry_is_added_and_closed(desk, cast):
    today = dt.date.today()
    data = {
        "therapist": "",
        "appointment_type": "",
        "earliest_date": today.isoformat(),
        "latest_date": (today + dt.timedelta(days=10)).isoformat(),
        "earliest_time": "09:00",
        "latest_time": "12:00",
        "note": "mornings",
    }
    response = desk.post(reverse("waitlist_new", args=[cast.client.pk]), data)
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert desk.get(reverse("waitlist")).content.decode().count("mornings") == 1
    desk.post(reverse("waitlist_resolve", args=[entry.pk]), {"next": "https://evil.example/"})
    entry.refresh_from_db()
    assert entry.resolved_at is not None
    assert "mornings" not in desk.get(reverse("waitlist")).content.decode()


@pytest.mark.parametrize(
    "change,message",
    [
        ({"latest_date": "2000-01-01"}, "The end date is before the start date"),
        ({"latest_time": "08:00"}, "The latest end must be after the earliest start"),
    ],
)
def test_waitlist_bad_ranges(desk, cast, change, message):
    today = dt.date.today()
    data = {
        "earliest_date": today.isoformat(),
        "latest_date": (today + dt.timedelta(days=10)).isoformat(),
        "earliest_time": "09:00",
        "latest_time": "12:00",
        "note": "keep-me",
    }
    data.update(change)
    response = desk.post(reverse("waitlist_new", args=[cast.client.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "keep-me" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_waitlist_resolve_does_not_redirect_off_site(desk, cast):
    entry = WaitlistEntry.objects.create(
        client=cast.client,
        earliest_date=dt.date.today(),
        latest_date=dt.date.today(),
        earliest_time=dt.time(9),
        latest_time=dt.time(10),
    )
    response = desk.post(
        reverse("waitlist_resolve", args=[entry.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("waitlist")
