"""Core models, one module per sub-domain."""

from clinic.models.audit import AuditEntry
from clinic.models.invitations import Invitation
from clinic.models.people import CareTeamMember, Client, Physician, Therapist, User, UUIDModel
from clinic.models.scheduling import (
    Appointment,
    AppointmentSeries,
    AppointmentType,
    Room,
    TimeOff,
    WaitlistEntry,
    WorkingHours,
)

__all__ = [
    "Appointment",
    "AppointmentSeries",
    "AppointmentType",
    "AuditEntry",
    "CareTeamMember",
    "Client",
    "Invitation",
    "Physician",
    "Room",
    "Therapist",
    "TimeOff",
    "UUIDModel",
    "User",
    "WaitlistEntry",
    "WorkingHours",
]
