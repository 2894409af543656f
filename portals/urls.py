"""The portals: each role's home page, the client and physician portals, and the client
registry and record (the staff's view of one client, drawing on every app)."""

from django.urls import path

from portals.views import clients, dashboards, imports

dashboard_patterns = [
    path("", dashboards.home, name="home"),
    path("dashboard/admin/", dashboards.admin_dashboard, name="dashboard_admin"),
    path("dashboard/therapist/", dashboards.therapist_dashboard, name="dashboard_therapist"),
    path("dashboard/front-desk/", dashboards.front_desk_dashboard, name="dashboard_front_desk"),
    path("dashboard/billing/", dashboards.billing_dashboard, name="dashboard_billing"),
    path("portal/", dashboards.client_portal, name="portal"),
    path("physician/", dashboards.physician_dashboard, name="physician_dashboard"),
]

client_patterns = [
    path("portal/contacts/", clients.portal_contacts, name="portal_contacts"),
    path("clients/", clients.client_list, name="client_list"),
    path("clients/new/", clients.client_new, name="client_new"),
    path("clients/<uuid:client_id>/", clients.client_detail, name="client_detail"),
    path("clients/<uuid:client_id>/edit/", clients.client_edit, name="client_edit"),
]

urlpatterns = [*dashboard_patterns, *client_patterns]

urlpatterns += [path("imports/", imports.import_upload, name="import_upload")]
