"""Intake's readiness check as registered for the apps that may not import intake
(clinic/readiness.py): the same answer as the gate before care, for every state."""

from __future__ import annotations

import pytest
from django.utils import timezone

from clinic import readiness
from clinic.models import Client
from clinic.tests.factories import ClientFactory
from intake.selectors import missing_for_care
from intake.tests.factories import HealthHistoryFactory, TreatmentConsentFactory

pytestmark = pytest.mark.django_db


def test_intake_registers_the_history_and_the_consent():
    assert [(r.key, r.missing, r.portal_url_name) for r in readiness.requirements()] == [
        ("history", "Health history missing", "portal_health_history_edit"),
        ("consent", "Consent missing", "portal_consents"),
    ]


def test_the_registered_check_answers_as_the_gate_before_care(django_assert_num_queries):
    nothing = ClientFactory(user=None)
    history_only = ClientFactory(user=None)
    HealthHistoryFactory(client=history_only)
    withdrawn = ClientFactory(user=None)
    HealthHistoryFactory(client=withdrawn)
    TreatmentConsentFactory(client=withdrawn, revoked_at=timezone.now())
    consent_only = ClientFactory(user=None)
    TreatmentConsentFactory(client=consent_only)
    complete = ClientFactory(user=None)
    HealthHistoryFactory(client=complete)
    TreatmentConsentFactory(client=complete)
    clients = [nothing, history_only, withdrawn, consent_only, complete]

    with django_assert_num_queries(1):  # one query for any number of clients
        rows = {
            c.pk: c
            for c in readiness.annotate(Client.objects.filter(pk__in=[c.pk for c in clients]), "pk")
        }
    by_gate = {c.pk: [m.url_name for m in missing_for_care(c)] for c in clients}
    by_registry = {
        pk: ["health_history_edit" if r.key == "history" else "client_consents" for r in missing]
        for pk, missing in ((pk, readiness.missing(row)) for pk, row in rows.items())
    }
    assert by_registry == by_gate
    assert by_gate[complete.pk] == [] and len(by_gate[nothing.pk]) == 2
    incomplete = readiness.annotate(Client.objects.filter(pk__in=rows), "pk").filter(
        readiness.incomplete()
    )
    assert set(incomplete.values_list("pk", flat=True)) == set(rows) - {complete.pk}
