"""The sign-in page with throttling: a locked username/IP pair gets the 429 page, even with the
right password (the backend refuses it before the password is checked, so a locked attempt tells
nothing about the password; accounts/throttle.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.views import LoginView
from django.shortcuts import render


def too_many_attempts(request):
    minutes = max(1, settings.CLINIC_LOGIN_LOCKOUT_SECONDS // 60)
    response = render(request, "429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(settings.CLINIC_LOGIN_LOCKOUT_SECONDS)
    return response


class ThrottledLoginView(LoginView):
    redirect_authenticated_user = True

    def form_invalid(self, form):
        # The throttle was checked once, by ThrottledModelBackend inside the form's
        # `authenticate`; it marks the request it refused.
        if getattr(self.request, "sign_in_refused", False):
            return too_many_attempts(self.request)
        return super().form_invalid(form)
