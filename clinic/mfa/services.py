"""Writes for two-factor sign-in: enrol, confirm, verify, recovery codes, disable, reset.

Every wrong code counts towards a lock (MAX_FAILURES in FAILURE_WINDOW lock verification for
LOCK_DURATION); the count is committed even though the call then raises, so a guesser cannot
undo it. The device row is locked (`select_for_update`) while a code is checked, so two
requests racing with the same code cannot both succeed."""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.mfa import totp
from clinic.mfa.models import MfaDevice, MfaRecoveryCode
from clinic.roles import Role, role_of

logger = logging.getLogger("clinic.mfa")

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)
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


def _now_unix() -> float:
    """The clock codes are checked against (tests replace it to test the drift window)."""
    return time.time()


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


# --- enrolment ---------------------------------------------------------------------------


def mfa_enrol_start(*, user) -> MfaDevice:
    """The user's unconfirmed device, made on first call; the same one after that, so a
    reload of the set-up page does not invalidate a secret already scanned."""
    with transaction.atomic():
        device, created = MfaDevice.objects.select_for_update().get_or_create(
            user=user, defaults={"secret": totp.generate_secret()}
        )
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
        device.confirmed_at = timezone.now()
        device.save(update_fields=["confirmed_at"])
        codes = _replace_recovery_codes(device)
        audit.record(actor=user, action="create", target=device, detail="two-factor sign-in on")
    return device, codes


# --- sign-in -----------------------------------------------------------------------------


def mfa_verify(*, user, code: str) -> MfaDevice:
    """The second step of signing in: an authenticator code or an unused recovery code."""
    device, method = _attempt(user=user, code=code, confirmed=True, allow_recovery=True)
    if method == "recovery":
        left = device.recovery_codes.filter(used_at__isnull=True).count()
        detail = f"two-factor check passed with a recovery code ({left} left)"
    else:
        detail = "two-factor check passed"
    audit.record(actor=user, action="login", target=device, detail=detail)
    return device


def mfa_recovery_codes_regenerate(*, user, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a fresh authenticator code."""
    device, _ = _attempt(user=user, code=code, confirmed=True, allow_recovery=False)
    with transaction.atomic():
        codes = _replace_recovery_codes(device)
        audit.record(
            actor=user, action="update", target=device, detail="recovery codes regenerated"
        )
    return codes


def mfa_disable(*, user, code: str) -> None:
    """The user turns two-factor off; a fresh code (or recovery code) proves it is them."""
    device, _ = _attempt(user=user, code=code, confirmed=True, allow_recovery=True)
    with transaction.atomic():
        audit.record(actor=user, action="delete", target=device, detail="two-factor sign-in off")
        device.delete()


def mfa_reset(*, actor, user) -> bool:
    """The clinic admin removes a user's device (lost phone, no recovery codes left). The user
    sets up a new one at their next sign-in when two-factor is required. False if none."""
    if role_of(actor) != Role.ADMIN and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("Only the clinic admin may reset two-factor sign-in.")
    with transaction.atomic():
        deleted, _ = MfaDevice.objects.filter(user=user).delete()
        if deleted:
            audit.record(
                actor=actor,
                action="delete",
                target=user,
                detail=f"two-factor sign-in reset for {user.get_username()}",
            )
    return bool(deleted)


# --- checking a code ---------------------------------------------------------------------


def _attempt(*, user, code: str, confirmed: bool, allow_recovery: bool):
    """(device, "totp" | "recovery") for a good code; raises MfaCodeError or MfaLocked."""
    now = timezone.now()
    with transaction.atomic():
        device = _device_for_update(user, confirmed=confirmed)
        if device.locked_until is not None and device.locked_until > now:
            raise MfaLocked(device.locked_until)
        outcome = _check_code(device, code.strip(), allow_recovery=allow_recovery, now=now)
        if outcome in {"totp", "recovery"}:
            device.failed_attempts = 0
            device.failure_window_started_at = None
            device.save(
                update_fields=["last_used_step", "failed_attempts", "failure_window_started_at"]
            )
            return device, outcome
        attempts_left = _count_failure(device, user=user, now=now)
    # Raised outside the transaction: the failure count above is committed.
    if attempts_left == 0:
        raise MfaLocked(device.locked_until)
    raise MfaCodeError(attempts_left=attempts_left, replayed=outcome == "replayed")


def _device_for_update(user, *, confirmed: bool) -> MfaDevice:
    device = MfaDevice.objects.select_for_update().filter(user=user).first()
    if device is None or device.is_confirmed != confirmed:
        state = "on" if device is not None and device.is_confirmed else "not set up"
        raise MfaStateError(f"Two-factor sign-in is {state} for this account.")
    return device


def _check_code(device: MfaDevice, code: str, *, allow_recovery: bool, now) -> str | None:
    if code.isdigit() and len(code) == totp.DIGITS:
        step = totp.matching_step(device.secret, code, _now_unix())
        if step is None:
            return None
        if device.last_used_step is not None and step <= device.last_used_step:
            return "replayed"  # this code, or an older one, was already accepted
        device.last_used_step = step
        return "totp"
    if allow_recovery and _use_recovery_code(device, code, now=now):
        return "recovery"
    return None


def _use_recovery_code(device: MfaDevice, code: str, *, now) -> bool:
    wanted = normalise_recovery_code(code)
    if len(wanted) != 2 * RECOVERY_HALF:
        return False  # not the shape of a recovery code: spare the password hasher
    for row in device.recovery_codes.filter(used_at__isnull=True):
        if check_password(wanted, row.code_hash):
            # Conditional: a code is used once even if two requests race past the lock.
            return bool(
                MfaRecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
            )
    return False


def _count_failure(device: MfaDevice, *, user, now) -> int:
    """Record one wrong code; returns how many tries are left (0: now locked)."""
    window_start = device.failure_window_started_at
    if window_start is None or now - window_start > FAILURE_WINDOW:
        device.failure_window_started_at = now
        device.failed_attempts = 0
    device.failed_attempts += 1
    left = max(MAX_FAILURES - device.failed_attempts, 0)
    audit.record(actor=user, action="login_failed", target=device, detail="wrong two-factor code")
    if left == 0:
        device.locked_until = now + LOCK_DURATION
        device.failed_attempts = 0
        device.failure_window_started_at = None
        logger.warning(
            "two-factor locked for username=%r until %s after %d wrong codes",
            user.get_username(),
            device.locked_until.isoformat(),
            MAX_FAILURES,
        )
        audit.record(
            actor=user, action="login_failed", target=device, detail="two-factor check locked"
        )
    device.save(update_fields=["failed_attempts", "failure_window_started_at", "locked_until"])
    return left


# --- recovery codes ----------------------------------------------------------------------


def _new_recovery_code() -> str:
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(2 * RECOVERY_HALF))
    return f"{chars[:RECOVERY_HALF]}-{chars[RECOVERY_HALF:]}"


def _replace_recovery_codes(device: MfaDevice) -> list[str]:
    """Ten fresh codes; only their hashes are kept, so they can be shown this once only."""
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    device.recovery_codes.all().delete()
    MfaRecoveryCode.objects.bulk_create(
        MfaRecoveryCode(device=device, code_hash=make_password(normalise_recovery_code(code)))
        for code in codes
    )
    return codes
