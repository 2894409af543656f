"""What each role sees of a client on the client's page (clinic/selectors.py): the
front desk gets demographics and contacts with no clinical field and no way to one; a
physician the name and birth date; nobody gets the model row, whose reverse relations lead to
every clinical record."""

from __future__ import annotations

import dataclasses

import pytest
from django.db.models import Model
from django.urls import reverse

from clinic.models import Client
from clinic.selectors import ClientIdentity, ClientRecord
from intake.tests.factories import HealthHistoryFactory
from sessions_log.tests.factories import SessionNoteFactory

# The demographic columns of Client (DESIGN.md: demographics, contacts) a page may show.
DEMOGRAPHICS = {
    "pk",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "primary_physician",
    "referral_source",
    "user_id",
}
CLINICAL_RELATIONS = ("health_histories", "session_notes", "assessments", "consents")


def _clinical_records(cast):
    HealthHistoryFactory(client=cast.client, allergies="ALLERGY-latex")
    SessionNoteFactory(appointment__client=cast.client, subjective="SUBJECTIVE-headaches")


def _page_client(client, user, cast):
    client.force_login(user)
    response = client.get(reverse("client_detail", args=[cast.client.pk]))
    assert response.status_code == 200
    return response.context["client"], response


def test_the_front_desk_gets_no_clinical_data(client, cast):
    _clinical_records(cast)
    shown, response = _page_client(client, cast.frontdesk, cast)
    assert type(shown) is ClientRecord and not isinstance(shown, Model)
    assert {f.name for f in dataclasses.fields(shown)} <= DEMOGRAPHICS
    for relation in CLINICAL_RELATIONS:
        assert not hasattr(shown, relation), relation
    held = repr(dataclasses.asdict(shown))
    page = response.content.decode()
    for text in ("ALLERGY-latex", "SUBJECTIVE-headaches"):
        assert text not in held and text not in page
    # What the front desk may see of the intake: complete or missing.
    assert "Consent status" in page and shown.email == cast.client.email


def test_a_physician_gets_name_and_birth_date(client, cast):
    Client.objects.filter(pk=cast.client.pk).update(phone="555-0199", email="pat@example.test")
    shown, response = _page_client(client, cast.physician_user, cast)
    assert type(shown) is ClientIdentity
    assert {f.name for f in dataclasses.fields(shown)} == {
        "pk",
        "first_name",
        "last_name",
        "date_of_birth",
    }
    page = response.content.decode()
    assert "555-0199" not in page and "pat@example.test" not in page


@pytest.mark.parametrize("role", ["admin", "therapist"])
def test_clinicians_get_the_record_too(client, cast, role):
    shown, _ = _page_client(client, getattr(cast, role), cast)
    assert type(shown) is ClientRecord
    row = Client.objects.get(pk=cast.client.pk)
    assert (shown.first_name, shown.phone, shown.address) == (
        row.first_name,
        row.phone,
        row.address,
    )
    assert str(shown) == str(row)
