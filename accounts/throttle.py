"""Sign-in throttling (ASVS 2.2.1): after too many failed sign-ins for one username from one IP
address, or too many from one IP address across usernames, further attempts are refused until the
lockout expires by itself.

Counts live in the database (`LoginThrottle`), which every gunicorn worker and host shares and
which sign-in needs anyway: with Redis down, sign-in still works and still locks out. (They were
in Django's cache, which is Redis in production; an outage turned every sign-in into a 500.)
A window starts at the first failure and is never extended, and a lockout is set once with its
own expiry, so an attacker who keeps trying cannot keep a victim locked out for ever: the victim
can sign in again 15 minutes after the lockout began (or reset the password).

Each count and each lock is one conditional UPDATE, so two workers recording the 5th failure at
once set exactly one lock, on SQLite and PostgreSQL alike, without holding a lock across
statements. Queries: a check is 1; a failure 5 (create the rows if missing, count the pair and
the IP, lock each if its limit is reached); a success 1. `purge_expired` deletes rows whose
window and lockout are both over.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.models import LoginThrottle
from clinic.audit import client_ip

logger = logging.getLogger("clinic.security")


def _now() -> datetime:
    return timezone.now()


def _key(kind: str, *parts: str) -> str:
    # Keyed with SECRET_KEY: the table never lists usernames, and unlike a bare SHA-256 a copy of
    # it cannot be matched against a list of likely usernames without the key.
    value = "\x00".join((kind, *parts))
    return salted_hmac("clinic.security.throttle", value, algorithm="sha256").hexdigest()


def _pair(username: str, ip: str | None) -> tuple[str, str]:
    return (username.strip().lower(), ip or "unknown")


def _keys(username: str, ip: str | None) -> tuple[str, str]:
    """The pair's key and the IP address's key."""
    name, address = _pair(username, ip)
    return _key("pair", name, address), _key("ip", address)


def _locked_at(now: datetime) -> Q:
    return Q(locked_until__gt=now)


def is_locked(username: str, ip: str | None) -> bool:
    rows = LoginThrottle.objects.filter(key__in=_keys(username, ip))
    return rows.filter(_locked_at(_now())).exists()


def _count(key: str, now: datetime, window: timedelta) -> None:
    """One more failure in the open window, or the first of a new window when there is none."""
    window_open = Q(window_ends_at__gt=now)
    LoginThrottle.objects.filter(key=key).update(
        failures=Case(When(window_open, then=F("failures") + 1), default=Value(1)),
        window_ends_at=Case(
            When(window_open, then=F("window_ends_at")), default=Value(now + window)
        ),
    )


def _lock_if_reached(key: str, limit: int, now: datetime, window: timedelta) -> bool:
    """True when this failure set the lock. A running lock is never extended; of two workers
    racing, the second's UPDATE sees the first's lock and changes nothing."""
    reached = LoginThrottle.objects.filter(key=key, failures__gte=limit).exclude(_locked_at(now))
    return reached.update(locked_until=now + window) == 1


def record_failure(username: str, ip: str | None) -> None:
    name, address = _pair(username, ip)
    pair_key, ip_key = _keys(username, ip)
    now, window = _now(), timedelta(seconds=settings.CLINIC_LOGIN_LOCKOUT_SECONDS)
    # A new row has no window, so its first failure opens one like a failure after a window.
    # The pair before the IP, always: two workers never wait for each other's rows in turn.
    LoginThrottle.objects.bulk_create(
        [LoginThrottle(key=key) for key in (pair_key, ip_key)], ignore_conflicts=True
    )
    _count(pair_key, now, window)
    _count(ip_key, now, window)
    if _lock_if_reached(pair_key, settings.CLINIC_LOGIN_MAX_FAILURES, now, window):
        logger.warning("sign-in locked for username=%r ip=%s", name, address)
    if _lock_if_reached(ip_key, settings.CLINIC_LOGIN_IP_MAX_FAILURES, now, window):
        logger.warning("sign-in locked for every username from ip=%s", address)


def record_success(username: str, ip: str | None) -> None:
    """A right password (not locked) clears the pair's count; the per-IP count stays, or one
    valid account would let a flood of guesses at other accounts start over. A lock that a
    concurrent failure set meanwhile stays: it is deleted with its row once it is over."""
    pair_key, _ = _keys(username, ip)
    LoginThrottle.objects.filter(key=pair_key).exclude(_locked_at(_now())).delete()


def purge_expired() -> int:
    """Deletes rows whose window and lockout are both over (a row is reused while its username
    and IP keep failing, but one tried once stays until this runs); returns how many."""
    now = _now()
    over = ~Q(window_ends_at__gt=now) & ~_locked_at(now)
    deleted, _ = LoginThrottle.objects.filter(over).delete()
    return deleted


def log_refusal(username: str, ip: str | None) -> None:
    name, address = _pair(username, ip)
    logger.warning("sign-in refused, too many failures: username=%r ip=%s", name, address)


class ThrottledModelBackend(ModelBackend):
    """Refuses a locked username/IP pair before the password is checked, on every path that
    calls `authenticate` with the request (the site's sign-in page, the admin's, later ones).
    The one place a sign-in checks the throttle: it marks the request `sign_in_refused` so the
    site's page answers with the 429 page (accounts/views/signin.py) without asking again.
    PermissionDenied makes `authenticate` stop and report a failed sign-in."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        locked = request is not None and username is not None
        if locked and is_locked(str(username), client_ip(request)):
            log_refusal(str(username), client_ip(request))
            request.sign_in_refused = True
            raise PermissionDenied("too many failed sign-ins")
        return super().authenticate(request, username=username, password=password, **kwargs)
