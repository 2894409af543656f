"""Refuses a request body larger than the clinic accepts before anything reads it.

Django reads a multipart body whole (spooling files to disk) as soon as the CSRF check looks
at the form, so a size check in a form or service comes after the work is done. The
Content-Length header is known up front: a body that is too large is answered with a friendly
page at once, and its bytes are never read."""

from __future__ import annotations

from django.shortcuts import render

MAX_FILE_BYTES = 10 * 1024 * 1024
# A form's fields and the multipart envelope around a 10 MB file take a few kilobytes; the
# headroom lets a file of exactly 10 MB through and nothing much larger.
MAX_REQUEST_BYTES = MAX_FILE_BYTES + 256 * 1024


def declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _same_site(path: str) -> str:
    # "//host/..." would be read by a browser as another site.
    return "/" if path.startswith("//") else path


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if declared_length(request) > MAX_REQUEST_BYTES:
            return render(
                request,
                "413.html",
                {"limit_mb": MAX_FILE_BYTES // (1024 * 1024), "back_url": _same_site(request.path)},
                status=413,
            )
        return self.get_response(request)
