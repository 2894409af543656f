"""Session notes plug into the one access rule (clinic.querysets.ClientDataQuerySet)."""

from __future__ import annotations

from clinic.querysets import CLINICAL_READERS, ClientDataQuerySet
from clinic.roles import Role, role_of


class SessionNoteQuerySet(ClientDataQuerySet):
    """Therapists and admin read every note; the client (own) and consented physicians see
    signed notes only, and the pages show them the shareable parts (never SOAP text to
    physicians)."""

    readers = CLINICAL_READERS

    def visible_to(self, user):
        visible = super().visible_to(user)
        if role_of(user) in {Role.CLIENT, Role.PHYSICIAN}:
            visible = visible.filter(signed_at__isnull=False)
        return visible

    def signed(self):
        return self.filter(signed_at__isnull=False)


class NotePartQuerySet(ClientDataQuerySet):
    client_lookup = "note__client"
    readers = CLINICAL_READERS

    def visible_to(self, user):
        visible = super().visible_to(user)
        if role_of(user) in {Role.CLIENT, Role.PHYSICIAN}:
            visible = visible.filter(note__signed_at__isnull=False)
        return visible
