"""Writes for two-factor sign-in: enrol, confirm, verify, recovery codes, disable, reset.

Codes are checked by django-otp (`verify_token` of the user's `MfaDevice`, a TOTP device, and
of their recovery codes' `StaticDevice`), and django-otp's throttling counts every wrong code
on the authenticator, recovery codes included, under the sign-in lock rule (MfaDevice in
accounts/mfa/models.py). The count is committed even though the call then raises, so a guesser
cannot undo it. The device row is locked (`select_for_update`) while a code is checked, so two
requests racing with the same code cannot both succeed."""

from __future__ import annotations

import base64
import logging
import secrets
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.crypto import salted_hmac
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.mfa.models import MfaDevice
from clinic import audit
from clinic.roles import Role, role_of

logger = logging.getLogger("accounts.mfa")

RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper and typed by hand.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_HALF = 5  # two groups of five: about 49 bits


class MfaError(Exception):
    """Base of the errors views turn into messages."""


class MfaStateError(MfaError):
    """The action does not fit the user's current two-factor state."""


class MfaCodeError(MfaError):
    def __init__(self, *, attempts_left: int, replayed: bool = False):
        self.attempts_left = attempts_left
        self.replayed = replayed
        super().__init__("wrong code")


class MfaLocked(MfaError):
    def __init__(self, until: datetime):
        self.until = until
        super().__init__(f"locked until {until.isoformat()}")


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def recovery_token(user, code: str) -> str:
    """What a `StaticToken` keeps of a recovery code: not the code (django-otp would keep it as
    typed) but a hash keyed with SECRET_KEY and salted with the user, cut to the 16 characters
    the field holds (96 bits, base64). A copy of the table alone gives no code away."""
    value = f"{user.pk}:{normalise_recovery_code(code)}"
    digest = salted_hmac("accounts.mfa.recovery", value, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:12]).decode("ascii")


# --- enrolment ---------------------------------------------------------------------------


def mfa_enrol_start(*, user) -> MfaDevice:
    """The user's unconfirmed device, made on first call; the same one after that, so a
    reload of the set-up page does not invalidate a secret already scanned."""
    with transaction.atomic():
        # The user's row, locked: two first visits at once make one device, not two.
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        device = MfaDevice.objects.filter(user=user).first()
        created = device is None
        if created:
            device = MfaDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        if device.is_confirmed:
            raise MfaStateError("Two-factor sign-in is already on for this account.")
        if created:
            audit.record(
                actor=user, action="create", target=device, detail="two-factor set-up started"
            )
    return device


def mfa_enrol_confirm(*, user, code: str) -> tuple[MfaDevice, list[str]]:
    """Turn the device on with a first correct code; returns the recovery codes (shown once)."""
    device, _ = _attempt(user=user, code=code, confirmed=False, allow_recovery=False)
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(user)
        audit.record(actor=user, action="create", target=device, detail="two-factor sign-in on")
    return device, codes


# --- sign-in -----------------------------------------------------------------------------


def mfa_verify(*, user, code: str) -> MfaDevice | StaticDevice:
    """The second step of signing in: an authenticator code or an unused recovery code.
    Returns the django-otp device that accepted it (for `django_otp.login`)."""
    device, accepted_by = _attempt(user=user, code=code, confirmed=True, allow_recovery=True)
    if accepted_by is not device:
        left = accepted_by.token_set.count()
        detail = f"two-factor check passed with a recovery code ({left} left)"
    else:
        detail = "two-factor check passed"
    audit.record(actor=user, action="login", target=device, detail=detail)
    return accepted_by


def mfa_recovery_codes_regenerate(*, user, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a fresh authenticator code."""
    device, _ = _attempt(user=user, code=code, confirmed=True, allow_recovery=False)
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        audit.record(
            actor=user, action="update", target=device, detail="recovery codes regenerated"
        )
    return codes


def mfa_disable(*, user, code: str) -> None:
    """The user turns two-factor off; a fresh code (or recovery code) proves it is them."""
    device, _ = _attempt(user=user, code=code, confirmed=True, allow_recovery=True)
    with transaction.atomic():
        audit.record(actor=user, action="delete", target=device, detail="two-factor sign-in off")
        _delete_devices(user)


def mfa_reset(*, actor, user) -> bool:
    """The clinic admin removes a user's device (lost phone, no recovery codes left). The user
    sets up a new one at their next sign-in when two-factor is required. False if none."""
    if role_of(actor) != Role.ADMIN and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only the clinic admin may reset two-factor sign-in.")
    with transaction.atomic():
        deleted = _delete_devices(user)
        if deleted:
            audit.record(
                actor=actor,
                action="delete",
                target=user,
                detail=f"two-factor sign-in reset for {user.get_username()}",
            )
    return bool(deleted)


def _delete_devices(user) -> int:
    """Deletes the authenticator and the recovery codes; returns how many authenticators."""
    StaticDevice.objects.filter(user=user).delete()  # with its tokens
    deleted, _ = MfaDevice.objects.filter(user=user).delete()
    return deleted


# --- checking a code ---------------------------------------------------------------------


def _attempt(*, user, code: str, confirmed: bool, allow_recovery: bool):
    """(authenticator, the device that accepted the code) for a good code; raises
    MfaCodeError or MfaLocked."""
    with transaction.atomic():
        device = _device_for_update(user, confirmed=confirmed)
        allowed, why = device.verify_is_allowed()
        if not allowed:
            raise MfaLocked(why["locked_until"])
        code = code.strip()
        accepted_by = _accepting_device(device, code, allow_recovery=allow_recovery)
        if accepted_by is not None:
            return device, accepted_by
        replayed = _already_used(device, code)
        attempts_left = _failure_recorded(device, user=user)
    # Raised outside the transaction: the failure count above is committed.
    if attempts_left == 0:
        raise MfaLocked(device.locked_until)
    raise MfaCodeError(attempts_left=attempts_left, replayed=replayed)


def _device_for_update(user, *, confirmed: bool) -> MfaDevice:
    device = MfaDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.is_confirmed != confirmed:
        state = "on" if device is not None and device.is_confirmed else "not set up"
        raise MfaStateError(f"Two-factor sign-in is {state} for this account.")
    return device


def _accepting_device(device: MfaDevice, code: str, *, allow_recovery: bool):
    """The device that accepts `code`: the authenticator for digits, the recovery codes'
    device otherwise (where allowed); None for a wrong code, which the authenticator has
    counted either way."""
    if _is_app_code(device, code):
        # django-otp: codes one step either side of now, each accepted once; a wrong one
        # is counted by the device's throttle_increment.
        return device if device.verify_token(code) else None
    recovery = StaticDevice.objects.filter(user=device.user).first() if allow_recovery else None
    if recovery is not None and recovery.verify_token(recovery_token(device.user, code)):
        device.throttle_reset()  # any right code clears the count, as an app code does
        return recovery
    device.throttle_increment()
    return None


def _is_app_code(device: MfaDevice, code: str) -> bool:
    return code.isdigit() and len(code) == device.digits


def _already_used(device: MfaDevice, code: str) -> bool:
    """Whether a refused app code is one already accepted, or older than it while still in
    the window around that one: django-otp refuses every step up to `last_t`."""
    if not _is_app_code(device, code) or device.last_t < 0:
        return False
    first = device.last_t - 2 * device.tolerance
    steps = range(first, device.last_t + 1)
    return any(hotp(device.bin_key, step, device.digits) == int(code) for step in steps)


def _failure_recorded(device: MfaDevice, *, user) -> int:
    """Audit (and at the lock, log) the wrong code django-otp has just counted; returns how
    many tries are left (0: now locked)."""
    left = device.attempts_left
    audit.record(actor=user, action="login_failed", target=device, detail="wrong two-factor code")
    if left == 0:
        logger.warning(
            "two-factor locked for username=%r until %s after %d wrong codes",
            user.get_username(),
            device.locked_until.isoformat(),
            device.throttling_failure_count,
        )
        audit.record(
            actor=user, action="login_failed", target=device, detail="two-factor check locked"
        )
    return left


# --- recovery codes ----------------------------------------------------------------------


def _new_recovery_code() -> str:
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(2 * RECOVERY_HALF))
    return f"{chars[:RECOVERY_HALF]}-{chars[RECOVERY_HALF:]}"


def _replace_recovery_codes(user) -> list[str]:
    """Ten fresh codes; only their keyed hashes are kept, so they can be shown this once only."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    recovery = StaticDevice.objects.filter(user=user).first()
    if recovery is None:
        recovery = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    recovery.token_set.all().delete()
    StaticToken.objects.bulk_create(
        StaticToken(device=recovery, token=recovery_token(user, code)) for code in codes
    )
    return codes
