"""Accounts' pages: sign-in, passwords, two-factor sign-in and portal invitations."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import invitations
from accounts.views.signin import ThrottledLoginView
from clinic.forms import QueuedPasswordResetForm

auth_patterns = [
    path(
        "login/",
        ThrottledLoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("", include("django.contrib.auth.urls")),
]

# Portal invitations (views/invitations.py); the accept page is token-authenticated.
invitation_patterns = [
    path("clients/<uuid:client_id>/invite/", invitations.client_invite, name="client_invite"),
    path(
        "physicians/<uuid:physician_id>/invite/",
        invitations.physician_invite,
        name="physician_invite",
    ),
    path("invitations/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
]

urlpatterns = [
    # Two-factor sign-in (accounts/mfa): set-up, the sign-in check, the user's own settings.
    path("accounts/mfa/", include("accounts.mfa.urls")),
    path("accounts/", include(auth_patterns)),
    *invitation_patterns,
]
