"""Reads of intake data: the current health history, and what is still missing before care."""

from __future__ import annotations

from dataclasses import dataclass

from clinic.models import Client
from intake.models import Consent, HealthHistory


def current_health_history(*, user, client: Client) -> HealthHistory | None:
    """The latest version the user may see, or None."""
    return (
        HealthHistory.objects.visible_to(user)
        .filter(client=client)
        .select_related("created_by", "reviewed_by", "referring_physician", "referral_letter")
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class Missing:
    """Something required before treatment, with the page where it is done."""

    what: str
    url_name: str


def missing_for_care(client: Client) -> list[Missing]:
    """The gate before a plan is activated or a session logged: a health history and a
    standing consent to treatment. (An internal check, not a read shown to a user.)"""
    missing = []
    if not HealthHistory.objects.filter(client=client).exists():
        missing.append(Missing("a health history (intake form)", "health_history_edit"))
    if not Consent.objects.filter(
        client=client, kind="treatment", revoked_at__isnull=True
    ).exists():
        missing.append(Missing("a signed consent to treatment", "client_consents"))
    return missing
