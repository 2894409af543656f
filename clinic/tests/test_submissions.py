"""The one-time token of create forms (clinic/submissions.py), through client registration:
a repeated submit makes one record and is sent to it; a validation error keeps the token; a
POST without a token works as before; tokens are per user and purged after a month."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from clinic.models import Client, FormSubmission
from clinic.submissions import FIELD, KEEP, form_submissions_purge
from clinic.tests.submissions import is_already_saved, said, token_in
from portals.tests.test_clients_registry import _client_data


@pytest.fixture
def desk(client, cast):
    client.force_login(cast.frontdesk)
    return client


def _registered() -> list[Client]:
    return list(Client.objects.filter(last_name="Lindgren"))


def test_each_showing_of_a_create_form_carries_a_new_token(desk):
    first = token_in(desk.get(reverse("client_new")))
    second = token_in(desk.get(reverse("client_new")))
    assert first != second
    assert uuid.UUID(first).version == 4


def test_the_token_is_made_in_python_without_a_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        html = Template("{% load submission_tags %}{% submission_token %}").render(Context())
    assert f'type="hidden" name="{FIELD}"' in html


def test_registering_twice_with_one_token_registers_once_and_sends_the_second_there(desk):
    data = {**_client_data(), FIELD: token_in(desk.get(reverse("client_new")))}
    first = desk.post(reverse("client_new"), data)
    second = desk.post(reverse("client_new"), data)

    [nora] = _registered()
    assert first["Location"] == reverse("client_detail", args=[nora.pk])
    assert is_already_saved(second, first["Location"])


def test_a_validation_error_keeps_the_token_and_what_was_typed(desk):
    token = token_in(desk.get(reverse("client_new")))
    refused = desk.post(
        reverse("client_new"), {**_client_data(date_of_birth="12/04"), FIELD: token}
    )
    assert refused.status_code == 200 and token_in(refused) == token
    assert "4 Birch Lane" in refused.content.decode()

    corrected = {**_client_data(), FIELD: token}
    saved = desk.post(reverse("client_new"), corrected)
    again = desk.post(reverse("client_new"), corrected)
    [nora] = _registered()
    assert saved["Location"] == reverse("client_detail", args=[nora.pk])
    assert is_already_saved(again, saved["Location"])


@pytest.mark.parametrize("token", [None, "", "not-a-uuid"])
def test_a_post_without_a_usable_token_registers_as_before(desk, token):
    data = _client_data() if token is None else {**_client_data(), FIELD: token}
    response = desk.post(reverse("client_new"), data)
    [nora] = _registered()
    assert response["Location"] == reverse("client_detail", args=[nora.pk])
    assert said(response) == [f"{nora} is registered."]
    assert not FormSubmission.objects.exists()


def test_a_refused_submit_keeps_no_claim(desk):
    token = token_in(desk.get(reverse("client_new")))
    desk.post(reverse("client_new"), {**_client_data(first_name=""), FIELD: token})
    assert not FormSubmission.objects.exists()


def test_a_token_counts_only_for_the_user_who_submitted_it(client, cast):
    """Another user's submit with a copied token is a fresh submit: it saves, and is never
    sent to (nor told of) the first user's record."""
    client.force_login(cast.frontdesk)
    token = token_in(client.get(reverse("client_new")))
    client.post(reverse("client_new"), {**_client_data(), FIELD: token})
    client.force_login(cast.therapist)
    response = client.post(
        reverse("client_new"), {**_client_data(first_name="Ebba", phone="555-2222"), FIELD: token}
    )
    ebba = Client.objects.get(first_name="Ebba")
    assert response["Location"] == reverse("client_detail", args=[ebba.pk])
    assert FormSubmission.objects.filter(token=token).count() == 2


def test_a_month_old_token_is_purged_and_a_newer_one_kept(desk, cast):
    now = timezone.now()
    FormSubmission.objects.create(
        user=cast.frontdesk,
        token=uuid.uuid4(),
        result_url="/old/",
        created_at=now - KEEP - dt.timedelta(minutes=1),
    )
    kept = FormSubmission.objects.create(
        user=cast.frontdesk, token=uuid.uuid4(), result_url="/new/", created_at=now - KEEP / 2
    )
    assert form_submissions_purge(now=now) == 1
    assert list(FormSubmission.objects.values_list("token", flat=True)) == [kept.token]
