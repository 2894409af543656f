"""Per-request context for the audit trail, and no caching of pages that show client data."""

from __future__ import annotations

from django.utils.cache import patch_cache_control

from clinic import audit


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.bind_request(request)
        try:
            response = self.get_response(request)
        finally:
            audit.unbind_request(token)
        if request.user.is_authenticated:
            # Signed-in pages may show health data: never store them in any cache.
            patch_cache_control(response, no_store=True, private=True)
        return response
