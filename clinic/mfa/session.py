"""What the session remembers about the second factor.

`mfa_device` caches the id of the user's confirmed device ("" for none), set at sign-in, so
the middleware decides without a query on every request. `mfa_verified` holds the id of the
device whose code was entered in this session: a device set up or reset later has another
id, so an old verification never vouches for a new device."""

from __future__ import annotations

from clinic.mfa import selectors

DEVICE_KEY = "mfa_device"
VERIFIED_KEY = "mfa_verified"


def start(request, user) -> None:
    """A fresh password sign-in: look the device up again and ask for a code again."""
    request.session[DEVICE_KEY] = selectors.confirmed_device_id(user)
    request.session.pop(VERIFIED_KEY, None)


def device_id(request) -> str:
    """The cached device id; sessions older than this feature are looked up once."""
    if DEVICE_KEY not in request.session:
        request.session[DEVICE_KEY] = selectors.confirmed_device_id(request.user)
    return request.session[DEVICE_KEY]


def is_verified(request) -> bool:
    current = device_id(request)
    return bool(current) and request.session.get(VERIFIED_KEY) == current


def pending_step(request) -> str | None:
    """The sign-in step the user still owes after the password: "mfa_verify" (a code for
    their device), "mfa_setup" (a device they are required to have), or None."""
    if device_id(request):
        return None if is_verified(request) else "mfa_verify"
    if selectors.mfa_required_for(request.user):
        return "mfa_setup"
    return None


def mark_verified(request, device) -> None:
    # A new session key on the change of privilege, as at a password sign-in.
    request.session.cycle_key()
    request.session[DEVICE_KEY] = request.session[VERIFIED_KEY] = str(device.pk)


def forget_device(request) -> None:
    request.session[DEVICE_KEY] = ""
    request.session.pop(VERIFIED_KEY, None)
