"""Sign in, sign out, password change and reset, for every role."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from clinic.models import AuditEntry
from clinic.tests.factories import PASSWORD

ROLES = ["admin", "therapist", "frontdesk", "client_user", "physician_user"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_lands_on_its_dashboard(client, cast, role):
    user = getattr(cast, role)
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(user.dashboard_url_name)
    assert response.status_code == 200
    assert response.content.count(b"<h1") == 1
    assert AuditEntry.objects.filter(actor=user, action="login").exists()


def test_wrong_password_says_so_and_keeps_the_username(client, cast):
    response = client.post(reverse("login"), {"username": "therapist", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    assert b'value="therapist"' in response.content
    assert AuditEntry.objects.filter(action="login_failed", actor=None).count() == 1


def test_sign_out_is_a_post_and_is_audited(client, cast):
    client.force_login(cast.therapist)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard_therapist")).status_code == 302
    assert AuditEntry.objects.filter(actor=cast.therapist, action="logout").exists()


def test_password_change(client, cast):
    client.force_login(cast.frontdesk)
    new = "another-long-pass-2027"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    cast.frontdesk.refresh_from_db()
    assert cast.frontdesk.check_password(new)


def test_password_change_rejects_a_common_password_next_to_the_field(client, cast):
    client.force_login(cast.frontdesk)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "password123", "new_password2": "password123"},
    )
    assert response.status_code == 200
    assert b"This password is too common" in response.content


def test_password_reset_by_email(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": cast.client_user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    new = "a-fresh-password-2026"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert client.login(username="client", password=new)
    # The link works once.
    assert b"This link no longer works" in client.get(link, follow=True).content


def test_password_reset_for_unknown_address_looks_the_same(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []
