"""The five roles, and small predicates used by the access rule and the role decorators."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    THERAPIST = "therapist", "Therapist"
    FRONT_DESK = "front_desk", "Front desk"
    CLIENT = "client", "Client"
    PHYSICIAN = "physician", "Physician"


STAFF_ROLES = frozenset({Role.ADMIN, Role.THERAPIST, Role.FRONT_DESK})
CLINICIAN_ROLES = frozenset({Role.ADMIN, Role.THERAPIST})
# Who writes clinical content (health history, assessments, consents on a client's behalf).
# The clinic admin reads it but does not chart (DESIGN.md, access table).
CLINICAL_WRITERS = frozenset({Role.THERAPIST})


def role_of(user) -> str | None:
    """The user's role, or None for anonymous and inactive users (who see nothing)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return user.role
