"""Session notes (SOAP) with structured techniques, trigger points and measurements;
signing locks a note and corrections are addenda."""

from sessions_log.models.note import (
    TRIGGER_POINT_HOLD_SECONDS,
    Addendum,
    Measurement,
    Position,
    Pressure,
    SessionNote,
    TechniqueApplied,
    TriggerPoint,
)

__all__ = [
    "TRIGGER_POINT_HOLD_SECONDS",
    "Addendum",
    "Measurement",
    "Position",
    "Pressure",
    "SessionNote",
    "TechniqueApplied",
    "TriggerPoint",
]
