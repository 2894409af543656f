"""The demo tells one story in time for each client: intake and consent, the initial
assessment, the plan, the signed sessions one after another, then what is still to come."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from clinic.clinic_time import local
from clinic.models import CareTeamMember, Client
from intake.models import Assessment, Consent, HealthHistory
from scheduling.models import Appointment
from sessions_log.models import SessionNote
from treatment_plans.models import TreatmentPlan

INITIAL = "Initial assessment"


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())


def _appointments(client) -> list[Appointment]:
    rows = Appointment.objects.filter(client=client).exclude(status=Appointment.Status.CANCELLED)
    return list(rows.select_related("appointment_type", "therapist").order_by("starts_at"))


def _notes(client) -> list[SessionNote]:
    rows = SessionNote.objects.filter(client=client).select_related("appointment", "plan_version")
    return list(rows.order_by("appointment__starts_at"))


@pytest.mark.usefixtures("demo")
def test_each_demo_client_has_at_most_one_initial_assessment_and_it_comes_first():
    for client in Client.objects.all():
        appointments = _appointments(client)
        kinds = [a.appointment_type.name for a in appointments]
        assert kinds.count(INITIAL) <= 1, client
        if INITIAL in kinds:
            assert kinds[0] == INITIAL, (client, kinds)


@pytest.mark.usefixtures("demo")
def test_only_what_is_to_come_is_booked_and_only_the_past_is_completed():
    now = timezone.now()
    for appointment in Appointment.objects.all():
        if appointment.status == Appointment.Status.BOOKED:
            assert appointment.starts_at > now, appointment
        else:
            assert appointment.starts_at < now, appointment


@pytest.mark.usefixtures("demo")
def test_a_client_without_intake_has_nothing_in_the_past():
    for client in Client.objects.filter(health_histories__isnull=True):
        assert all(a.starts_at > timezone.now() for a in _appointments(client)), client


@pytest.mark.usefixtures("demo")
def test_each_treated_client_story_is_in_order():
    plans = TreatmentPlan.objects.select_related("client", "therapist")
    assert plans.count() == 4
    for plan in plans:
        client, notes = plan.client, _notes(plan.client)
        appointments = _appointments(client)
        first_session = notes[0].appointment
        assessment = appointments[0]
        assert assessment.appointment_type.name == INITIAL, client
        assert assessment.status == Appointment.Status.COMPLETED
        # Intake and consents come before the first visit.
        intake = [h.created_at for h in HealthHistory.objects.filter(client=client)]
        intake += [c.signed_at for c in Consent.objects.filter(client=client)]
        intake += CareTeamMember.objects.filter(
            client=client, sharing_consented_at__isnull=False
        ).values_list("sharing_consented_at", flat=True)
        assert intake and max(intake) < assessment.starts_at, client
        for history in HealthHistory.objects.filter(client=client, reviewed_at__isnull=False):
            assert history.reviewed_at < first_session.starts_at
        # The recorded assessment is of that visit's day, and before the plan.
        for record in Assessment.objects.filter(client=client, kind=Assessment.Kind.INITIAL):
            assert record.assessed_on == local(assessment.starts_at).date(), client
        # The plan: activated after the assessment and before the first session it covers,
        # written by the therapist who treats.
        for version in plan.versions.exclude(activated_at=None):
            covered = [n.appointment.starts_at for n in notes if n.plan_version_id == version.pk]
            assert assessment.ends_at <= version.created_at <= version.activated_at, client
            assert not covered or version.activated_at < min(covered), client
            assert version.start_date >= local(assessment.starts_at).date()
        assert plan.created_at >= assessment.ends_at
        assert {a.therapist.user_id for a in appointments} == {plan.therapist_id}, client
        # Sessions: each note signed after its appointment ends and before the next one.
        assert first_session.starts_at > assessment.ends_at
        for note, following in zip(notes, [*notes[1:], None], strict=True):
            assert note.appointment.appointment_type.name != INITIAL
            assert note.appointment.status == Appointment.Status.COMPLETED
            assert note.signed_at >= note.appointment.ends_at
            if following is not None:
                assert note.signed_at < following.appointment.starts_at
        # What comes next is in the future.
        later = [a for a in appointments if a.starts_at > notes[-1].appointment.starts_at]
        assert later and all(a.status == Appointment.Status.BOOKED for a in later), client
        assert later[0].appointment_type.name == "Reassessment", client
