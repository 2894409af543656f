"""The access rule, built once (DESIGN.md, "Who may see what").

Every model that holds client data gets its queryset from here and exposes
`Model.objects.visible_to(user)`. Views never filter for access themselves; they start from
`visible_to` and a stranger gets an empty queryset, hence a 404.

Later apps plug in by subclassing `ClientDataQuerySet`, naming the path to the client
(`client_lookup`) and which roles may read that kind of data at all (`readers`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef

from clinic.roles import STAFF_ROLES, Role, role_of

# Who may read each kind of client data (the columns of the access table).
DEMOGRAPHIC_READERS = frozenset(Role)
APPOINTMENT_READERS = frozenset({Role.ADMIN, Role.THERAPIST, Role.FRONT_DESK, Role.CLIENT})
CLINICAL_READERS = frozenset({Role.ADMIN, Role.THERAPIST, Role.CLIENT, Role.PHYSICIAN})
CONSENT_READERS = frozenset({Role.ADMIN, Role.THERAPIST, Role.FRONT_DESK, Role.CLIENT})


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user) -> ClientQuerySet:
        role = role_of(user)
        if role in STAFF_ROLES:
            return self
        if role == Role.CLIENT:
            return self.filter(user=user)
        if role == Role.PHYSICIAN:
            from clinic.models import CareTeamMember

            sharing = CareTeamMember.objects.sharing().filter(
                client=OuterRef("pk"), physician__user=user
            )
            return self.filter(Exists(sharing))
        return self.none()

    def search(self, text: str) -> ClientQuerySet:
        text = text.strip()
        if not text:
            return self
        query = models.Q()
        for word in text.split():
            query &= (
                models.Q(first_name__icontains=word)
                | models.Q(last_name__icontains=word)
                | models.Q(preferred_name__icontains=word)
                | models.Q(phone__icontains=word)
            )
        return self.filter(query)


class ClientDataQuerySet(models.QuerySet):
    """Rows that belong to one client, reached through `client_lookup`."""

    client_lookup = "client"
    readers: frozenset = CLINICAL_READERS

    def visible_to(self, user) -> models.QuerySet:
        role = role_of(user)
        if role not in self.readers:
            return self.none()
        if role in STAFF_ROLES:
            return self
        from clinic.models import Client

        visible_clients = Client.objects.visible_to(user).values("pk")
        return self.filter(**{f"{self.client_lookup}__in": visible_clients})


class CareTeamMemberQuerySet(ClientDataQuerySet):
    readers = DEMOGRAPHIC_READERS

    def sharing(self) -> CareTeamMemberQuerySet:
        """Members whose sharing consent is given and not revoked: the physician's key."""
        return self.filter(sharing_consented_at__isnull=False, sharing_revoked_at__isnull=True)


class AppointmentQuerySet(ClientDataQuerySet):
    """Appointments: clinic staff and the client themself; physicians never see the schedule."""

    readers = APPOINTMENT_READERS

    def active(self) -> AppointmentQuerySet:
        return self.exclude(status="cancelled")

    def overlapping(self, starts_at, ends_at) -> AppointmentQuerySet:
        return self.active().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)


class SeriesQuerySet(ClientDataQuerySet):
    readers = APPOINTMENT_READERS


class WaitlistEntryQuerySet(ClientDataQuerySet):
    readers = APPOINTMENT_READERS

    def open(self) -> WaitlistEntryQuerySet:
        return self.filter(resolved_at__isnull=True)


class PhysicianQuerySet(models.QuerySet):
    """Physicians are directory entries (name, practice), readable by staff; a physician sees
    their own entry and a client the physicians on their own care team."""

    def visible_to(self, user) -> PhysicianQuerySet:
        role = role_of(user)
        if role in STAFF_ROLES:
            return self
        if role == Role.PHYSICIAN:
            return self.filter(user=user)
        if role == Role.CLIENT:
            return self.filter(care_memberships__client__user=user).distinct()
        return self.none()


class AuditEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> AuditEntryQuerySet:
        return self if role_of(user) == Role.ADMIN else self.none()
