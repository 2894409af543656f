"""Root URLs (the site). Object URLs carry UUIDs, never sequential ids."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clinic import dashboards, views
from clinic.forms import QueuedPasswordResetForm

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

urlpatterns = [
    path("", dashboards.home, name="home"),
    path("accounts/", include(auth_patterns)),
    path("dashboard/admin/", dashboards.admin_dashboard, name="dashboard_admin"),
    path("dashboard/therapist/", dashboards.therapist_dashboard, name="dashboard_therapist"),
    path("dashboard/front-desk/", dashboards.front_desk_dashboard, name="dashboard_front_desk"),
    path("portal/", dashboards.client_portal, name="portal"),
    path("portal/contacts/", views.portal_contacts, name="portal_contacts"),
    path("physician/", dashboards.physician_dashboard, name="physician_dashboard"),
    path("clients/", views.client_list, name="client_list"),
    path("clients/<uuid:client_id>/", views.client_detail, name="client_detail"),
    path("audit/", views.audit_log, name="audit_log"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
