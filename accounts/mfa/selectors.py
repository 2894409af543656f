"""Reads for two-factor sign-in."""

from __future__ import annotations

from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.mfa.models import MfaDevice
from clinic.roles import STAFF_ROLES, Role, role_of

# Who must use a second factor when CLINIC_REQUIRE_MFA is on: everyone who reads other
# people's records. Clients may enrol but are never forced.
MFA_REQUIRED_ROLES = STAFF_ROLES | {Role.PHYSICIAN, Role.BILLING}


def mfa_required_for(user) -> bool:
    return settings.CLINIC_REQUIRE_MFA and role_of(user) in MFA_REQUIRED_ROLES


def confirmed_device_id(user) -> str:
    """The django-otp persistent id of the user's confirmed device, or "" when they have none."""
    pk = MfaDevice.objects.filter(user=user, confirmed=True).values_list("pk", flat=True).first()
    return f"{MfaDevice.model_label()}/{pk}" if pk else ""


def device_for(user) -> MfaDevice | None:
    return MfaDevice.objects.filter(user=user).first()


def recovery_device_for(user) -> StaticDevice | None:
    """The recovery codes' device, made when two-factor sign-in is turned on."""
    return StaticDevice.objects.filter(user=user).first()


def recovery_codes_left(device: MfaDevice) -> int:
    # django-otp deletes a static token when it is used: every row left is unused.
    return StaticToken.objects.filter(device__user_id=device.user_id).count()
