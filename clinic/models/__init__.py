"""Core models, one module per sub-domain."""

from clinic.mfa.models import MfaDevice
from clinic.models.audit import AuditEntry
from clinic.models.invitations import Invitation
from clinic.models.outbox import OutboundMail
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
from clinic.models.submissions import FormSubmission
from clinic.models.throttle import LoginThrottle
from clinic.security.models import UserSession

__all__ = [
    "Appointment",
    "AppointmentSeries",
    "AppointmentType",
    "AuditEntry",
    "CareTeamMember",
    "Client",
    "FormSubmission",
    "Invitation",
    "LoginThrottle",
    "MfaDevice",
    "OutboundMail",
    "Physician",
    "Room",
    "Therapist",
    "TimeOff",
    "UUIDModel",
    "User",
    "UserSession",
    "WaitlistEntry",
    "WorkingHours",
]
