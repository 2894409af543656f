"""The second factor on django-otp: the authenticator app is a `TOTPDevice` (its table, its
RFC 6238 verification that never accepts a code twice, its throttling counters), the recovery
codes are the user's `StaticDevice` and its `StaticToken`s.

`MfaDevice` is django-otp's TOTP device under the clinic's name (a proxy: no table of its own),
so audit entries name it `accounts.MfaDevice`, and with the sign-in lock rule in place of
django-otp's exponential back-off. Lives in the `accounts` app (imported by
accounts/models.py) so its migration is one of accounts'."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_totp.models import TOTPDevice


def _max_failures() -> int:
    return settings.CLINIC_LOGIN_MAX_FAILURES


def _lockout() -> timedelta:
    return timedelta(seconds=settings.CLINIC_LOGIN_LOCKOUT_SECONDS)


class MfaDevice(TOTPDevice):
    """A TOTP authenticator app. Unconfirmed (`confirmed` False) until the user proves the app
    shows the right codes; only a confirmed device is asked for at sign-in.

    The lock is the password sign-in's rule (accounts/throttle.py), kept in django-otp's
    two throttling fields: CLINIC_LOGIN_MAX_FAILURES wrong codes in a window of
    CLINIC_LOGIN_LOCKOUT_SECONDS lock verification for CLINIC_LOGIN_LOCKOUT_SECONDS. The window
    opens at the first failure and is never extended; `throttling_failure_timestamp` holds its
    start, and from the failure that locks, the lock's start. Verifying while locked counts
    nothing (django-otp's `verify_token` returns before counting), so the lock is never extended
    either. A right code clears the count (django-otp's `throttle_reset`)."""

    class Meta:
        proxy = True
        verbose_name = "two-factor device"

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed else "unconfirmed"
        return f"Authenticator of {self.user} ({state})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed

    @property
    def locked_until(self) -> datetime | None:
        """When the lock ends, or None when codes are accepted now."""
        started = self.throttling_failure_timestamp
        if started is None or self.throttling_failure_count < _max_failures():
            return None
        until = started + _lockout()
        return until if until > timezone.now() else None

    @property
    def attempts_left(self) -> int:
        """Wrong codes still allowed before the lock (0: locked)."""
        return max(_max_failures() - self.throttling_failure_count, 0)

    def verify_is_allowed(self):
        until = self.locked_until
        if until is None:
            return Device.verify_is_allowed(self)  # not ThrottlingMixin's back-off
        reason = {
            "reason": VerifyNotAllowed.N_FAILED_ATTEMPTS,
            "failure_count": self.throttling_failure_count,
            "locked_until": until,
        }
        return False, reason

    def throttle_increment(self, commit=True):
        now = timezone.now()
        started = self.throttling_failure_timestamp
        if started is None or now >= started + _lockout():
            # No window open, or it (or the lock after it) is over: this failure opens one.
            self.throttling_failure_count = 0
            self.throttling_failure_timestamp = now
        self.throttling_failure_count += 1
        if self.throttling_failure_count == _max_failures():
            self.throttling_failure_timestamp = now  # the lock starts now
        if commit:
            self.save()


# Connects the sign-in receiver when the models load (the clinic AppConfig is shared, and
# models are the first of this package Django imports).
from accounts.mfa import signals  # noqa: E402,F401
