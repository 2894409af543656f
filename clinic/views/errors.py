"""The 500 page with the clinic's phone number. Django's own handler renders it without any
context (a failing request may have broken the context processors), so the number is passed
here from settings alone."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError
from django.template import loader


def server_error(request):
    body = loader.get_template("500.html").render({"clinic_phone": settings.CLINIC_PHONE})
    return HttpResponseServerError(body)
