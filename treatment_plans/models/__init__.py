"""Treatment plans: the techniques catalogue, contraindication rules, plans and their
immutable versions, milestones, clearance requests, and the PDF summaries."""

from treatment_plans.models.catalogue import ContraindicationRule, Severity, Technique
from treatment_plans.models.plan import (
    ClearanceRequest,
    ConflictOverride,
    Milestone,
    PlanAcknowledgement,
    PlanTechnique,
    PlanVersion,
    TreatmentPlan,
)

__all__ = [
    "ClearanceRequest",
    "ConflictOverride",
    "ContraindicationRule",
    "Milestone",
    "PlanAcknowledgement",
    "PlanTechnique",
    "PlanVersion",
    "Severity",
    "Technique",
    "TreatmentPlan",
]
