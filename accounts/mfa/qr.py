"""What the set-up page shows of a new device: its key as text, the otpauth:// URI apps read,
and that URI as a QR code in inline SVG, drawn on the server (no CDN, no script)."""

from __future__ import annotations

import base64
from urllib.parse import quote, urlencode

from django.utils.safestring import SafeString, mark_safe


def key_text(device) -> str:
    """The device's key in base32 without padding (what apps accept when typed in)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def grouped(key: str) -> str:
    """'ABCD EFGH ...': easier to type from the screen than one long run of letters."""
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def provisioning_uri(device, *, issuer: str) -> str:
    """The otpauth:// URI (Google Authenticator key URI format). Not django-otp's `config_url`:
    that one escapes the colon between issuer and account, which the format writes as is."""
    label = quote(f"{issuer}:{device.user.get_username()}", safe=":@")
    query = urlencode(
        {
            "secret": key_text(device),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": device.digits,
            "period": device.step,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def qr_svg(data: str) -> SafeString:
    import segno  # imported here: only the set-up page needs it

    svg = segno.make(data, error="m").svg_inline(
        scale=5,
        light="#fff",
        svgclass="mfa-qr",
        lineclass=None,
        omitsize=False,
        title="QR code to scan",
    )
    # segno draws paths from the data's bits only; no text of ours is written into the SVG
    # except the fixed title above.
    return mark_safe(svg)  # noqa: S308
