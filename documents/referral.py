"""What a referring physician needs on the plan PDF besides the plan itself (issue 17, item 8):
who wrote it and may be reached (the therapist's credentials and licence, the clinic's contact
details, the attestation), what the plan stands on (the health history's conditions with site
and date, medications and allergies, the baseline assessment's findings), and how care is going
(sessions attended against planned, clearance requests and their answers).

Internal reads for the PDF job, like `milestone_progress`: the version was reached by a user
allowed to see it, or by the render task for the care team that shares it."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from intake.medications import class_label, match_medications
from intake.models import Assessment, HealthHistory
from treatment_plans.contraindications import current_history
from treatment_plans.models import ClearanceRequest, PlanVersion


@dataclass(frozen=True)
class Attestation:
    name: str
    credentials: str
    licence: str
    signed_at: object  # the activation time


def clinic_contact() -> dict:
    return {
        "name": settings.CLINIC_NAME,
        "address": settings.CLINIC_ADDRESS,
        "phone": settings.CLINIC_PHONE,
        "email": settings.CLINIC_EMAIL,
    }


def attestation(version: PlanVersion) -> Attestation:
    """The therapist who activated the version signs it (the plan's therapist when the
    version predates the record of who activated it)."""
    user = version.activated_by or version.plan.therapist
    profile = getattr(user, "therapist_profile", None)
    return Attestation(
        name=user.get_full_name() or user.get_username(),
        credentials=profile.credentials if profile else "",
        licence=profile.license_number if profile else "",
        signed_at=version.activated_at,
    )


def history_conditions(history: HealthHistory | None) -> list[dict]:
    """Each flagged condition in words, with its site and date where the history has them."""
    if history is None:
        return []
    return [{"label": flag.label, "detail": detail} for flag, detail in history.flag_details]


def recognised_medications(history: HealthHistory | None) -> list[dict]:
    """The drug names found in the medications as written, with their class ("Warfarin",
    "anticoagulant"); nothing guessed (intake/medications.py)."""
    if history is None:
        return []
    return [
        {"text": match.text, "class": class_label(match.drug_class)}
        for match in match_medications(history.medications)
    ]


def baseline_assessment(version: PlanVersion) -> Assessment | None:
    """The initial assessment the plan stands on: the newest one on or before activation
    (else the newest), with its range-of-motion readings and their norms."""
    assessments = (
        Assessment.objects.filter(client_id=version.plan.client_id, kind=Assessment.Kind.INITIAL)
        .prefetch_related("rom__norm")
        .order_by("-assessed_on", "-created_at")
    )
    if version.activated_at is not None:
        before = assessments.filter(assessed_on__lte=version.activated_at.date()).first()
        if before is not None:
            return before
    return assessments.first()


def clearance_requests(version: PlanVersion) -> list[ClearanceRequest]:
    """Every clearance asked for this plan (any version), pending or answered, oldest first."""
    return list(
        ClearanceRequest.objects.filter(version__plan_id=version.plan_id)
        .select_related("care_team_member__physician", "rule", "technique")
        .order_by("created_at")
    )


def referral_context(version: PlanVersion, *, sessions_attended: int) -> dict:
    history = current_history(version.plan.client)
    return {
        "clinic": clinic_contact(),
        "attestation": attestation(version),
        "history": history,
        "history_conditions": history_conditions(history),
        "medications_recognised": recognised_medications(history),
        "baseline": baseline_assessment(version),
        "sessions_attended": sessions_attended,
        "clearance_requests": clearance_requests(version),
    }
