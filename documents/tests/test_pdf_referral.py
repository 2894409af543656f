"""What a referring physician reads on the plan PDF (issue 17, item 8): the therapist's
credentials and licence, the clinic's contact details, the attestation, the health history's
conditions with site and date, medications and allergies, the baseline assessment, sessions
attended against planned, and every clearance request with its answer. Read back with pypdf."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clinic.date_formats import day
from documents.services import plan_pdf_request
from documents.tests.test_pdf import make_plan, pdf_text
from intake.tests.factories import HealthHistoryFactory
from scheduling.tests.factories import AppointmentFactory
from sessions_log.tests.factories import SessionNoteFactory
from treatment_plans.models import ClearanceRequest, ContraindicationRule, Severity


@pytest.fixture
def printed(django_capture_on_commit_callbacks):
    """The text of the version's PDF, rendered in-process (eager) and read back with pypdf."""

    def run(version) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            pdf = plan_pdf_request(version=version)
        pdf.refresh_from_db()
        return pdf_text(pdf)

    return run


def _signed_notes(version, count: int) -> None:
    profile = version.plan.therapist.therapist_profile
    for weeks in range(count):
        appointment = AppointmentFactory(
            client=version.plan.client,
            therapist=profile,
            starts_at=timezone.now() - dt.timedelta(weeks=weeks + 1),
        )
        SessionNoteFactory(appointment=appointment, plan_version=version, signed_at=timezone.now())


def test_the_pdf_says_who_signed_it_and_how_to_reach_the_clinic(cast, printed, settings):
    settings.CLINIC_ADDRESS = "4 Mill Lane, Riverton"
    settings.CLINIC_EMAIL = "desk@riverton.example"
    settings.CLINIC_PHONE = "555-0142"
    profile = cast.therapist.therapist_profile
    profile.credentials, profile.license_number = "LMT, CMMT", "MA-40417"
    profile.save()
    version = make_plan(cast)

    text = printed(version)

    assert "4 Mill Lane, Riverton · 555-0142 · desk@riverton.example" in text
    name = cast.therapist.get_full_name()
    assert f"{name}, LMT, CMMT (licence MA-40417)" in text
    assert f"Electronically signed by {name}, LMT, CMMT, licence MA-40417, on" in text


def test_the_pdf_carries_the_history_the_plan_stands_on(cast, printed):
    surgery = dt.date.today() - dt.timedelta(days=40)
    HealthHistoryFactory(
        client=cast.client,
        conditions=["anticoagulants", "recent_surgery"],
        recent_surgery_date=surgery,
        recent_surgery_site="right shoulder",
        medications="Warfarin 5 mg daily",
        allergies="Latex",
    )
    version = make_plan(cast)

    text = printed(version)

    assert "Takes anticoagulants / blood thinners (e.g. warfarin)" in text
    assert f"Surgery in the last 6 months (right shoulder, on {day(surgery)})" in text
    assert "Medications Warfarin 5 mg daily" in text
    assert "Recognised: Warfarin → anticoagulant" in text
    assert "Allergies Latex" in text


def test_the_pdf_carries_the_baseline_and_the_sessions_attended(cast, printed):
    version = make_plan(cast)  # its initial assessment: NPRS 4, PSFS 6, right rotation 62°
    _signed_notes(version, 3)

    text = printed(version)

    assert "Pain now (NPRS 0-10): 4." in text
    assert "PSFS mean: 6.0 (sitting at the desk : 6)" in text
    assert "62° " in text
    assert f"Sessions attended 3 of {version.planned_sessions} planned" in text


def test_the_pdf_lists_clearance_requests_pending_and_answered(cast, printed):
    version = make_plan(cast)
    member = cast.client.care_team.first()
    rule = ContraindicationRule.objects.create(
        condition="uncontrolled_hypertension",
        severity=Severity.CLEARANCE,
        reason="Blood pressure not yet controlled.",
    )
    ClearanceRequest.objects.create(
        version=version,
        rule=rule,
        care_team_member=member,
        question="Deep work on the back?",
        created_by=cast.therapist,
    )
    ClearanceRequest.objects.create(
        version=version,
        rule=rule,
        care_team_member=member,
        question="Cupping?",
        created_by=cast.therapist,
        status=ClearanceRequest.Status.RESTRICTED,
        response="Light cupping only, not over the kidneys.",
        responded_at=timezone.now(),
    )

    text = printed(version)

    assert "Blood pressure not yet controlled.). Awaiting an answer." in text
    assert "Approved with restrictions on" in text
    assert "Light cupping only, not over the kidneys." in text


def test_without_history_or_assessment_the_pdf_says_so(cast, printed):
    version = make_plan(cast)
    version.plan.client.assessments.all().delete()

    text = printed(version)

    assert "No health history is on file." in text
    assert "No initial assessment is on file." in text
    assert "No clearance has been asked for this plan." in text
