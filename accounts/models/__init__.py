"""Accounts' models: portal invitations, sign-in sessions, sign-in throttling and the
two-factor device (a proxy of django-otp's TOTP device)."""

from accounts.mfa.models import MfaDevice
from accounts.models.invitations import Invitation
from accounts.models.sessions import UserSession
from accounts.models.throttle import LoginThrottle

__all__ = ["Invitation", "LoginThrottle", "MfaDevice", "UserSession"]
