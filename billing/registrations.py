"""What billing lends the pages of apps below it, through their registries (ARCHITECTURE.md,
"When a lower app must tell a higher one"): the booking page's warning about a visit beyond an
authorization (scheduling/booking_checks.py), and the plan page's authorizations' visits
(treatment_plans/page_parts.py); and the signed note page's link to its charge
(sessions_log/note_parts.py)."""

from __future__ import annotations

from django.urls import reverse

from billing.models import Charge
from clinic.roles import role_of


def plan_authorizations(*, user, version):
    """The plan page's part "authorizations": the visits used and left of the plan's client's
    running authorizations, for those who may see them (never a physician or the client)."""
    from django.db.models import Subquery

    from billing.selectors.authorizations import client_authorizations_usage
    from treatment_plans.models import TreatmentPlan

    # The plan's client inside the query: the version came without its plan (no extra query).
    client = Subquery(TreatmentPlan.objects.filter(pk=version.plan_id).values("client_id")[:1])
    return client_authorizations_usage(user, client)


def charge_link(*, user, note) -> dict | None:
    """The signed note page's link to the charge drafted from it, for those who may open the
    charge page (billing staff; the rendering therapist, their own)."""
    from billing.views.charges import charge_detail

    if role_of(user) not in charge_detail.allowed_roles:
        return None
    charge = (
        Charge.objects.visible_to(user)
        .live()
        .filter(note=note, kind=Charge.Kind.VISIT)
        .values_list("pk", "status")
        .first()
    )
    if charge is None:
        return None
    pk, status = charge
    return {
        "url": reverse("billing_charge", args=[pk]),
        "label": f"The charge drafted from this note ({Charge.Status(status).label.lower()})",
    }


def register_all() -> None:
    """Called once from BillingConfig.ready."""
    from billing.selectors.authorizations import booking_warnings
    from scheduling import booking_checks
    from sessions_log import note_parts
    from treatment_plans import page_parts

    booking_checks.register(booking_warnings)
    page_parts.register("authorizations", plan_authorizations)
    note_parts.register("charge_link", charge_link)
