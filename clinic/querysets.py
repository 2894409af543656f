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

from clinic.roles import BILLING_ROLES, STAFF_ROLES, Role, role_of
from clinic.search import folded_names, words_in_names

# Who may read each kind of client data (the columns of the access table).
DEMOGRAPHIC_READERS = frozenset(Role)
APPOINTMENT_READERS = frozenset({Role.ADMIN, Role.THERAPIST, Role.FRONT_DESK, Role.CLIENT})
CLINICAL_READERS = frozenset({Role.ADMIN, Role.THERAPIST, Role.CLIENT, Role.PHYSICIAN})
CONSENT_READERS = frozenset({Role.ADMIN, Role.THERAPIST, Role.FRONT_DESK, Role.CLIENT})


class ClientQuerySet(models.QuerySet):
    def visible_to(self, user) -> ClientQuerySet:
        role = role_of(user)
        if role in STAFF_ROLES or role in BILLING_ROLES:
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
        """Name words (accents, case and punctuation ignored), a phone number (any
        punctuation) or a birth date (YYYY-MM-DD or MM/DD/YYYY)."""
        text = text.strip()
        if not text:
            return self
        born = _parse_birth_date(text)
        if born is not None:
            return self.filter(date_of_birth=born)
        digits = "".join(ch for ch in text if ch.isdigit())
        if len(digits) >= 3 and not any(ch.isalpha() for ch in text):
            return self.filter(phone_digits__contains=digits)
        return self.named(text)

    def named(self, text: str, *, preferred_name: bool = True) -> ClientQuerySet:
        """The one name search: every word of `text` inside the first or last name, or the
        preferred name unless `preferred_name=False` (a physician reads only the name and
        birth date). Case, accents and punctuation are ignored (clinic/search.py)."""
        fields = ("search_name", "search_preferred") if preferred_name else ("search_name",)
        return self.filter(words_in_names(text, fields))

    def same_name(self, first_name: str, last_name: str) -> ClientQuerySet:
        """Clients whose first and last name are these, compared as the search compares
        them ("Zoe OBrien" is "Zoë O'Brien")."""
        return self.filter(search_name=folded_names(first_name, last_name))


def _parse_birth_date(text: str):
    import datetime as dt

    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


class ClientDataQuerySet(models.QuerySet):
    """Rows that belong to one client, reached through `client_lookup`.

    `shared_only`: a filter for what the client and their physicians may see of this kind of
    row (e.g. only activated plan versions, only signed notes); staff see drafts too."""

    client_lookup = "client"
    readers: frozenset = CLINICAL_READERS
    shared_only: dict | None = None

    def visible_to(self, user) -> models.QuerySet:
        role = role_of(user)
        if role not in self.readers:
            return self.none()
        if role in STAFF_ROLES:
            return self
        visible = self._of_visible_clients(role, user)
        return visible.filter(**self.shared_only) if self.shared_only else visible

    def _of_visible_clients(self, role, user) -> models.QuerySet:
        """Rows of the clients `Client.objects.visible_to(user)` holds, said straight to the
        row (no pass through the client table): a client's own rows, or the rows of clients
        sharing their care with this physician. The same rows as `client IN (visible
        clients)`, which made PostgreSQL gather every consented client of a physician
        before it looked at one row, and plan a join more."""
        if role == Role.CLIENT:
            return self.filter(**{f"{self.client_lookup}__user": user})
        if role == Role.PHYSICIAN:
            from clinic.models import CareTeamMember

            sharing = CareTeamMember.objects.sharing().filter(
                client=OuterRef(self.client_lookup), physician__user=user
            )
            return self.filter(Exists(sharing))
        return self.none()


class CareTeamMemberQuerySet(ClientDataQuerySet):
    readers = DEMOGRAPHIC_READERS

    def sharing(self) -> CareTeamMemberQuerySet:
        """Members whose sharing consent is given and not revoked: the physician's key."""
        return self.filter(sharing_consented_at__isnull=False, sharing_revoked_at__isnull=True)


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


class OutboundMailQuerySet(models.QuerySet):
    """Mail the clinic owes (clinic/models/outbox.py). Staff see it to chase what failed: the
    front desk the mails of its own work (appointments, portal invitations), therapists also
    the care team's, the admin everything (password resets included). Clients and physicians
    see none: their mail is in their inbox."""

    def visible_to(self, user) -> OutboundMailQuerySet:
        from clinic import outbox

        role = role_of(user)
        if role == Role.ADMIN:
            return self
        if role in (Role.THERAPIST, Role.FRONT_DESK):
            return self.filter(kind__in=outbox.kinds_for(role))
        return self.none()

    def waiting(self) -> OutboundMailQuerySet:
        return self.filter(status="waiting")

    def failed(self) -> OutboundMailQuerySet:
        return self.filter(status="failed")
