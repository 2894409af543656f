"""Reads of intake data: the current health history, and what is still missing before care."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

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


# What the health alerts (intake/_health_alerts.html) read of the current version: the
# medications as written too, for the drugs recognised in them (intake/medications.py).
ALERT_FIELDS = (
    "version",
    "created_at",
    "reviewed_at",
    "conditions",
    "allergies",
    "medications",
    "medication_classes",
    "pregnancy_due_date",
    "delivery_date",
    "recent_surgery_date",
    "recent_surgery_site",
    "events",
)


def health_alerts_source(*, user, client: Client) -> HealthHistory | None:
    """The latest version the user may see, with only what the alerts show: they top every
    clinical page of a client, so no joins and no long text but the medications."""
    return (
        HealthHistory.objects.visible_to(user)
        .filter(client_id=client.pk)  # a Client row or what a page shows of one
        .only(*ALERT_FIELDS)
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class Missing:
    """Something required before treatment, with the page where it is done."""

    what: str
    url_name: str


def history_on_file(client_ref: str = "pk") -> Exists:
    """True where the client (the outer query's `client_ref` column) has a health history."""
    return Exists(HealthHistory.objects.filter(client=OuterRef(client_ref)))


def consent_on_file(client_ref: str = "pk") -> Exists:
    """True where the client has a standing (not withdrawn) consent to treatment."""
    return Exists(
        Consent.objects.filter(
            client=OuterRef(client_ref), kind="treatment", revoked_at__isnull=True
        )
    )


def missing_for_care(client: Client) -> list[Missing]:
    """The gate before a plan is activated or a session logged: a health history and a
    standing consent to treatment. (An internal check, not a read shown to a user.) The two
    tests are `history_on_file` and `consent_on_file`, which lists of many clients annotate
    (the day view, the intake forms mails: scheduling/services/intake_forms.py)."""
    has_history, has_consent = (
        Client.objects.filter(pk=client.pk).values_list(history_on_file(), consent_on_file()).get()
    )  # one round trip for both checks
    missing = []
    if not has_history:
        missing.append(Missing("a health history (intake form)", "health_history_edit"))
    if not has_consent:
        missing.append(Missing("a signed consent to treatment", "client_consents"))
    return missing
