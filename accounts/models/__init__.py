"""Accounts' models: portal invitations, sign-in sessions and sign-in throttling."""

from accounts.models.invitations import Invitation
from accounts.models.sessions import UserSession
from accounts.models.throttle import LoginThrottle

__all__ = ["Invitation", "LoginThrottle", "UserSession"]
