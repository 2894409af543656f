"""RFC 6238 time-based one-time passwords, the flavour authenticator apps expect by default:
SHA-1, 30-second steps, 6 digits. Small enough to keep in-house instead of a dependency."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# 160 bits: the key length RFC 4226 recommends for HMAC-SHA-1.
SECRET_BYTES = 20


def generate_secret() -> str:
    """A new shared secret in base32 without padding (what apps accept when typed in)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def secret_bytes(secret: str) -> bytes:
    padded = secret.upper() + "=" * (-len(secret) % 8)
    return base64.b32decode(padded)


def grouped(secret: str) -> str:
    """'ABCD EFGH ...': easier to type from the screen than one long run of letters."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    """RFC 4226 section 5.3: HMAC of the counter, dynamic truncation, modulo 10^digits."""
    mac = hmac.new(key, counter.to_bytes(8, "big"), digest).digest()
    offset = mac[-1] & 0x0F
    number = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def time_step(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def totp(key: bytes, unix_time: float, *, digits: int = DIGITS, digest=hashlib.sha1) -> str:
    return hotp(key, time_step(unix_time), digits=digits, digest=digest)


def matching_step(secret: str, code: str, unix_time: float, *, drift: int = 1) -> int | None:
    """The time step whose code equals `code`, looking `drift` steps either side (phones and
    servers disagree by a few seconds), or None. Every candidate is compared in constant time."""
    key = secret_bytes(secret)
    now = time_step(unix_time)
    found = None
    for step in range(now - drift, now + drift + 1):
        if hmac.compare_digest(hotp(key, step), code):
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// URI that apps read from a QR code (Google Authenticator key URI format)."""
    label = quote(f"{issuer}:{account}", safe=":@")
    query = urlencode(
        {
            "secret": secret,
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": DIGITS,
            "period": STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"
