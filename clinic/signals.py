"""Sign-ins, sign-outs and failed sign-ins go into the audit trail and the log."""

import logging

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from clinic import audit

logger = logging.getLogger("clinic.auth")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(actor=user, action="login")


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="logout")


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    logger.warning("failed sign-in for username=%r", username)
    audit.record(actor=None, action="login_failed", detail=f"username {username!r}")
