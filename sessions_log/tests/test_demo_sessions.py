"""The demo sessions: signed notes for each demo client with a plan, pain easing and
measurements moving towards the milestones; seeding twice adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from documents.models import PlanPdf
from scheduling.models import Appointment
from sessions_log.models import Measurement, SessionNote
from treatment_plans.models import Milestone


def _seed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.django_db
def test_demo_sessions(django_capture_on_commit_callbacks):
    _seed(django_capture_on_commit_callbacks)
    notes = SessionNote.objects.select_related("client", "appointment__therapist__user")
    by_client: dict[str, list] = {}
    for note in notes.order_by("appointment__starts_at"):
        by_client.setdefault(note.client.last_name, []).append(note)
    assert set(by_client) == {"Whitfield", "Bell", "Raman", "Haldane"}
    for last_name, rows in by_client.items():
        assert 6 <= len(rows) <= 10, last_name
        assert all(n.is_signed and n.plan_version_id for n in rows)
        assert all(
            n.appointment.therapist.user_id == n.plan_version.plan.therapist_id for n in rows
        )
        assert rows[-1].pain_before < rows[0].pain_before  # pain eases
        assert all(n.techniques.exists() and n.home_care for n in rows)
    # Karen is on warfarin: light pressure only.
    karen = SessionNote.objects.filter(client__last_name="Whitfield")
    assert set(karen.values_list("techniques__pressure", flat=True)) == {"light"}
    rotation = Measurement.objects.filter(note__client__last_name="Whitfield", kind="rom")
    values = [
        int(v)
        for v in rotation.order_by("note__appointment__starts_at").values_list("value", flat=True)
    ]
    assert values == [55, 58, 61, 63, 66, 68, 70]
    # Her milestones follow the readings; the PDFs were refreshed and are ready.
    met = Milestone.objects.filter(version__plan__client__last_name="Whitfield")
    assert set(met.values_list("status", flat=True)) == {"met"}
    assert not PlanPdf.objects.exclude(status="ready").exists()


@pytest.mark.django_db
def test_demo_appointments_do_not_overlap_and_seeding_is_idempotent(
    django_capture_on_commit_callbacks,
):
    _seed(django_capture_on_commit_callbacks)
    counts = (SessionNote.objects.count(), Appointment.objects.count())
    for appointment in Appointment.objects.active().filter(session_note__isnull=False):
        clash = Appointment.objects.overlapping(appointment.starts_at, appointment.ends_at)
        clash = clash.exclude(pk=appointment.pk)
        assert not clash.filter(therapist=appointment.therapist).exists()
        assert not clash.filter(client=appointment.client).exists()
    _seed(django_capture_on_commit_callbacks)
    assert (SessionNote.objects.count(), Appointment.objects.count()) == counts
