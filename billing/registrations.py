"""What billing lends the pages of apps below it, through their registries (ARCHITECTURE.md,
"When a lower app must tell a higher one")."""

from __future__ import annotations

from django.urls import reverse

from billing.models import Charge
from clinic.roles import role_of


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
    from sessions_log import note_parts

    note_parts.register("charge_link", charge_link)
