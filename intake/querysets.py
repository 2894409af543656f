"""Intake data plugs into the one access rule (clinic.querysets.ClientDataQuerySet)."""

from __future__ import annotations

from clinic.querysets import CLINICAL_READERS, CONSENT_READERS, ClientDataQuerySet


class HealthHistoryQuerySet(ClientDataQuerySet):
    """Health history: therapists and admin, the client themself, and consented physicians
    (who are shown a summary). Never the front desk."""

    readers = CLINICAL_READERS


class ConsentQuerySet(ClientDataQuerySet):
    """Consents: staff (the front desk reads status only), the client; not physicians."""

    readers = CONSENT_READERS

    def active(self):
        return self.filter(revoked_at__isnull=True)


class ReferralLetterQuerySet(ClientDataQuerySet):
    readers = CLINICAL_READERS


class AssessmentQuerySet(ClientDataQuerySet):
    readers = CLINICAL_READERS


class AssessmentPartQuerySet(ClientDataQuerySet):
    """ROM, muscle tests and special tests, reached through their assessment."""

    client_lookup = "assessment__client"
    readers = CLINICAL_READERS
