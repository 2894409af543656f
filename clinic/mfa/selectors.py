"""Reads for two-factor sign-in."""

from __future__ import annotations

from django.conf import settings

from clinic.mfa.models import MfaDevice
from clinic.roles import STAFF_ROLES, Role, role_of

# Who must use a second factor when CLINIC_REQUIRE_MFA is on: everyone who reads other
# people's records. Clients may enrol but are never forced.
MFA_REQUIRED_ROLES = STAFF_ROLES | {Role.PHYSICIAN}


def mfa_required_for(user) -> bool:
    return settings.CLINIC_REQUIRE_MFA and role_of(user) in MFA_REQUIRED_ROLES


def confirmed_device_id(user) -> str:
    """The id of the user's confirmed device as text, or "" when they have none."""
    pk = (
        MfaDevice.objects.filter(user=user, confirmed_at__isnull=False)
        .values_list("pk", flat=True)
        .first()
    )
    return str(pk) if pk else ""


def device_for(user) -> MfaDevice | None:
    return MfaDevice.objects.filter(user=user).first()


def recovery_codes_left(device: MfaDevice) -> int:
    return device.recovery_codes.filter(used_at__isnull=True).count()
