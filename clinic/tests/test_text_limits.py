"""Every text has a limit, in the form (a message with the limit and the length typed, the
rest of the form kept) and in the database (a CheckConstraint on TextFields)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from clinic import text_limits
from clinic.forms import ClientContactsForm
from clinic.models import Client
from clinic.tests.factories import ClientFactory
from portals.tests.test_clients_registry import _client_data


def test_a_100000_character_address_is_refused_and_the_rest_is_kept(client, cast):
    client.force_login(cast.frontdesk)
    response = client.post(reverse("client_new"), _client_data(address="x" * 100_000))
    assert response.status_code == 200
    errors = response.context["form"].errors["address"]
    assert errors == ["At most 300 characters (you wrote 100,000). Please shorten it."]
    page = response.content.decode()
    assert 'value="Nora"' in page and 'value="Lindgren"' in page and "Dr. Cho" in page
    assert not Client.objects.filter(last_name="Lindgren").exists()


def test_a_too_long_name_says_its_limit(cast):
    form = ClientContactsForm(data={"emergency_contact_name": "y" * 250})
    assert not form.is_valid()
    assert form.errors["emergency_contact_name"] == [
        "At most 200 characters (you wrote 250). Please shorten it."
    ]


@pytest.mark.parametrize(
    "phone", ["(555) 321-7788", "+1 555.321.7788", "555-0101 ext. 12", "555 0101 x12"]
)
def test_phone_numbers_in_their_usual_shapes_are_accepted(client, cast, phone):
    client.force_login(cast.frontdesk)
    response = client.post(reverse("client_new"), _client_data(phone=phone))
    assert response.status_code == 302
    assert Client.objects.get(last_name="Lindgren").phone == phone


@pytest.mark.parametrize("phone", ["call after 5", "<b>555</b>", "555;0101", "12"])
def test_a_phone_with_other_characters_is_refused_at_the_field(client, cast, phone):
    client.force_login(cast.frontdesk)
    data = _client_data(phone=phone, emergency_contact_phone=phone)
    response = client.post(reverse("client_new"), data)
    assert response.status_code == 200
    form = response.context["form"]
    for name in ("phone", "emergency_contact_phone"):
        assert "Use digits, spaces and + - ( ) . only" in form.errors[name][0]


def test_the_database_refuses_an_address_over_the_limit(db):
    client = ClientFactory()
    client.address = "x" * (text_limits.ADDRESS + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        client.save()
    client.address = "x" * text_limits.ADDRESS
    client.save()
