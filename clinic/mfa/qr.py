"""The enrolment QR code as inline SVG, drawn on the server (no CDN, no script)."""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe


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
