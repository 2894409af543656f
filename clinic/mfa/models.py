"""The second factor: one authenticator device per user and its single-use recovery codes.

Lives in the `clinic` app (imported by clinic/models/__init__.py) so its migration is one of
the clinic's."""

from __future__ import annotations

from django.db import models

from clinic.models.people import UUIDModel


class MfaDevice(UUIDModel):
    """A TOTP authenticator app. Unconfirmed until the user proves the app shows the right
    codes; only a confirmed device is asked for at sign-in."""

    user = models.OneToOneField("clinic.User", on_delete=models.CASCADE, related_name="mfa_device")
    # The shared secret must be readable to compute codes, so it cannot be hashed; it is
    # never shown again after enrolment.
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The newest time step accepted: a code (or an older one) is never accepted twice.
    last_used_step = models.BigIntegerField(null=True, blank=True)
    # Wrong codes in the current 15-minute window, and the lock they cause at the limit.
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    failure_window_started_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "two-factor device"

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "unconfirmed"
        return f"Authenticator of {self.user} ({state})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class MfaRecoveryCode(models.Model):
    """A single-use code for when the phone is lost; stored hashed like a password."""

    id = models.BigAutoField(primary_key=True)
    device = models.ForeignKey(MfaDevice, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=128)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "two-factor recovery code"

    def __str__(self) -> str:
        return f"Recovery code of {self.device.user} ({'used' if self.used_at else 'unused'})"


# Connects the sign-in receiver when the models load (the clinic AppConfig is shared, and
# models are the first of this package Django imports).
from clinic.mfa import signals  # noqa: E402,F401
