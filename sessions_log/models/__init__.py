"""Session notes (SOAP) with structured techniques, trigger points and measurements;
signing locks a note and corrections are addenda."""

from sessions_log.models.note import (
    Addendum,
    Measurement,
    Pressure,
    SessionNote,
    TechniqueApplied,
    TriggerPoint,
)

__all__ = ["Addendum", "Measurement", "Pressure", "SessionNote", "TechniqueApplied", "TriggerPoint"]
