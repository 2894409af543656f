"""Session notes plug into the one access rule (clinic.querysets.ClientDataQuerySet)."""

from __future__ import annotations

from clinic.querysets import CLINICAL_READERS, ClientDataQuerySet


class SessionNoteQuerySet(ClientDataQuerySet):
    """Therapists and admin read every note; the client (own) and consented physicians see
    signed notes only, and the pages show them the shareable parts (never SOAP text to
    physicians)."""

    readers = CLINICAL_READERS
    shared_only = {"signed_at__isnull": False}

    def signed(self):
        return self.filter(signed_at__isnull=False)


class NotePartQuerySet(ClientDataQuerySet):
    client_lookup = "note__client"
    readers = CLINICAL_READERS
    shared_only = {"note__signed_at__isnull": False}
