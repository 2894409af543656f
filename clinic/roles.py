"""The five roles, and small predicates used by the access rule and the role decorators."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    THERAPIST = "therapist", "Therapist"
    FRONT_DESK = "front_desk", "Front desk"
    CLIENT = "client", "Client"
    PHYSICIAN = "physician", "Physician"
    BILLING = "billing", "Billing staff"


STAFF_ROLES = frozenset({Role.ADMIN, Role.THERAPIST, Role.FRONT_DESK})
CLINICIAN_ROLES = frozenset({Role.ADMIN, Role.THERAPIST})
# Who works the clinic's money (issue 18): charges, posting, voids, payers, reports, the
# export. Billing staff read clients' identity and billing records, never clinical text.
BILLING_ROLES = frozenset({Role.ADMIN, Role.BILLING})
# Who writes clinical content (health history, assessments, consents on a client's behalf).
# The clinic admin reads it but does not chart (DESIGN.md, access table).
CLINICAL_WRITERS = frozenset({Role.THERAPIST})


def role_of(user) -> str | None:
    """The user's role, or None for anonymous and inactive users (who see nothing)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user.role
