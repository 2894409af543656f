"""At every password sign-in, note in the session whether a code is still owed."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver


@receiver(user_logged_in, dispatch_uid="accounts.mfa.sign_in")
def _owe_a_code(sender, request, user, **kwargs):
    if request is None or not hasattr(request, "session"):
        return  # a sign-in without a session (e.g. a script): nothing to remember
    from accounts.mfa import session

    session.start(request, user)
