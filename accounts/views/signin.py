"""The sign-in page with throttling: a locked username/IP pair gets the 429 page, even with the
right password (checked before the form, so a locked attempt tells nothing about the password)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.shortcuts import render

from accounts import throttle
from clinic.audit import client_ip


def too_many_attempts(request):
    minutes = max(1, settings.CLINIC_LOGIN_LOCKOUT_SECONDS // 60)
    response = render(request, "429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(settings.CLINIC_LOGIN_LOCKOUT_SECONDS)
    return response


class ThrottledLoginView(LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        if throttle.is_locked(username, client_ip(request)):
            throttle.log_refusal(username, client_ip(request))
            return too_many_attempts(request)
        return super().post(request, *args, **kwargs)
