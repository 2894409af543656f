"""What billing lends the pages of apps below it, through their registries (ARCHITECTURE.md,
"When a lower app must tell a higher one"): the booking page's warning about a visit beyond an
authorization (scheduling/booking_checks.py), and the plan page's authorizations' visits
(treatment_plans/page_parts.py)."""

from __future__ import annotations


def plan_authorizations(*, user, version):
    """The plan page's part "authorizations": the visits used and left of the plan's client's
    running authorizations, for those who may see them (never a physician or the client)."""
    from django.db.models import Subquery

    from billing.selectors.authorizations import client_authorizations_usage
    from treatment_plans.models import TreatmentPlan

    # The plan's client inside the query: the version came without its plan (no extra query).
    client = Subquery(TreatmentPlan.objects.filter(pk=version.plan_id).values("client_id")[:1])
    return client_authorizations_usage(user, client)


def register_all() -> None:
    """Called once from BillingConfig.ready."""
    from billing.selectors.authorizations import booking_warnings
    from scheduling import booking_checks
    from treatment_plans import page_parts

    booking_checks.register(booking_warnings)
    page_parts.register("authorizations", plan_authorizations)
