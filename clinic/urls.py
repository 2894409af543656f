"""Root URLs (the site). Object URLs carry UUIDs, never sequential ids."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from clinic.views import audit, health, outbox

admin.site.site_header = "Clinic administration"
admin.site.site_title = "Clinic administration"


# Mail the clinic owes and has not delivered yet (clinic/views/outbox.py).
outbox_patterns = [
    path("outbox/", outbox.outbox_list, name="outbox"),
    path("outbox/<uuid:mail_id>/resend/", outbox.outbox_resend, name="outbox_resend"),
]

# The 500 page names the clinic's phone number (a plain render would leave it out).
handler500 = "clinic.views.errors.server_error"

urlpatterns = [
    path("", include("portals.urls")),
    path("", include("accounts.urls")),
    path("", include("scheduling.urls")),
    *outbox_patterns,
    path("", include("intake.urls")),
    path("", include("treatment_plans.urls")),
    path("", include("sessions_log.urls")),
    path("", include("documents.urls")),
    path("billing/", include("billing.urls")),
    path("audit/", audit.audit_log, name="audit_log"),
    path("healthz", health.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on every site; the icon itself is a static file.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("favicon.ico")), name="favicon"),
    path("admin/", admin.site.urls),
]
