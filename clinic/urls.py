"""Root URLs (the site). Object URLs carry UUIDs, never sequential ids."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from clinic.forms import QueuedPasswordResetForm
from clinic.security.views import ThrottledLoginView
from clinic.views import audit, health, invitations, outbox

admin.site.site_header = "Clinic administration"
admin.site.site_title = "Clinic administration"

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

# Portal invitations (clinic/views/invitations.py); the accept page is token-authenticated.
invitation_patterns = [
    path("clients/<uuid:client_id>/invite/", invitations.client_invite, name="client_invite"),
    path(
        "physicians/<uuid:physician_id>/invite/",
        invitations.physician_invite,
        name="physician_invite",
    ),
    path("invitations/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
]

# Mail the clinic owes and has not delivered yet (clinic/views/outbox.py).
outbox_patterns = [
    path("outbox/", outbox.outbox_list, name="outbox"),
    path("outbox/<uuid:mail_id>/resend/", outbox.outbox_resend, name="outbox_resend"),
]

# The 500 page names the clinic's phone number (a plain render would leave it out).
handler500 = "clinic.views.errors.server_error"

urlpatterns = [
    path("", include("portals.urls")),
    # Two-factor sign-in (clinic/mfa): set-up, the sign-in check, the user's own settings.
    path("accounts/mfa/", include("clinic.mfa.urls")),
    path("accounts/", include(auth_patterns)),
    path("", include("scheduling.urls")),
    *invitation_patterns,
    *outbox_patterns,
    path("", include("intake.urls")),
    path("", include("treatment_plans.urls")),
    path("", include("sessions_log.urls")),
    path("audit/", audit.audit_log, name="audit_log"),
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every site; the icon itself is a static file.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico")), name="favicon"),
    path("admin/", admin.site.urls),
]
