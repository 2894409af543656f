"""Intake: health history (versioned), referral letters, consents, and assessments."""

from intake.models.assessment import (
    Assessment,
    MuscleTest,
    RangeOfMotion,
    RomNorm,
    SpecialTest,
)
from intake.models.consent import Consent, ConsentText
from intake.models.history import HealthHistory, ReferralLetter

__all__ = [
    "Assessment",
    "Consent",
    "ConsentText",
    "HealthHistory",
    "MuscleTest",
    "RangeOfMotion",
    "ReferralLetter",
    "RomNorm",
    "SpecialTest",
]
