"""Two-factor sign-in (on django-otp): the TOTP maths, enrolment, the sign-in check, recovery
codes, the lock, who is forced to enrol, the admin reset, and the audit trail."""

from __future__ import annotations

import base64
import logging
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp import models as otp_totp_models

from accounts.mfa import qr, services
from accounts.models import MfaDevice
from clinic.models import AuditEntry
from clinic.tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
# The middle of a 30-second step, so a test never straddles a step boundary.
START = 1_800_000_015.0
STEP_SECONDS = 30


@pytest.fixture
def clock(monkeypatch):
    """The time codes are checked against; `clock.advance(steps)` moves it on."""
    state = SimpleNamespace(now=START)

    def advance(steps=1):
        state.now += steps * STEP_SECONDS

    state.advance = advance
    # django-otp's TOTPDevice reads `time.time()` of its module.
    monkeypatch.setattr(otp_totp_models, "time", SimpleNamespace(time=lambda: state.now))
    return state


def code_at(device, unix_time, offset_steps=0):
    step = int(unix_time // STEP_SECONDS) + offset_steps
    return f"{hotp(device.bin_key, step, device.digits):06d}"


@pytest.fixture
def enrolled(cast, clock):
    """`therapist` with a confirmed device and its recovery codes; the clock one step on, so
    the current code has not been used yet."""
    device = services.mfa_enrol_start(user=cast.therapist)
    device, codes = services.mfa_enrol_confirm(user=cast.therapist, code=code_at(device, START))
    clock.advance()
    return SimpleNamespace(device=device, codes=codes, user=cast.therapist)


def sign_in(client, user):
    """A real password sign-in, as the browser does it."""
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return response


def shown_codes(response) -> list[str]:
    return re.findall(r'recovery-code">([a-z2-9]{5}-[a-z2-9]{5})<', response.content.decode())


def verify(client, code, next_url=""):
    return client.post(reverse("mfa_verify"), {"code": code, "next": next_url})


# --- RFC 6238 / RFC 4226 (django-otp's oath module) -------------------------------------------

SEED_SHA1 = b"12345678901234567890"
# django-otp computes SHA-1 codes only, what authenticator apps use by default; the SHA-256 and
# SHA-512 vectors of appendix B went with our own implementation, which the app never used.
RFC6238 = [  # time, SHA-1 (RFC 6238 appendix B, 8 digits)
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


def _totp(key, unix_time, digits=6):
    codes = TOTP(key, digits=digits)
    codes.time = unix_time
    return f"{codes.token():0{digits}d}"


@pytest.mark.parametrize("unix_time,sha1", RFC6238)
def test_totp_matches_the_rfc_6238_test_vectors(unix_time, sha1):
    assert _totp(SEED_SHA1, unix_time, digits=8) == sha1
    # What the apps show: the same number cut to six digits.
    assert _totp(SEED_SHA1, unix_time) == sha1[-6:]


def test_hotp_matches_the_rfc_4226_test_vectors():
    expected = ["755224", "287082", "359152", "969429", "338314", "254676", "287922"]
    assert [f"{hotp(SEED_SHA1, counter):06d}" for counter in range(7)] == expected


def test_secret_and_provisioning_uri_are_what_apps_expect(cast):
    device = MfaDevice(user=cast.therapist)  # django-otp's new key: 20 random bytes
    secret = qr.key_text(device)
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert len(base64.b32decode(secret)) == 20
    assert qr.grouped("ABCDEFGHIJ") == "ABCD EFGH IJ"
    uri = qr.provisioning_uri(device, issuer="Riverside Clinic")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert parts.path == "/Riverside%20Clinic:therapist"
    query = {key: value[0] for key, value in parse_qs(parts.query).items()}
    assert query == {
        "secret": secret,
        "issuer": "Riverside Clinic",
        "algorithm": "SHA1",
        "digits": "6",
        "period": "30",
    }


# --- enrolment -------------------------------------------------------------------------------


def test_setup_page_shows_the_key_as_text_uri_and_qr(client, cast):
    client.force_login(cast.therapist)
    response = client.get(reverse("mfa_setup"))
    assert response.status_code == 200
    device = MfaDevice.objects.get(user=cast.therapist)
    assert not device.is_confirmed
    page = response.content.decode()
    assert qr.grouped(qr.key_text(device)) in page
    assert "otpauth://totp/" in page and f"secret={qr.key_text(device)}" in page
    assert '<svg width="' in page and 'class="mfa-qr"' in page
    assert "<script>" not in page and "style=" not in page
    # A reload keeps the secret the phone may already have scanned.
    client.get(reverse("mfa_setup"))
    assert MfaDevice.objects.get(user=cast.therapist).key == device.key


def test_enrol_and_confirm_shows_ten_hashed_recovery_codes_once(client, cast, clock):
    client.force_login(cast.therapist)
    client.get(reverse("mfa_setup"))
    device = MfaDevice.objects.get(user=cast.therapist)
    response = client.post(reverse("mfa_setup"), {"code": code_at(device, clock.now)})
    assert response.status_code == 200
    codes = shown_codes(response)
    assert len(set(codes)) == 10
    device.refresh_from_db()
    assert device.is_confirmed
    tokens = StaticToken.objects.filter(device__user=cast.therapist)
    stored = list(tokens.values_list("token", flat=True))
    assert len(stored) == 10
    assert not set(codes) & set(stored)  # only hashes are kept
    for code in codes:  # each shown code matches exactly one stored hash
        hashed = services.recovery_token(cast.therapist, code.replace("-", ""))
        assert sum(hashed == h for h in stored) == 1
    # The enrolling session counts as verified: pages open straight away.
    assert client.get(reverse("dashboard_therapist")).status_code == 200
    # The codes are not shown again anywhere.
    assert codes[0] not in client.get(reverse("mfa_manage")).content.decode()


def test_confirm_with_a_wrong_code_says_so_at_the_field_and_keeps_it_off(client, cast, clock):
    client.force_login(cast.therapist)
    client.get(reverse("mfa_setup"))
    device = MfaDevice.objects.get(user=cast.therapist)
    wrong = code_at(device, clock.now, offset_steps=5)
    response = client.post(reverse("mfa_setup"), {"code": wrong})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert b"4 tries left" in response.content
    assert f'value="{wrong}"'.encode() in response.content  # what was typed stays
    assert b'class="invalid-feedback' in response.content
    device.refresh_from_db()
    assert not device.is_confirmed


def test_a_malformed_code_is_refused_by_the_form_without_counting(client, cast):
    client.force_login(cast.therapist)
    client.get(reverse("mfa_setup"))
    response = client.post(reverse("mfa_setup"), {"code": "12ab"})
    assert b"Enter the 6-digit code from your app." in response.content
    assert MfaDevice.objects.get(user=cast.therapist).throttling_failure_count == 0


# --- the sign-in check -------------------------------------------------------------------


def test_sign_in_with_a_device_asks_for_the_code_before_any_page(client, enrolled, clock):
    dashboard = reverse("dashboard_therapist")
    sign_in(client, enrolled.user)
    response = client.get(dashboard)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('mfa_verify')}?next=%2Fdashboard%2Ftherapist%2F"
    for name in ("client_list", "mfa_manage", "password_change", "home"):
        assert client.get(reverse(name))["Location"].startswith(reverse("mfa_verify")), name
    assert client.get("/admin/")["Location"].startswith(reverse("mfa_verify"))
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Enter your sign-in code" in page.content

    key_before = client.session.session_key
    response = verify(client, code_at(enrolled.device, clock.now), next_url=dashboard)
    assert response.status_code == 302 and response["Location"] == dashboard
    assert client.session.session_key != key_before  # rotated on the change of privilege
    assert client.get(dashboard).status_code == 200
    assert client.get(reverse("client_list")).status_code == 200


def test_sign_out_and_healthz_stay_open_before_the_code(client, enrolled):
    sign_in(client, enrolled.user)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("dashboard_therapist"))["Location"].startswith(reverse("login"))


def _header(response) -> str:
    return response.content.decode().split("<main", 1)[0]


def test_before_the_code_the_header_offers_only_sign_out(client, enrolled, clock):
    sign_in(client, enrolled.user)
    header = _header(client.get(reverse("mfa_verify")))
    assert "Sign out" in header
    for absent in (reverse("client_list"), reverse("password_change"), reverse("mfa_manage")):
        assert absent not in header, absent
    verify(client, code_at(enrolled.device, clock.now))
    header = _header(client.get(reverse("dashboard_therapist")))
    for shown in (reverse("client_list"), reverse("password_change"), reverse("mfa_manage")):
        assert shown in header, shown


def test_before_required_setup_the_header_offers_only_sign_out(client, cast, settings):
    settings.CLINIC_REQUIRE_MFA = True
    sign_in(client, cast.frontdesk)
    header = _header(client.get(reverse("mfa_setup")))
    assert "Sign out" in header
    assert reverse("client_list") not in header and reverse("password_change") not in header


def test_favicon_is_open_before_the_code(client, enrolled):
    sign_in(client, enrolled.user)
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"].endswith(".ico")


def test_each_new_password_sign_in_asks_again(client, enrolled, clock):
    sign_in(client, enrolled.user)
    verify(client, code_at(enrolled.device, clock.now))
    assert client.get(reverse("dashboard_therapist")).status_code == 200
    # Signing in again on the same session (the login page itself would send a signed-in
    # user home, so as another sign-in path would).
    client.force_login(enrolled.user)
    assert client.get(reverse("dashboard_therapist")).status_code == 302


def test_force_login_is_held_too(client, enrolled):
    client.force_login(enrolled.user)
    assert client.get(reverse("dashboard_therapist")).status_code == 302


def test_wrong_code_says_so_at_the_field(client, enrolled, clock):
    sign_in(client, enrolled.user)
    response = verify(client, code_at(enrolled.device, clock.now, offset_steps=7))
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert b"4 tries left before a 15-minute pause" in response.content
    assert client.get(reverse("dashboard_therapist")).status_code == 302


def test_a_code_is_never_accepted_twice(client, enrolled, clock):
    code = code_at(enrolled.device, clock.now)
    sign_in(client, enrolled.user)
    assert verify(client, code).status_code == 302
    client.post(reverse("logout"))
    sign_in(client, enrolled.user)
    response = verify(client, code)
    assert response.status_code == 200
    assert b"That code has already been used" in response.content
    # An older code, still inside the drift window, is refused as well.
    response = verify(client, code_at(enrolled.device, clock.now, offset_steps=-1))
    assert b"already been used" in response.content
    assert client.get(reverse("dashboard_therapist")).status_code == 302


@pytest.mark.parametrize(
    "offset,accepted", [(-2, False), (-1, True), (0, True), (1, True), (2, False)]
)
def test_codes_one_step_either_side_are_accepted(enrolled, clock, offset, accepted):
    clock.advance(10)
    code = code_at(enrolled.device, clock.now, offset_steps=offset)
    if accepted:
        services.mfa_verify(user=enrolled.user, code=code)
    else:
        with pytest.raises(services.MfaCodeError):
            services.mfa_verify(user=enrolled.user, code=code)


def test_a_recovery_code_works_once(client, enrolled):
    code = enrolled.codes[3]
    sign_in(client, enrolled.user)
    # Typed loosely: upper case and spaces instead of the dash.
    response = verify(client, code.upper().replace("-", " "))
    assert response.status_code == 302
    assert client.get(reverse("dashboard_therapist")).status_code == 200
    assert AuditEntry.objects.filter(
        actor=enrolled.user, action="login", detail__contains="recovery code (9 left)"
    ).exists()
    client.post(reverse("logout"))
    sign_in(client, enrolled.user)
    response = verify(client, code)
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert StaticToken.objects.filter(device__user=enrolled.user).count() == 9  # used: deleted


def test_five_wrong_codes_lock_the_check_for_fifteen_minutes(client, enrolled, clock, caplog):
    sign_in(client, enrolled.user)
    wrong = code_at(enrolled.device, clock.now, offset_steps=9)
    for left in (4, 3, 2, 1):
        assert f"{left} tr".encode() in verify(client, wrong).content
    with caplog.at_level(logging.WARNING, logger="accounts.mfa"):
        response = verify(client, wrong)
    assert response.status_code == 429
    assert b"Too many wrong codes" in response.content
    assert "two-factor locked for username='therapist'" in caplog.text
    # Even the right code (or a recovery code) waits out the lock.
    assert verify(client, code_at(enrolled.device, clock.now)).status_code == 429
    assert verify(client, enrolled.codes[0]).status_code == 429
    assert client.get(reverse("dashboard_therapist")).status_code == 302
    enrolled.device.refresh_from_db()
    assert enrolled.device.locked_until - timezone.now() > timedelta(minutes=14)
    # Fifteen minutes later the right code works again.
    MfaDevice.objects.filter(pk=enrolled.device.pk).update(  # the lock began 15 minutes ago
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=15, seconds=1)
    )
    assert verify(client, code_at(enrolled.device, clock.now)).status_code == 302
    assert client.get(reverse("dashboard_therapist")).status_code == 200


def test_wrong_codes_older_than_the_window_do_not_count(enrolled, clock):
    wrong = code_at(enrolled.device, clock.now, offset_steps=9)
    for _ in range(4):
        with pytest.raises(services.MfaCodeError):
            services.mfa_verify(user=enrolled.user, code=wrong)
    MfaDevice.objects.filter(pk=enrolled.device.pk).update(
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=16)  # the window's start
    )
    with pytest.raises(services.MfaCodeError) as error:
        services.mfa_verify(user=enrolled.user, code=wrong)
    assert error.value.attempts_left == 4


def _wrong_codes(user, code, times):
    for _ in range(times):
        with pytest.raises(services.MfaCodeError):
            services.mfa_verify(user=user, code=code)


def test_the_lock_follows_the_password_sign_ins_rule_and_never_extends(enrolled, clock):
    """django-otp's counters under the password throttle's rule (accounts/throttle.py):
    the window opens at the first failure and is never extended, nor is the lock."""
    wrong = code_at(enrolled.device, clock.now, offset_steps=9)
    _wrong_codes(enrolled.user, wrong, 4)
    MfaDevice.objects.filter(pk=enrolled.device.pk).update(  # the window opened 15 minutes ago
        throttling_failure_timestamp=timezone.now() - timedelta(minutes=15)
    )
    _wrong_codes(enrolled.user, wrong, 4)  # a new window: four again, not eight
    with pytest.raises(services.MfaLocked) as locked:
        services.mfa_verify(user=enrolled.user, code=wrong)
    until = locked.value.until
    assert timedelta(minutes=14) < until - timezone.now() <= timedelta(minutes=15)
    for code in (wrong, code_at(enrolled.device, clock.now)):  # refused, and not counted
        with pytest.raises(services.MfaLocked) as again:
            services.mfa_verify(user=enrolled.user, code=code)
        assert again.value.until == until
    assert MfaDevice.objects.get(pk=enrolled.device.pk).throttling_failure_count == 5


def test_the_lock_takes_its_limits_from_the_sign_in_settings(client, enrolled, clock, settings):
    settings.CLINIC_LOGIN_MAX_FAILURES = 3
    settings.CLINIC_LOGIN_LOCKOUT_SECONDS = 120
    sign_in(client, enrolled.user)
    wrong = code_at(enrolled.device, clock.now, offset_steps=9)
    assert b"2 tries left before a 2-minute pause" in verify(client, wrong).content
    assert b"1 try left before a 2-minute pause" in verify(client, wrong).content
    assert verify(client, wrong).status_code == 429
    enrolled.device.refresh_from_db()
    assert timedelta(seconds=110) < enrolled.device.locked_until - timezone.now()
    assert enrolled.device.locked_until - timezone.now() <= timedelta(seconds=120)


def test_wrong_recovery_codes_count_towards_the_same_lock(client, enrolled, clock):
    sign_in(client, enrolled.user)
    for left in (4, 3, 2, 1):
        assert f"{left} tr".encode() in verify(client, "abcde-fghjk").content
    assert verify(client, code_at(enrolled.device, clock.now, offset_steps=9)).status_code == 429
    assert verify(client, enrolled.codes[0]).status_code == 429
    assert StaticToken.objects.filter(device__user=enrolled.user).count() == 10  # none used


def test_the_session_holds_django_otps_verification(client, cast, enrolled, clock):
    sign_in(client, enrolled.user)
    assert DEVICE_ID_SESSION_KEY not in client.session
    verify(client, code_at(enrolled.device, clock.now))
    assert client.session[DEVICE_ID_SESSION_KEY] == enrolled.device.persistent_id
    client.post(reverse("logout"))
    sign_in(client, enrolled.user)
    verify(client, enrolled.codes[0])  # a recovery code: its device vouches
    recovery = StaticDevice.objects.get(user=enrolled.user)
    assert client.session[DEVICE_ID_SESSION_KEY] == recovery.persistent_id
    assert client.get(reverse("dashboard_therapist")).status_code == 200
    # Reset by the admin meanwhile: django-otp drops the verification, and the code page,
    # with nothing left to ask for, lets the user through (to set up a new one if required).
    services.mfa_reset(actor=cast.admin, user=enrolled.user)
    response = client.get(reverse("dashboard_therapist"))
    assert response["Location"].startswith(reverse("mfa_verify"))
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(response["Location"])["Location"] == reverse("dashboard_therapist")
    assert client.get(reverse("dashboard_therapist")).status_code == 200


def test_django_otps_device_admin_pages_are_not_offered(client, cast):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/admin/otp_static/staticdevice/").status_code == 404
    assert client.get(reverse("admin:clinic_user_changelist")).status_code == 200


def test_next_must_stay_on_this_site(client, enrolled, clock):
    sign_in(client, enrolled.user)
    response = verify(client, code_at(enrolled.device, clock.now), "https://evil.example/")
    assert response["Location"] == reverse("home")


# --- who must enrol ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,forced",
    [
        ("admin", True),
        ("therapist", True),
        ("frontdesk", True),
        ("physician_user", True),
        ("client_user", False),
    ],
)
def test_required_mfa_sends_staff_and_physicians_to_setup(client, cast, settings, role, forced):
    settings.CLINIC_REQUIRE_MFA = True
    user = getattr(cast, role)
    sign_in(client, user)
    response = client.get(reverse(user.dashboard_url_name))
    if forced:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_setup"))
        assert client.get(reverse("mfa_setup")).status_code == 200
        assert b"the clinic asks for a code" in client.get(reverse("mfa_setup")).content
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", ["admin", "therapist", "frontdesk", "physician_user"])
def test_nobody_is_forced_when_mfa_is_not_required(client, cast, settings, role):
    settings.CLINIC_REQUIRE_MFA = False
    user = getattr(cast, role)
    sign_in(client, user)
    assert client.get(reverse(user.dashboard_url_name)).status_code == 200


def test_a_client_may_enrol_voluntarily_and_is_then_asked(client, cast, settings, clock):
    settings.CLINIC_REQUIRE_MFA = True
    user = cast.client_user
    client.force_login(user)
    client.get(reverse("mfa_setup"))
    device = MfaDevice.objects.get(user=user)
    client.post(reverse("mfa_setup"), {"code": code_at(device, clock.now)})
    assert client.get(reverse("portal")).status_code == 200
    client.post(reverse("logout"))
    sign_in(client, user)
    assert client.get(reverse("portal"))["Location"].startswith(reverse("mfa_verify"))


def test_required_enrolment_then_the_pages_open(client, cast, settings, clock):
    settings.CLINIC_REQUIRE_MFA = True
    sign_in(client, cast.frontdesk)
    client.get(reverse("mfa_setup"))
    device = MfaDevice.objects.get(user=cast.frontdesk)
    dashboard = reverse("dashboard_front_desk")
    response = client.post(
        reverse("mfa_setup"), {"code": code_at(device, clock.now), "next": dashboard}
    )
    assert response.status_code == 200 and b"Your recovery codes" in response.content
    assert f'href="{dashboard}"'.encode() in response.content
    assert client.get(dashboard).status_code == 200


@pytest.mark.parametrize(
    "debug,env,expected",
    [
        ("false", None, "True"),
        ("true", None, "False"),
        ("true", "true", "True"),
        ("false", "false", "False"),
    ],
)
def test_the_default_follows_debug_and_the_variable_overrides_it(debug, env, expected):
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CLINIC_REQUIRE"))
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_DEBUG=debug,
        DJANGO_SECRET_KEY="settings-test-" + "k" * 40,
    )
    if env is not None:
        environ["CLINIC_REQUIRE_MFA"] = env
    command = "from django.conf import settings; print(settings.CLINIC_REQUIRE_MFA)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {command}"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == expected, result.stderr


# --- the user's own settings: new codes, turning off ----------------------------------------


def test_regenerating_codes_needs_a_fresh_code_and_retires_the_old_ones(client, enrolled, clock):
    client.force_login(enrolled.user)
    verify(client, code_at(enrolled.device, clock.now))
    clock.advance()
    url = reverse("mfa_regenerate")
    response = client.post(url, {"regenerate-code": code_at(enrolled.device, clock.now, 3)})
    assert b"That code is not right" in response.content
    response = client.post(url, {"regenerate-code": code_at(enrolled.device, clock.now)})
    new_codes = shown_codes(response)
    assert len(new_codes) == 10
    with pytest.raises(services.MfaCodeError):
        services.mfa_verify(user=enrolled.user, code=enrolled.codes[0])
    services.mfa_verify(user=enrolled.user, code=new_codes[0])


def test_turning_off_needs_a_fresh_code(client, enrolled, clock, settings):
    client.force_login(enrolled.user)
    verify(client, code_at(enrolled.device, clock.now))
    clock.advance()
    url = reverse("mfa_disable")
    response = client.post(url, {"disable-code": "000000"})
    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert MfaDevice.objects.filter(user=enrolled.user).exists()
    response = client.post(url, {"disable-code": code_at(enrolled.device, clock.now)})
    assert response.status_code == 302
    assert not MfaDevice.objects.filter(user=enrolled.user).exists()
    assert client.get(reverse("dashboard_therapist")).status_code == 200
    # Required for therapists: off means set up a new one before anything else.
    settings.CLINIC_REQUIRE_MFA = True
    assert client.get(reverse("dashboard_therapist"))["Location"].startswith(reverse("mfa_setup"))


def test_manage_page_shows_the_state(client, enrolled, clock):
    client.force_login(enrolled.user)
    verify(client, code_at(enrolled.device, clock.now))
    response = client.get(reverse("mfa_manage"))
    assert b"10</strong> unused recovery codes" in response.content


# --- the clinic admin's reset --------------------------------------------------------------


def test_admin_resets_a_users_two_factor_from_the_staff_accounts_page(
    client, cast, enrolled, settings
):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    changelist = reverse("admin:clinic_user_changelist")
    response = client.post(
        changelist,
        {"action": "reset_two_factor", "_selected_action": [str(enrolled.user.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Reset two-factor sign-in for 1 of 1 user(s)." in response.content
    assert not MfaDevice.objects.filter(user=enrolled.user).exists()
    assert not StaticToken.objects.filter(device__user=enrolled.user).exists()
    entry = AuditEntry.objects.get(actor=cast.admin, action="delete")
    assert entry.detail == "two-factor sign-in reset for therapist"
    # The therapist signs in with the password and is sent to set up a new device.
    settings.CLINIC_REQUIRE_MFA = True
    client.post(reverse("logout"))
    sign_in(client, enrolled.user)
    assert client.get(reverse("dashboard_therapist"))["Location"].startswith(reverse("mfa_setup"))


def test_only_the_clinic_admin_may_reset(cast, enrolled):
    with pytest.raises(PermissionDenied):
        services.mfa_reset(actor=cast.therapist2, user=enrolled.user)
    assert MfaDevice.objects.filter(user=enrolled.user).exists()


# --- the audit trail -----------------------------------------------------------------------


def test_every_step_is_audited(client, cast, clock):
    user = cast.therapist
    device = services.mfa_enrol_start(user=user)
    with pytest.raises(services.MfaCodeError):
        services.mfa_enrol_confirm(user=user, code=code_at(device, clock.now, 4))
    services.mfa_enrol_confirm(user=user, code=code_at(device, clock.now))
    clock.advance()
    services.mfa_verify(user=user, code=code_at(device, clock.now))
    clock.advance()
    services.mfa_recovery_codes_regenerate(user=user, code=code_at(device, clock.now))
    clock.advance()
    services.mfa_disable(user=user, code=code_at(device, clock.now))
    trail = list(
        AuditEntry.objects.filter(actor=user, object_type="accounts.MfaDevice")
        .order_by("id")
        .values_list("action", "detail")
    )
    assert trail == [
        ("create", "two-factor set-up started"),
        ("login_failed", "wrong two-factor code"),
        ("create", "two-factor sign-in on"),
        ("login", "two-factor check passed"),
        ("update", "recovery codes regenerated"),
        ("delete", "two-factor sign-in off"),
    ]
    assert {
        entry.object_id for entry in AuditEntry.objects.filter(object_type="accounts.MfaDevice")
    } == {str(device.pk)}


# --- two requests at once (PostgreSQL) ---------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["app", "recovery"])
def test_one_code_sent_twice_at_once_is_accepted_once(enrolled, clock, kind):
    """django-otp's verify_token runs with the authenticator's row locked: of two requests
    racing with one code, one passes and the other is told the code is used or not right."""
    from accounts.tests.test_throttle_db import _at_once

    code = code_at(enrolled.device, clock.now) if kind == "app" else enrolled.codes[0]
    passed, refused = [], []

    def attempt():
        try:
            services.mfa_verify(user=enrolled.user, code=code)
        except services.MfaCodeError as error:
            refused.append(error)
        else:
            passed.append(code)

    _at_once(2, attempt)
    assert (len(passed), len(refused)) == (1, 1)
    left = StaticToken.objects.filter(device__user=enrolled.user).count()
    assert left == (10 if kind == "app" else 9)
