"""The client portal and the physician portal."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from scheduling.models import Appointment, OnlineBookingRules
from scheduling.services import appointments as scheduling
from scheduling.services.appointments import appointment_client_may_cancel
from scheduling.tests.factories import AppointmentFactory, AppointmentTypeFactory
from sessions_log.tests.factories import SessionNoteFactory
from treatment_plans.models import ClearanceRequest, ContraindicationRule
from treatment_plans.tests.factories import (
    MilestoneFactory,
    PlanTechniqueFactory,
    PlanVersionFactory,
)


def _in(hours):
    return timezone.now() + dt.timedelta(hours=hours)


@pytest.fixture
def portal(client, cast):
    client.force_login(cast.client_user)
    return client


def test_portal_lists_upcoming_appointments_with_calendar_files(portal, cast):
    appointment = AppointmentFactory(client=cast.client, starts_at=_in(72))
    page = portal.get(reverse("portal")).content.decode()
    ics_url = reverse("portal_appointment_ics", args=[appointment.pk])
    assert ics_url in page
    response = portal.get(ics_url)
    event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
    assert str(event["UID"]).startswith(str(appointment.pk))
    assert response["Content-Type"].startswith("text/calendar")


def test_client_cancels_online_at_least_24_hours_ahead(portal, cast):
    appointment = AppointmentFactory(client=cast.client, starts_at=_in(48))
    response = portal.post(reverse("portal_appointment_cancel", args=[appointment.pk]), follow=True)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert "Your appointment is cancelled" in response.content.decode()


def test_one_tap_asks_to_confirm_before_cancelling(portal, cast):
    appointment = AppointmentFactory(client=cast.client, starts_at=_in(48))
    url = reverse("portal_appointment_cancel", args=[appointment.pk])
    page = portal.get(reverse("portal")).content.decode()
    assert f'href="{url}"' in page  # a link to the question, not a form that cancels
    confirm = portal.get(url).content.decode()
    assert "Cancel this appointment?" in confirm
    assert 'method="post"' in confirm and "No, keep it" in confirm
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_the_confirmation_inside_24_hours_says_to_call(portal, cast):
    appointment = AppointmentFactory(client=cast.client, starts_at=_in(5))
    page = portal.get(reverse("portal_appointment_cancel", args=[appointment.pk])).content
    assert b"Please call the clinic at 555-0100" in page
    assert b'method="post"' not in page.split(b"<main", 1)[1]


def test_inside_24_hours_the_client_is_asked_to_call(portal, cast):
    appointment = AppointmentFactory(client=cast.client, starts_at=_in(5))
    page = portal.get(reverse("portal")).content.decode()
    assert "to cancel, please call the clinic" in page
    response = portal.post(reverse("portal_appointment_cancel", args=[appointment.pk]), follow=True)
    assert "Please call the clinic at 555-0100" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_the_cancel_rule_is_booked_and_at_least_24_hours_ahead():
    # The hours are the admin's rule now (OnlineBookingRules.cancel_hours, 24 by default);
    # the rules are passed as a page listing many appointments passes them.
    rules, now = OnlineBookingRules(), timezone.now()
    booked = Appointment(status=Appointment.Status.BOOKED, starts_at=now + dt.timedelta(hours=24))
    assert appointment_client_may_cancel(booked, now=now, rules=rules)
    assert not appointment_client_may_cancel(booked, now=now + dt.timedelta(seconds=1), rules=rules)
    checked_in = Appointment(
        status=Appointment.Status.CHECKED_IN, starts_at=now + dt.timedelta(hours=48)
    )
    assert not appointment_client_may_cancel(checked_in, now=now, rules=rules)


def test_the_list_the_confirmation_and_the_service_follow_one_cancel_rule(
    portal, cast, monkeypatch
):
    refusal = "Online cancelling is paused."
    monkeypatch.setattr(scheduling, "client_cancel_refusal", lambda *a, **kw: refusal)
    appointment = AppointmentFactory(client=cast.client, starts_at=_in(48))
    url = reverse("portal_appointment_cancel", args=[appointment.pk])
    page = portal.get(reverse("portal")).content.decode()
    assert f'href="{url}"' not in page and "to cancel, please call the clinic" in page
    confirm = portal.get(url).content.decode()
    assert refusal in confirm and 'method="post"' not in confirm.split("<main", 1)[1]
    assert refusal in portal.post(url, follow=True).content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_another_clients_appointment_is_not_found(portal, cast):
    theirs = AppointmentFactory(client=cast.client2, starts_at=_in(72))
    assert portal.post(reverse("portal_appointment_cancel", args=[theirs.pk])).status_code == 404
    assert portal.get(reverse("portal_appointment_ics", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Appointment.Status.BOOKED


def test_portal_lists_forms_still_to_complete(portal):
    page = portal.get(reverse("portal")).content.decode()
    assert "Fill in your health history" in page and "Sign the consent to treatment" in page


def test_portal_shows_the_active_plan_in_plain_language(portal, cast):
    version = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
        home_care="Chin tucks every morning",
    )
    PlanTechniqueFactory(version=version)
    MilestoneFactory(version=version)
    page = portal.get(reverse("portal")).content.decode()
    assert "Your goal:" in page and "A full work day without neck pain" in page
    assert "What happens in a session" in page and "Chin tucks every morning" in page
    assert "Pain (NPRS 0-10) at most 3" in page and "<svg" in page
    assert "Words we use" in page and "Numeric pain rating" in page


def test_on_a_phone_the_milestone_chart_is_a_list_of_figures(portal, cast):
    version = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
    )
    MilestoneFactory(version=version)  # pain: baseline 6, target at most 3, nothing measured
    MilestoneFactory(
        version=version,
        kind="psfs",
        description="Computer work",
        comparator="gte",
        baseline_value=4,
        target_value=7,
    )
    page = portal.get(reverse("portal")).content.decode()
    # Bootstrap's sm breakpoint is 576 px: the drawing above it, the list below it.
    assert '<div class="chart-wrap d-none d-sm-block"><svg' in page
    figures = page.split('<ul class="milestone-figures d-sm-none">', 1)[1].split("</ul>", 1)[0]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", figures)).split())
    assert "Pain (NPRS 0-10) Baseline 6 Now not measured yet Target at most 3" in text
    assert "PSFS 'Computer work' Baseline 4 Now not measured yet Target at least 7" in text


def test_past_sessions_show_techniques_and_home_care_not_soap(portal, cast):
    SessionNoteFactory(
        appointment=AppointmentFactory(client=cast.client, starts_at=_in(-48)),
        signed_at=timezone.now(),
        home_care="Doorway stretch",
        assessment="internal-only",
    )
    page = portal.get(reverse("portal")).content.decode()
    assert "Doorway stretch" in page and "internal-only" not in page


@pytest.fixture
def request_to_physician(cast):
    version = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    return ClearanceRequest.objects.create(
        version=version,
        rule=ContraindicationRule.objects.filter(severity="clearance").first(),
        care_team_member=cast.client.care_team.get(),
        question="May we use deep tissue on the upper back?",
        created_by=cast.therapist,
    )


def test_physician_answers_a_clearance_request_and_the_therapist_sees_it(
    client, cast, request_to_physician
):
    client.force_login(cast.physician_user)
    page = client.get(reverse("physician_dashboard")).content.decode()
    assert "Clearance requests waiting for you" in page
    url = reverse("clearance_detail", args=[request_to_physician.pk])
    refused = client.post(url, {"status": "restricted", "response": ""})
    assert "Say what the restrictions are" in refused.content.decode()
    client.post(url, {"status": "restricted", "response": "Light pressure only, no cupping."})
    request_to_physician.refresh_from_db()
    assert request_to_physician.status == "restricted" and request_to_physician.responded_at
    assert (
        client.post(url, {"status": "declined", "response": "changed my mind"}).status_code == 200
    )
    request_to_physician.refresh_from_db()
    assert request_to_physician.status == "restricted"  # answered once


def test_other_physicians_and_revoked_consent_cannot_answer(client, cast, request_to_physician):
    url = reverse("clearance_detail", args=[request_to_physician.pk])
    client.force_login(cast.physician2_user)
    assert client.get(url).status_code == 404
    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    client.force_login(cast.physician_user)
    assert client.get(url).status_code == 404
    assert cast.client.last_name not in client.get(reverse("physician_dashboard")).content.decode()


def test_physician_dashboard_shows_plan_goal_pdf_and_acknowledgement(client, cast):
    version = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
    )
    client.force_login(cast.physician_user)
    page = client.get(reverse("physician_dashboard")).content.decode()
    assert "A full work day without neck pain" in page
    assert reverse("plan_version_pdf", args=[version.pk]) in page
    client.post(reverse("plan_version_acknowledge", args=[version.pk]))
    page = client.get(reverse("physician_dashboard")).content.decode()
    assert "You acknowledged this version" in page


@pytest.mark.parametrize("count", [2, 30])  # 30: more than one page
def test_physician_dashboard_queries_do_not_grow(
    client, cast, count, django_assert_max_num_queries
):
    from clinic.tests.factories import CareTeamMemberFactory, ClientFactory

    for _ in range(count):
        other = ClientFactory(user=None)
        CareTeamMemberFactory(client=other, physician=cast.physician)
        PlanVersionFactory(plan__client=other, plan__status="active", activated_at=timezone.now())
    client.force_login(cast.physician_user)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("physician_dashboard")).status_code == 200


@pytest.mark.parametrize("sessions", [2, 30])
def test_client_portal_queries_do_not_grow_with_sessions(
    portal, cast, sessions, django_assert_max_num_queries
):
    version = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
    )
    PlanTechniqueFactory(version=version)
    MilestoneFactory(version=version)
    # Booking online open, with a type for clients in a plan: the "Book" entry and each
    # appointment's "Move" are asked too (a few queries, whatever the number of rows).
    OnlineBookingRules.objects.create(enabled=True, max_upcoming=50)
    AppointmentTypeFactory(online_for="plan")
    for n in range(sessions):
        SessionNoteFactory(
            appointment=AppointmentFactory(client=cast.client, starts_at=_in(-24 * (n + 1))),
            plan_version=version,
            signed_at=timezone.now(),
        )
        AppointmentFactory(client=cast.client, starts_at=_in(24 * (n + 2)))
    # 25: 20 before issue 20; one for the waitlist offers open to the client; the rules,
    # the types and the client's eligibility for booking online.
    with django_assert_max_num_queries(25):
        assert portal.get(reverse("portal")).status_code == 200


def test_forms_still_to_complete_are_headed_by_whether_the_client_has_had_a_visit(portal, cast):
    """Issue 15: "Before your first visit" headed the forms a returning client still had to
    complete (here the health history and the consent to treatment)."""
    AppointmentFactory(client=cast.client, starts_at=_in(72))
    page = portal.get(reverse("portal")).content.decode()
    assert "Before your first visit" in page
    AppointmentFactory(client=cast.client, starts_at=_in(-24 * 7), status="completed")
    page = portal.get(reverse("portal")).content.decode()
    assert "Before your first visit" not in page
    assert "Before your next visit" in page and "Fill in your health history" in page
    Appointment.objects.filter(starts_at__gt=timezone.now()).update(status="cancelled")
    page = portal.get(reverse("portal")).content.decode()
    assert "Still to complete" in page and "Fill in your health history" in page


def test_where_a_client_is_told_to_call_the_clinic_its_number_is_given(portal, cast, settings):
    """Issue 15: "to cancel, please call the clinic" gave no number."""
    settings.CLINIC_PHONE = "555-0199"
    page = portal.get(reverse("portal")).content.decode()
    assert 'Call the clinic at <a href="tel:555-0199">555-0199</a> to book one' in page
    AppointmentFactory(client=cast.client, starts_at=_in(5))
    page = portal.get(reverse("portal")).content.decode()
    assert 'to cancel, please call the clinic at <a href="tel:555-0199">555-0199</a>' in page


def test_the_database_down_page_gives_the_clinic_phone_number(settings):
    from clinic.middleware_db import database_unavailable_response

    settings.CLINIC_PHONE = "555-0199"
    assert 'call the clinic at <a href="tel:555-0199">' in (
        database_unavailable_response().content.decode()
    )


def test_the_error_page_gives_the_clinic_phone_number(rf, settings):
    from clinic.views.errors import server_error

    settings.CLINIC_PHONE = "555-0199"
    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert 'call the clinic at <a href="tel:555-0199">555-0199</a>' in response.content.decode()
