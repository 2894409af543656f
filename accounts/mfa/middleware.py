"""Holds signed-in users at the second step until they enter a code, and sends staff and
physicians without a device to set one up when CLINIC_REQUIRE_MFA is on.

Decided in `process_view`, where the resolved view name is known: only the pages needed to
finish signing in (or to leave) stay open. Static files never get here (WhiteNoise answers
them first) and unknown URLs end as 404 before any view runs."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts.mfa import session

OPEN_VIEWS = frozenset({"mfa_verify", "mfa_setup", "logout", "healthz", "favicon"})


class MfaRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        if request.resolver_match.view_name in OPEN_VIEWS:
            return None
        step = session.pending_step(request)
        return _send_to(step, request) if step else None


def _send_to(url_name: str, request) -> HttpResponseRedirect:
    url = reverse(url_name)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)
