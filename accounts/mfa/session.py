"""What the session remembers about the second factor.

`mfa_device` caches the django-otp id of the user's confirmed device ("" for none), set at
sign-in, so the middleware decides without a query on every request whether a code is owed at
all. Whether it has been entered is django-otp's: `django_otp.login` keeps the id of the device
that accepted the code in the session, and OTPMiddleware gives `request.user.is_verified()`,
false once that device is gone (turned off or reset), so an old verification never vouches for
a new device."""

from __future__ import annotations

import django_otp

from accounts.mfa import selectors

DEVICE_KEY = "mfa_device"


def start(request, user) -> None:
    """A fresh password sign-in: look the device up again and ask for a code again."""
    request.session[DEVICE_KEY] = selectors.confirmed_device_id(user)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)


def device_id(request) -> str:
    """The cached device id; sessions older than this feature are looked up once."""
    if DEVICE_KEY not in request.session:
        request.session[DEVICE_KEY] = selectors.confirmed_device_id(request.user)
    return request.session[DEVICE_KEY]


def is_verified(request) -> bool:
    # A request OTPMiddleware did not see has no `is_verified`: it counts as not verified.
    verified = getattr(request.user, "is_verified", None)
    return bool(device_id(request)) and verified is not None and verified()


def pending_step(request) -> str | None:
    """The sign-in step the user still owes after the password: "mfa_verify" (a code for
    their device), "mfa_setup" (a device they are required to have), or None."""
    if device_id(request):
        return None if is_verified(request) else "mfa_verify"
    if selectors.mfa_required_for(request.user):
        return "mfa_setup"
    return None


def mark_verified(request, device) -> None:
    """`device` (the authenticator, or the recovery codes' device) accepted a code."""
    # A new session key on the change of privilege, as at a password sign-in.
    request.session.cycle_key()
    django_otp.login(request, device)
    if not request.session.get(DEVICE_KEY):  # the device set up just now
        request.session[DEVICE_KEY] = device.persistent_id


def forget_device(request) -> None:
    request.session[DEVICE_KEY] = ""
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
