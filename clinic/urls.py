"""Root URLs (the site). Object URLs carry UUIDs, never sequential ids."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clinic import dashboards
from clinic.forms import QueuedPasswordResetForm
from clinic.views import audit, clients, health

admin.site.site_header = "Clinic administration"
admin.site.site_title = "Clinic administration"

auth_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path(
        "password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("", include("django.contrib.auth.urls")),
]

dashboard_patterns = [
    path("", dashboards.home, name="home"),
    path("dashboard/admin/", dashboards.admin_dashboard, name="dashboard_admin"),
    path("dashboard/therapist/", dashboards.therapist_dashboard, name="dashboard_therapist"),
    path("dashboard/front-desk/", dashboards.front_desk_dashboard, name="dashboard_front_desk"),
    path("portal/", dashboards.client_portal, name="portal"),
    path("physician/", dashboards.physician_dashboard, name="physician_dashboard"),
]

client_patterns = [
    path("portal/contacts/", clients.portal_contacts, name="portal_contacts"),
    path("clients/", clients.client_list, name="client_list"),
    path("clients/<uuid:client_id>/", clients.client_detail, name="client_detail"),
]

# Appointments, series and the waitlist (clinic/views/appointments.py).
appointment_patterns: list = []

# Calendars, free-slot finder, working hours and time off (clinic/views/schedule.py).
schedule_patterns: list = []

# iCalendar feeds (clinic/views/feeds.py).
feed_patterns: list = []

urlpatterns = [
    *dashboard_patterns,
    path("accounts/", include(auth_patterns)),
    *client_patterns,
    *appointment_patterns,
    *schedule_patterns,
    *feed_patterns,
    path("audit/", audit.audit_log, name="audit_log"),
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
