"""Plan data plugs into the one access rule (clinic.querysets.ClientDataQuerySet)."""

from __future__ import annotations

from clinic.querysets import CLINICAL_READERS, ClientDataQuerySet
from clinic.roles import Role, role_of


class PlanQuerySet(ClientDataQuerySet):
    """Plans: therapists and admin; the client and consented physicians see plans that have
    an active (or finished) version, never a draft."""

    readers = CLINICAL_READERS

    def visible_to(self, user):
        visible = super().visible_to(user)
        if role_of(user) in {Role.CLIENT, Role.PHYSICIAN}:
            # A plan with several activated versions would repeat without distinct().
            visible = visible.filter(versions__activated_at__isnull=False).distinct()
        return visible


class PlanVersionQuerySet(ClientDataQuerySet):
    """Versions: clients and physicians see activated versions only (no drafts)."""

    client_lookup = "plan__client"
    readers = CLINICAL_READERS
    shared_only = {"activated_at__isnull": False}


class ClearanceRequestQuerySet(ClientDataQuerySet):
    """Clearance requests: therapists and admin see all; a physician sees the ones addressed
    to them while the client shares with them (drafts included: a request comes before the
    plan is activated). Clients do not see them."""

    client_lookup = "version__plan__client"
    readers = frozenset({Role.ADMIN, Role.THERAPIST, Role.PHYSICIAN})

    def visible_to(self, user):
        visible = super().visible_to(user)
        if role_of(user) == Role.PHYSICIAN:
            visible = visible.filter(
                care_team_member__physician__user=user,
                care_team_member__sharing_consented_at__isnull=False,
                care_team_member__sharing_revoked_at__isnull=True,
            )
        return visible

    def pending(self):
        return self.filter(status="pending")


class PlanPartQuerySet(ClientDataQuerySet):
    """Rows that hang off a plan version (techniques, milestones, overrides, PDFs...): like
    versions, clients and physicians see those of activated versions only."""

    client_lookup = "version__plan__client"
    readers = CLINICAL_READERS
    shared_only = {"version__activated_at__isnull": False}


class PlanDiagnosisQuerySet(ClientDataQuerySet):
    """A plan's ICD-10-CM codes: read like the plan (the client and consented physicians once a
    version is activated)."""

    client_lookup = "plan__client"
    readers = CLINICAL_READERS
    shared_only = {"plan__versions__activated_at__isnull": False}

    def visible_to(self, user):
        return super().visible_to(user).distinct()
