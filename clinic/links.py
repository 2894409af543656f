"""Links: to many rows of one kind on a page (`link_maker`), and absolute links for mails
(`site_url`).

reverse() costs ~50 µs; a calendar or a list of hundreds of rows would spend milliseconds on
it, so the URL pattern is reversed once with a stand-in id and each row's id takes the
stand-in's place."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.urls import reverse

_STAND_IN = uuid.UUID(int=0)  # a UUID, so never mistaken for other text of the URL


def link_maker(url_name: str) -> Callable[[uuid.UUID], str]:
    """A function from a row's id to `url_name`'s URL for it (the URL's one argument)."""
    pattern = reverse(url_name, args=[_STAND_IN])
    return lambda pk: pattern.replace(str(_STAND_IN), str(pk))


def site_url(path: str) -> str:
    """An absolute link for mails sent outside a request: CLINIC_SITE_URL, else the first
    trusted origin (the deployment's public address), else the first allowed host."""
    if settings.CLINIC_SITE_URL:
        return settings.CLINIC_SITE_URL.rstrip("/") + path
    if settings.CSRF_TRUSTED_ORIGINS:
        return settings.CSRF_TRUSTED_ORIGINS[0].rstrip("/") + path
    hosts = [h for h in settings.ALLOWED_HOSTS if h and "*" not in h and not h.startswith(".")]
    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{hosts[0] if hosts else 'localhost'}{path}"
