"""Security hardening: sign-in throttling, session limits and ending sessions, password length by
role, response headers, and no caching of signed-in pages."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts import session_limits as sessions
from accounts import throttle
from accounts.models import UserSession
from clinic.models import AuditEntry, User
from clinic.tests.factories import PASSWORD
from clinic.tests.test_roles_and_urls import MATRIX, _url
from clinic.tests.test_settings_env import _manage

LOCKED_TEXT = b"Too many attempts. Try again in 15 minutes or reset your password."


def _sign_in(client, username, password, ip="127.0.0.1", path=None):
    return client.post(
        path or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _fail(client, username, times, ip="127.0.0.1"):
    for _ in range(times):
        assert _sign_in(client, username, "wrong-password", ip).status_code == 200


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- sign-in throttling -----------------------------------------------------------------------


def test_five_failures_then_429_even_with_the_right_password(client, cast):
    _fail(client, "therapist", 4)
    assert _sign_in(client, "therapist", "wrong-password").status_code == 200  # the 5th
    response = _sign_in(client, "therapist", PASSWORD)
    assert response.status_code == 429
    assert LOCKED_TEXT in response.content
    assert reverse("password_reset").encode() in response.content
    assert not _signed_in(client)


def test_four_failures_do_not_lock(client, cast):
    _fail(client, "therapist", 4)
    assert _sign_in(client, "therapist", PASSWORD).status_code == 302


def test_a_right_password_clears_the_count(client, cast):
    _fail(client, "therapist", 4)
    assert _sign_in(client, "therapist", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    _fail(client, "therapist", 4)
    assert _sign_in(client, "therapist", PASSWORD).status_code == 302


def test_lockout_is_per_username_and_ip(client, cast):
    _fail(client, "therapist", 5)
    assert _sign_in(Client(), "frontdesk", PASSWORD).status_code == 302  # other username
    assert _sign_in(Client(), "therapist", PASSWORD, ip="10.1.2.3").status_code == 302  # other IP
    assert _sign_in(Client(), "Therapist ", PASSWORD).status_code == 429  # same name, spelt oddly


def _throttle_clock_moved(monkeypatch, seconds: int) -> None:
    later = throttle._now() + timedelta(seconds=seconds)
    monkeypatch.setattr(throttle, "_now", lambda: later)


def test_lockout_expires_by_itself(client, cast, monkeypatch):
    _fail(client, "therapist", 5)
    assert _sign_in(client, "therapist", PASSWORD).status_code == 429
    _throttle_clock_moved(monkeypatch, 15 * 60 - 1)
    assert _sign_in(client, "therapist", PASSWORD).status_code == 429
    _throttle_clock_moved(monkeypatch, 2)
    assert _sign_in(client, "therapist", PASSWORD).status_code == 302


def test_lockout_length_comes_from_the_setting(client, cast, settings, monkeypatch):
    settings.CLINIC_LOGIN_LOCKOUT_SECONDS = 120
    _fail(client, "therapist", 5)
    response = _sign_in(client, "therapist", PASSWORD)
    assert b"Try again in 2 minutes" in response.content
    assert response["Retry-After"] == "120"
    _throttle_clock_moved(monkeypatch, 121)
    assert _sign_in(client, "therapist", PASSWORD).status_code == 302


def test_lock_and_refusal_are_logged_without_the_password(client, cast, caplog):
    with caplog.at_level(logging.WARNING, logger="clinic.security"):
        _fail(client, "therapist", 5, ip="10.9.8.7")
        _sign_in(client, "therapist", PASSWORD, ip="10.9.8.7")
    lines = [r.getMessage() for r in caplog.records if r.name == "clinic.security"]
    assert any("locked" in line and "'therapist'" in line and "10.9.8.7" in line for line in lines)
    assert any("refused" in line and "'therapist'" in line and "10.9.8.7" in line for line in lines)
    everything = caplog.text
    assert PASSWORD not in everything and "wrong-password" not in everything


def test_a_flood_from_one_ip_across_usernames_is_refused(client, cast):
    for number in range(50):
        assert _sign_in(client, f"guess{number}", "wrong-password").status_code == 200
    assert _sign_in(client, "therapist", PASSWORD).status_code == 429
    assert _sign_in(client, "therapist", PASSWORD, ip="10.1.2.3").status_code == 302


def test_the_admin_sign_in_is_refused_too_when_locked(client, cast):
    User.objects.filter(pk=cast.admin.pk).update(is_staff=True, is_superuser=True)
    _fail(client, "admin", 5)
    response = _sign_in(client, "admin", PASSWORD, path="/admin/login/")
    assert response.status_code == 200  # the admin's form: "enter the correct username..."
    assert not _signed_in(client)


def test_a_refused_sign_in_is_audited_as_a_failed_one_on_the_site_as_in_the_admin(client, cast):
    # Both pages are refused by the backend alone, so both record what Django reports.
    _fail(client, "therapist", 5)
    before = AuditEntry.objects.filter(action="login_failed", detail="username 'therapist'")
    count = before.count()
    assert _sign_in(client, "therapist", PASSWORD).status_code == 429
    assert before.count() == count + 1


# --- sessions ---------------------------------------------------------------------------------


def test_sign_in_gives_a_new_session_key_and_stores_the_sign_in_time(client, cast):
    session = client.session
    session["before"] = "anonymous"
    session.save()
    before = session.session_key
    assert _sign_in(client, "therapist", PASSWORD).status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert abs(client.session[sessions.SIGNED_IN_AT] - time.time()) < 5
    assert UserSession.objects.filter(user=cast.therapist, session_key=after).exists()


def _at(monkeypatch, seconds_from_now: int):
    moment = int(time.time()) + seconds_from_now
    monkeypatch.setattr(sessions, "_now", lambda: moment)


def test_an_idle_session_is_signed_out_with_a_message(client, cast, monkeypatch):
    client.force_login(cast.therapist)
    page = reverse("dashboard_therapist")
    _at(monkeypatch, 30 * 60 + 1)
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={page.replace('/', '%2F')}"
    login_page = client.get(response["Location"])
    assert b"You were signed out after 30 minutes without activity" in login_page.content
    assert not _signed_in(client)


def test_activity_keeps_a_session_alive_until_the_absolute_cap(client, cast, monkeypatch):
    client.force_login(cast.therapist)
    page = reverse("dashboard_therapist")
    for minutes in range(25, 12 * 60, 25):  # a request every 25 minutes for 12 hours
        _at(monkeypatch, minutes * 60)
        assert client.get(page).status_code == 200, minutes
    _at(monkeypatch, 12 * 3600 + 1)
    response = client.get(page, follow=True)
    assert b"You were signed out 12 hours after signing in" in response.content
    assert not _signed_in(client)


def test_idle_limit_comes_from_the_setting(client, cast, monkeypatch, settings):
    settings.CLINIC_SESSION_IDLE_SECONDS = 600
    client.force_login(cast.therapist)
    _at(monkeypatch, 601)
    response = client.get(reverse("dashboard_therapist"), follow=True)
    assert b"signed out after 10 minutes without activity" in response.content


def test_deactivating_a_user_ends_every_session_at_once(cast):
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(cast.therapist)
    keys = [browser.session.session_key for browser in browsers]
    assert Session.objects.filter(session_key__in=keys).count() == 2
    cast.therapist.is_active = False
    cast.therapist.save()
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert not UserSession.objects.filter(user=cast.therapist).exists()
    for browser in browsers:
        assert browser.get(reverse("dashboard_therapist")).status_code == 302


def test_other_users_keep_their_sessions(cast):
    mine, theirs = Client(), Client()
    mine.force_login(cast.therapist)
    theirs.force_login(cast.therapist2)
    cast.therapist.is_active = False
    cast.therapist.save()
    assert theirs.get(reverse("dashboard_therapist")).status_code == 200


def test_the_admin_action_ends_all_sessions_of_a_user(client, cast):
    User.objects.filter(pk=cast.admin.pk).update(is_staff=True, is_superuser=True)
    therapist_browser = Client()
    therapist_browser.force_login(cast.therapist)
    key = therapist_browser.session.session_key
    client.force_login(cast.admin)
    response = client.post(
        reverse("admin:clinic_user_changelist"),
        {"action": "end_all_sessions", "_selected_action": [str(cast.therapist.pk)]},
        follow=True,
    )
    assert b"Ended 1 session(s) of 1 user(s)." in response.content
    assert not Session.objects.filter(session_key=key).exists()
    assert therapist_browser.get(reverse("dashboard_therapist")).status_code == 302
    assert client.get(reverse("dashboard_admin")).status_code == 200  # the admin's own stays
    entry = AuditEntry.objects.filter(action="logout", object_id=str(cast.therapist.pk)).get()
    assert entry.actor == cast.admin


def test_sign_out_forgets_the_session(client, cast):
    client.force_login(cast.therapist)
    assert UserSession.objects.filter(user=cast.therapist).count() == 1
    client.post(reverse("logout"))
    assert not UserSession.objects.filter(user=cast.therapist).exists()


# --- passwords --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,shortest",
    [("admin", 12), ("therapist", 12), ("front_desk", 12), ("physician", 12), ("client", 8)],
)
def test_minimum_password_length_by_role(role, shortest):
    user = User(username="someone", role=role)
    validate_password("q7#Lm2vX9!pz"[:shortest], user)
    with pytest.raises(ValidationError, match=f"at least {shortest} characters"):
        validate_password("q7#Lm2vX9!pz"[: shortest - 1], user)


def test_without_a_user_twelve_characters_are_required():
    with pytest.raises(ValidationError, match="at least 12 characters"):
        validate_password("q7#Lm2vX9!p")
    validate_password("q7#Lm2vX9!pz")


def test_common_passwords_are_still_refused_for_clients():
    with pytest.raises(ValidationError, match="too common"):
        validate_password("password1234", User(username="someone", role="client"))


# --- headers ----------------------------------------------------------------------------------

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize("path", ["/accounts/login/", "/", "/clients/", "/no-such-page/"])
def test_every_response_carries_the_security_headers(client, cast, path, signed_in):
    if signed_in:
        client.force_login(cast.therapist)
    response = client.get(path)
    assert response["Content-Security-Policy"] == CSP
    assert response["Permissions-Policy"] == "camera=(), microphone=(), geolocation=()"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_throttle_page_carries_the_headers_too(client, cast):
    _fail(client, "therapist", 5)
    response = _sign_in(client, "therapist", PASSWORD)
    assert response["Content-Security-Policy"] == CSP


def test_the_admin_gets_the_same_policy(client, cast):
    assert client.get("/admin/login/")["Content-Security-Policy"] == CSP


def test_production_settings_keep_nothing_in_redis_but_the_queue():
    # Sign-in counts, sessions and what is owed live in the database: a Redis outage must
    # not fail a request, so the cache is each process's own memory.
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="f3Jk9!qPz@7vLm2#xR8sWc4&yT6uNb1^hG5eDa0*Zo-Qi_Kp+w3Ex",
        DJANGO_ALLOWED_HOSTS="clinic.example",
        REDIS_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "django.core.cache.backends.locmem.LocMemCache"
    )


# --- no caching of signed-in pages ------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_every_signed_in_page_is_no_store(client, cast, name):
    client.force_login(cast.therapist)
    response = client.get(_url(name, cast))
    assert response.status_code == MATRIX[name][1]["therapist"], name
    if response.status_code == 200:
        assert "no-store" in response["Cache-Control"], name
        assert "private" in response["Cache-Control"], name


def test_a_forged_form_is_refused_with_a_clear_page_and_logged(cast, caplog):
    from django.test import Client as HttpClient
    from django.urls import reverse

    from clinic.models import Client

    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(cast.frontdesk)
    before = Client.objects.count()
    with caplog.at_level("WARNING", logger="django.security.csrf"):
        response = browser.post(reverse("client_new"), {"first_name": "Forged", "last_name": "X"})
    assert response.status_code == 403
    assert "This form could not be accepted" in response.content.decode()
    assert Client.objects.count() == before
    assert any("CSRF" in record.getMessage() for record in caplog.records)
