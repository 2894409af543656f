"""Response headers every page gets: Content-Security-Policy (ASVS 14.4.3) and
Permissions-Policy. SecurityMiddleware adds HSTS, Referrer-Policy and COOP.

Our templates have no inline script or style by design, so the policy allows only our own files.
Django's admin needs no exception either: its pages (index, lists, change and add forms) were
loaded in Chromium with this policy and reported no violation. Only DEBUG's technical error
pages use inline styles, and they never appear in production.
"""

from __future__ import annotations

from django.conf import settings


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CLINIC_CSP)
        response.headers.setdefault("Permissions-Policy", settings.CLINIC_PERMISSIONS_POLICY)
        return response
