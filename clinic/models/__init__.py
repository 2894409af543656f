"""Core models, one module per sub-domain."""

from clinic.models.audit import AuditEntry
from clinic.models.outbox import OutboundMail
from clinic.models.people import CareTeamMember, Client, Physician, Therapist, User, UUIDModel
from clinic.models.submissions import FormSubmission

__all__ = [
    "AuditEntry",
    "CareTeamMember",
    "Client",
    "FormSubmission",
    "OutboundMail",
    "Physician",
    "Therapist",
    "UUIDModel",
    "User",
]
