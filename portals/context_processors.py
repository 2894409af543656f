"""Navigation per role, so base.html shows each user only the places they may go, and the
permission object `can` every template asks."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from accounts.mfa import session
from clinic.permissions import Can
from clinic.roles import Role, role_of

NAVIGATION = {
    Role.ADMIN: [
        ("Dashboard", "dashboard_admin"),
        ("Schedule", "schedule_day"),
        ("Clients", "client_list"),
        ("Requests", "booking_requests"),
        ("Billing", "dashboard_billing"),
        ("Audit trail", "audit_log"),
        ("Staff accounts", "admin:clinic_user_changelist"),
    ],
    Role.THERAPIST: [
        ("Dashboard", "dashboard_therapist"),
        ("Schedule", "schedule_day"),
        ("Clients", "client_list"),
        ("My codes", "billing_my_charges"),
    ],
    Role.FRONT_DESK: [
        ("Dashboard", "dashboard_front_desk"),
        ("Schedule", "schedule_day"),
        ("Clients", "client_list"),
        ("Requests", "booking_requests"),
    ],
    Role.CLIENT: [
        ("My care", "portal"),
        ("Health history", "portal_health_history"),
        ("Consents", "portal_consents"),
        ("My contact details", "portal_contacts"),
        ("My billing", "billing_portal"),
    ],
    Role.PHYSICIAN: [("My patients", "physician_dashboard")],
    Role.BILLING: [
        ("Dashboard", "dashboard_billing"),
        ("Clients", "billing_clients"),
        ("Charges", "billing_charges"),
        ("Reports", "billing_reports"),
        ("Export", "billing_export_form"),
        ("Billing identity", "billing_identity"),
    ],
}


def navigation(request):
    user = getattr(request, "user", None)
    # Between the password and the second factor every page but the code form is closed
    # (accounts/mfa/middleware.py), so the header offers nothing but Sign out.
    # (A page rendered outside a request cycle has no session: nothing is pending there.)
    signing_in = bool(
        user
        and user.is_authenticated
        and hasattr(request, "session")
        and session.pending_step(request)
    )
    role = None if signing_in else role_of(user)
    items = [
        {"label": label, "url": reverse(name), "active": request.path == reverse(name)}
        for label, name in NAVIGATION.get(role, [])
    ]
    return {
        "nav_items": items,
        "signing_in": signing_in,
        "clinic_name": _clinic_name(),
        # What the viewer may do and see; templates ask it instead of comparing roles. Built
        # on first use only (it reads the user, nothing else); nothing while signing in.
        "can": SimpleLazyObject(lambda: Can(None if signing_in else user)),
    }


def _clinic_name():
    from django.conf import settings

    return settings.CLINIC_NAME
