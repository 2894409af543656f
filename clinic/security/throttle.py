"""Sign-in throttling (ASVS 2.2.1): after too many failed sign-ins for one username from one IP
address, or too many from one IP address across usernames, further attempts are refused until the
lockout expires by itself.

Counts live in Django's cache (Redis in production), so every gunicorn worker and host sees the
same numbers. A window starts at the first failure and is never extended, and a lockout is set
once with its own expiry, so an attacker who keeps trying cannot keep a victim locked out for
ever: the victim can sign in again 15 minutes after the lockout began (or reset the password).
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from clinic.audit import client_ip

logger = logging.getLogger("clinic.security")


def _key(kind: str, *parts: str) -> str:
    # Hashed: usernames may hold characters a cache key may not, and need not sit in Redis.
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
    return f"clinic:login:{kind}:{digest}"


def _pair(username: str, ip: str) -> tuple[str, str]:
    return (username.strip().lower(), ip or "unknown")


def is_locked(username: str, ip: str | None) -> bool:
    name, address = _pair(username, ip)
    keys = [_key("lock", name, address), _key("iplock", address)]
    return bool(cache.get_many(keys))


def _count(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)  # starts the window only if none is open
    try:
        return cache.incr(key)
    except ValueError:  # the window expired between add and incr: this is its first failure
        cache.set(key, 1, timeout=seconds)
        return 1


def _lock_if_reached(count_key: str, limit: int, lock_key: str, seconds: int) -> bool:
    """True when this failure set the lock (add never extends one already set)."""
    return _count(count_key, seconds) >= limit and cache.add(lock_key, 1, timeout=seconds)


def record_failure(username: str, ip: str | None) -> None:
    name, address = _pair(username, ip)
    seconds = settings.CLINIC_LOGIN_LOCKOUT_SECONDS
    pair_limit, ip_limit = settings.CLINIC_LOGIN_MAX_FAILURES, settings.CLINIC_LOGIN_IP_MAX_FAILURES
    if _lock_if_reached(
        _key("fail", name, address), pair_limit, _key("lock", name, address), seconds
    ):
        logger.warning("sign-in locked for username=%r ip=%s", name, address)
    if _lock_if_reached(_key("ipfail", address), ip_limit, _key("iplock", address), seconds):
        logger.warning("sign-in locked for every username from ip=%s", address)


def record_success(username: str, ip: str | None) -> None:
    """A right password (not locked) clears the pair's count; the per-IP count stays, or one
    valid account would let a flood of guesses at other accounts start over."""
    cache.delete(_key("fail", *_pair(username, ip)))


def log_refusal(username: str, ip: str | None) -> None:
    name, address = _pair(username, ip)
    logger.warning("sign-in refused, too many failures: username=%r ip=%s", name, address)


class ThrottledModelBackend(ModelBackend):
    """Refuses a locked username/IP pair before the password is checked, on every path that
    calls `authenticate` with the request (the site's sign-in page, the admin's, later ones).
    PermissionDenied makes `authenticate` stop and report a failed sign-in."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        locked = request is not None and username is not None
        if locked and is_locked(str(username), client_ip(request)):
            log_refusal(str(username), client_ip(request))
            raise PermissionDenied("too many failed sign-ins")
        return super().authenticate(request, username=username, password=password, **kwargs)
