"""Treatment plans: the techniques catalogue, contraindication rules, plans and their
immutable versions, milestones and clearance requests."""

from treatment_plans.models.catalogue import (
    ContraindicationRule,
    PlannedPressure,
    Position,
    Severity,
    Technique,
)
from treatment_plans.models.plan import (
    ClearanceRequest,
    ConflictOverride,
    Milestone,
    PlanAcknowledgement,
    PlanDiagnosis,
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
    "PlanDiagnosis",
    "PlanTechnique",
    "PlanVersion",
    "PlannedPressure",
    "Position",
    "Severity",
    "Technique",
    "TreatmentPlan",
]
