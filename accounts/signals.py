"""Sign-ins, sign-outs and failed sign-ins go into the audit trail and the log; they also feed
the security controls (sign-in throttling, session limits, ending a deactivated user's sessions)."""

import logging

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts import session_limits as sessions
from accounts import throttle
from accounts.services import sessions as security_services
from clinic import audit

logger = logging.getLogger("clinic.auth")


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit.record(actor=user, action="login")
    if request is not None and hasattr(request, "session"):
        sessions.session_started(request)
        if request.session.session_key is None:  # login() cycled the key: only odd stores
            request.session.save()
        security_services.user_session_register(user=user, session_key=request.session.session_key)
        throttle.record_success(user.get_username(), audit.client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(actor=user, action="logout")
    if request is not None and hasattr(request, "session"):
        security_services.user_session_forget(session_key=request.session.session_key)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    logger.warning("failed sign-in for username=%r", username)
    audit.record(actor=None, action="login_failed", detail=f"username {username!r}")
    if request is not None:  # the test client's login() has no request: nothing to throttle
        throttle.record_failure(username, audit.client_ip(request))


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
def _deactivated(sender, instance, created, **kwargs):
    """A deactivated account loses every session at once, however it was saved (admin, shell,
    a service): waiting for the session to expire would leave a way in."""
    if not created and not instance.is_active:
        security_services.user_sessions_end_on_deactivation(user=instance)
