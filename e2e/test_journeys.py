"""The users' journeys through a real browser (issue 9): front desk, client, therapist, physician,
and the client again. Each test starts from the demo clinic; the pages each visits are
screenshotted to artifacts/e2e/ and checked with axe-core (see conftest.py)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from e2e.conftest import PASSWORD

# serialized_rollback: the live server needs committed data, so each test ends with a flush;
# this restores what the migrations load (appointment types, techniques, consent texts, norms).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

KAREN = "Karen Whitfield"


def _next_weekday(weekday: int, after_days: int) -> dt.date:
    """A date at least `after_days` from today that falls on `weekday` (0 = Monday)."""
    from clinic.clinic_time import today

    day = today() + dt.timedelta(days=after_days)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _open_client(page, journey, name: str, step: str):
    page.get_by_role("navigation").get_by_role("link", name="Clients").click()
    page.wait_for_load_state()
    journey.check(page, f"{step}-client-list", screenshot=False)
    last, first = name.split()[1], name.split()[0]
    page.locator("main").get_by_role("link", name=re.compile(f"{last}, {first}")).first.click()
    page.wait_for_load_state()
    journey.check(page, f"{step}-client-page")


def test_front_desk_registers_and_books(journey, demo):
    page = journey.login("frontdesk")
    journey.check(page, "dashboard")
    page.get_by_role("navigation").get_by_role("link", name="Clients").click()
    page.get_by_role("link", name="Register a client").click()
    journey.check(page, "register-form")
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Ellison")
    page.get_by_label("Date of birth").fill("1987-04-09")
    page.get_by_label("Phone", exact=True).fill("555-0177")
    page.get_by_label("Email").fill("nora.ellison@mail.example")
    page.get_by_label("Emergency contact: name").fill("Ben Ellison")
    page.get_by_label("Emergency contact: phone").fill("555-0178")
    page.get_by_label("Primary physician").select_option(label="Dr. Helen Cho")
    page.get_by_label("Referral source").fill("Dr. Cho")
    page.get_by_role("button", name="Register").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Nora Ellison"
    journey.check(page, "client-page")

    page.get_by_role("link", name="Book appointment").click()
    journey.check(page, "booking-form")
    # Maya works Monday to Friday 09:00-17:00 (seed_demo); her demo appointments end next week.
    day = _next_weekday(1, after_days=15)
    page.get_by_label("Therapist").select_option(label="Maya Lindqvist, LMT, CMMT")
    page.get_by_label("Type").select_option(label="Initial assessment (90 min)")
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("Room").select_option(label="Cedar room")
    page.get_by_role("button", name="Book", exact=True).click()
    page.wait_for_load_state()
    main = page.locator("main")
    assert "Appointment booked for Nora Ellison" in main.inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Initial assessment: Nora Ellison"
    assert f"{day:%a} {day.day} {day:%b} {day.year}, 10:00–11:30" in main.inner_text()
    journey.check(page, "appointment-booked")

    from scheduling.models import Appointment

    booked = Appointment.objects.get(client__last_name="Ellison")
    assert booked.appointment_type.name == "Initial assessment"
    assert booked.therapist.user.username == "therapist"
    journey.assert_accessible()


@pytest.fixture
def elena(demo):
    """A demo client without a health history or consent, given a portal login."""
    from clinic.models import Client, User
    from clinic.roles import Role

    user = User.objects.create_user(
        "elena",
        password=PASSWORD,
        role=Role.CLIENT,
        first_name="Elena",
        last_name="Sorensen",
        email="elena@mail.example",
    )
    client = Client.objects.get(first_name="Elena", last_name="Sorensen")
    client.user = user
    client.save(update_fields=["user"])
    return client


def test_client_completes_intake_and_consent(journey, elena):
    page = journey.login("elena")
    journey.check(page, "portal-forms-to-complete")
    assert "Fill in your health history" in page.locator("main").inner_text()

    page.get_by_role("navigation").get_by_role("link", name="Health history").click()
    journey.check(page, "health-history", screenshot=False)
    page.get_by_role("link", name="Fill in your health history").first.click()
    journey.check(page, "health-history-form")
    page.get_by_label("What brings you to the clinic?").fill(
        "Aching low back after long days standing at work."
    )
    page.get_by_label("What would you like to be able to do again?").fill(
        "Work a full shift and then garden without back pain."
    )
    page.get_by_label("Occupation").fill("Pharmacist")
    page.get_by_label("Varicose veins").check()
    page.get_by_label("Current medications").fill("None")
    # The pain map: choose an intensity, then mark regions on the body chart (SVG).
    chart = page.locator("[data-pain-map]")
    chart.get_by_role("button", name="6", exact=True).click()
    chart.locator('.body-chart-region[data-region="back.low_back"]').first.click()
    chart.get_by_role("button", name="3", exact=True).click()
    chart.locator('.body-chart-region[data-region="back.glute.right"]').first.click()
    assert page.locator("#id_pain_regions_back_low_back").input_value() == "6"
    assert page.locator("#id_pain_regions_back_glute_right").input_value() == "3"
    journey.check(page, "health-history-filled")
    page.get_by_role("button", name="Save health history").click()
    page.wait_for_load_state()
    assert "Aching low back" in page.locator("main").inner_text()
    journey.check(page, "health-history-saved")

    page.get_by_role("navigation").get_by_role("link", name="Consents").click()
    journey.check(page, "consents")
    page.get_by_label("Type your full name to sign").fill("Elena Sorensen")
    page.get_by_label("I have read and agree").check()
    page.get_by_role("button", name="Sign", exact=True).click()
    page.wait_for_load_state()
    journey.check(page, "consent-signed")

    from intake.models import Consent, HealthHistory

    history = HealthHistory.objects.get(client=elena)
    assert history.conditions == ["varicose_veins"]
    assert history.pain_regions == {"back.low_back": 6, "back.glute.right": 3}
    consent = Consent.objects.get(client=elena, kind="treatment")
    assert consent.signed_name == "Elena Sorensen" and consent.revoked_at is None

    page.get_by_role("navigation").get_by_role("link", name="My care").click()
    journey.check(page, "portal-after-intake")
    assert "Fill in your health history" not in page.locator("main").inner_text()
    journey.assert_accessible()


def test_therapist_assesses_plans_and_logs_a_session(journey, demo):
    page = journey.login("therapist")
    journey.check(page, "dashboard")
    _open_client(page, journey, KAREN, "karen")
    assert "anticoagulants" in page.locator("main").inner_text().lower()

    # Assessment: one range-of-motion row and the NPRS.
    page.locator("main").get_by_role("link", name="Assessments").click()
    journey.check(page, "assessments")
    page.get_by_role("link", name=re.compile("Record a (re)?assessment")).click()
    journey.check(page, "assessment-form")
    page.get_by_label("Pain now (NPRS 0-10)").fill("5")
    page.locator("#id_rom-0-norm").select_option(label="Cervical spine · Rotation (normal 80°)")
    page.locator("#id_rom-0-side").select_option("right")
    page.locator("#id_rom-0-degrees").fill("62")
    page.get_by_label("Posture findings").fill("Forward head posture, less than before.")
    page.get_by_role("button", name="Save assessment").click()
    page.wait_for_load_state()
    journey.check(page, "assessment-saved")
    text = page.locator("main").inner_text()
    assert "62" in text and "Rotation" in text

    # Treatment plan with a caution and a contraindication for the client on warfarin.
    _open_client(page, journey, KAREN, "karen-for-plan")
    page.locator("main").get_by_role("link", name="Treatment plans").click()
    journey.check(page, "plans")
    page.get_by_role("link", name="New treatment plan").click()
    journey.check(page, "plan-form")
    goal = "Check my blind spot while driving without neck pain."
    page.get_by_label("Health goal").fill(goal)
    page.get_by_label("Start date").fill(_next_weekday(0, after_days=0).isoformat())
    page.get_by_label("Sessions per week").fill("1")
    page.get_by_label("Planned sessions").fill("6")
    page.get_by_label("Session length (minutes)").fill("60")
    page.locator("#id_techniques-0-technique").select_option(label="Deep tissue massage")
    page.locator("#id_techniques-0-target_areas").fill("Upper trapezius, light pressure")
    page.locator("#id_techniques-0-rationale").fill("Hypertonic right upper trapezius.")
    page.locator("#id_techniques-1-technique").select_option(label="Cupping therapy")
    page.locator("#id_techniques-1-target_areas").fill("Upper back")
    page.locator("#id_techniques-1-rationale").fill("Fascial restriction between the scapulae.")
    page.get_by_label("Home care and exercises").fill("Chin tucks 3x10 daily.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    journey.check(page, "plan-draft-warnings")
    caution = page.locator(".conflict").filter(has_text="Deep tissue massage")
    blocked = page.locator(".conflict").filter(has_text="Cupping therapy")
    assert "Caution" in caution.inner_text() and "Bleeding risk" in caution.inner_text()
    assert "Contraindicated" in blocked.inner_text()
    assert "Not ready to activate" in page.locator("main").inner_text()
    assert page.get_by_role("button", name=re.compile("Activate version")).count() == 0

    blocked.get_by_label("Why it is safe to go ahead").fill(
        "Static light cups only, away from any bruising; INR stable, Dr. Cho informed."
    )
    blocked.get_by_role("button", name="Override with this reason").click()
    page.wait_for_load_state()
    journey.check(page, "plan-overridden")
    page.get_by_role("button", name=re.compile("Activate version")).click()
    page.wait_for_load_state()
    journey.check(page, "plan-active")
    assert "Plan activated" in page.locator("main").inner_text()

    from treatment_plans.models import TreatmentPlan

    plan = TreatmentPlan.objects.get(versions__health_goal=goal)
    assert plan.status == "active"

    # The session note for Karen's next appointment, signed.
    _open_client(page, journey, KAREN, "karen-for-session")
    upcoming = page.locator("main section, main .card, main div").filter(
        has=page.get_by_role("heading", name="Upcoming appointments")
    )
    upcoming.last.get_by_role("link").first.click()
    journey.check(page, "appointment")
    page.get_by_role("link", name="Write the session note").click()
    journey.check(page, "note-form")
    page.get_by_label("Pain before (0-10)").select_option("5")
    page.get_by_label("S: subjective").fill("Neck stiff after a long week at the desk.")
    page.get_by_label("O: objective").fill("Right upper trapezius hypertonic.")
    page.locator("#id_techniques-0-technique").select_option(label="Deep tissue massage")
    page.locator("#id_techniques-0-body_region").select_option(label="Neck")
    page.locator("#id_techniques-0-pressure").select_option("light")
    page.locator("#id_techniques-0-minutes").fill("20")
    page.get_by_label("Pain after (0-10)").select_option("3")
    page.get_by_label("Home care given").fill("Chin tucks 3x10 daily.")
    page.get_by_label("P: plan for next time").fill("Reassess cervical rotation.")
    # The appointment is still to come: the note is prepared as a draft and signed from its
    # start time (signing completes the appointment and counts toward the plan).
    assert page.get_by_role("button", name="Save and sign").count() == 0
    assert "can be signed from" in page.locator("main").inner_text()
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    journey.check(page, "note-draft")
    assert "Draft saved" in page.locator("main").inner_text()

    from sessions_log.models import SessionNote

    note = SessionNote.objects.get(appointment_id=page.url.rstrip("/").split("/")[-2])
    assert not note.is_signed and note.pain_before == 5 and note.pain_after == 3
    journey.assert_accessible()


def test_physician_downloads_the_plan_pdf(journey, demo):
    from pypdf import PdfReader

    from treatment_plans.models import TreatmentPlan

    plan = TreatmentPlan.objects.get(client__last_name="Whitfield", status="active")
    goal = plan.versions.order_by("-number").first().health_goal
    page = journey.login("physician")
    journey.check(page, "patients")
    patient = page.locator("main").get_by_role("link", name=re.compile("Whitfield"))
    assert patient.count() >= 1
    page.get_by_role("link", name="Plan and progress").first.click()
    journey.check(page, "plan")
    page.go_back()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Plan PDF").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    data = download.path().read_bytes()
    assert data.startswith(b"%PDF-"), data[:40]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert " ".join(goal.split()) in " ".join(text.split())
    journey.assert_accessible()


def test_client_sees_plan_and_progress(journey, demo):
    page = journey.login("client")
    journey.check(page, "portal")
    main = page.locator("main")
    assert main.get_by_role("heading", name="Your treatment plan").count() == 1
    assert "Get through a full work day without neck pain." in main.inner_text()
    page.get_by_role("link", name="The whole plan").click()
    journey.check(page, "whole-plan")
    assert "Get through a full work day without neck pain." in page.locator("main").inner_text()
    page.get_by_role("link", name=re.compile("[Pp]rogress")).first.click()
    journey.check(page, "progress")
    progress = page.locator("main").inner_text()
    assert re.search(r"\d+ of \d+", progress) or "session" in progress.lower(), progress[:800]
    page.get_by_role("navigation").get_by_role("link", name="My care").click()
    page.locator("section[aria-labelledby=sessions-title] li a").first.click()  # a date
    journey.check(page, "past-session")

    # Cancelling asks first; "No, keep it" leaves the appointment booked.
    page.get_by_role("navigation").get_by_role("link", name="My care").click()
    page.get_by_role("link", name="Cancel this appointment").first.click()
    journey.check(page, "cancel-confirmation")
    assert page.get_by_role("heading", name="Cancel this appointment?").count() == 1
    page.get_by_role("link", name="No, keep it").click()
    assert "/portal/" in page.url

    # On a phone (390 px) nothing is wider than the screen; the chart is a list of figures.
    page.set_viewport_size({"width": 390, "height": 900})
    journey.check(page, "portal-phone")
    _fits_the_screen(page)
    assert page.locator(".milestone-figures").is_visible()
    assert not page.locator(".chart-wrap").is_visible()
    page.locator("main").get_by_role("link", name="All sessions").click()
    journey.check(page, "sessions-phone")
    _fits_the_screen(page)
    journey.assert_accessible()


def _fits_the_screen(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide on a {widths[1]} px screen"


def test_note_page_for_a_client_without_intake(journey, elena):
    """The note page for a client still owing a health history and consent says so, with
    links to the forms (axe checks their colours on the yellow alert)."""
    from scheduling.models import Appointment

    appointment = Appointment.objects.filter(client=elena, therapist__user__username="therapist")
    page = journey.login("therapist")
    page.goto(f"/appointments/{appointment.first().pk}/note/")
    journey.check(page, "note-blocked")
    assert "A note cannot be written for this appointment yet" in page.locator("main").inner_text()
    journey.assert_accessible()


def test_therapist_screens_work_for_a_pregnant_client(journey, demo):
    """Issue 17: Priya Raman is 28 weeks pregnant (the demo sets her due date). Her alerts say
    so; a session note with her lying prone is refused with the reason, side-lying saves."""
    page = journey.login("therapist")
    _open_client(page, journey, "Priya Raman", "priya")
    alerts = page.locator(".health-alerts").first.inner_text()
    assert "28 weeks (3rd trimester)" in alerts

    upcoming = page.locator("main section, main .card, main div").filter(
        has=page.get_by_role("heading", name="Upcoming appointments")
    )
    upcoming.last.get_by_role("link").first.click()
    journey.check(page, "appointment")
    page.get_by_role("link", name="Write the session note").click()
    journey.check(page, "note-form")
    page.get_by_label("Pain before (0-10)").select_option("4")
    page.get_by_label("S: subjective").fill("Low back and right hip ache after standing.")
    page.locator("#id_techniques-0-technique").select_option(label="Swedish massage")
    page.locator("#id_techniques-0-body_region").select_option(label="Low back")
    page.locator("#id_techniques-0-position").select_option("prone")
    page.locator("#id_techniques-0-pressure").select_option("light")
    page.locator("#id_techniques-0-minutes").fill("20")
    # The row says what it meets as it is filled in (the server checks again on saving).
    from playwright.sync_api import expect

    findings = page.locator("[data-screen-findings]").first
    expect(findings).to_contain_text("no prone position")
    expect(findings).to_contain_text("Write why below")
    journey.check(page, "note-row-warned")
    page.get_by_label("Pain after (0-10)").select_option("2")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    journey.check(page, "note-refused-prone")
    text = page.locator("main").inner_text()
    assert "contraindicates it and the plan has no override" in text
    assert "no prone position" in text

    page.locator("#id_techniques-0-position").select_option("side_lying")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    journey.check(page, "note-side-lying-saved")
    assert "Draft saved" in page.locator("main").inner_text()

    from sessions_log.models import TechniqueApplied

    row = TechniqueApplied.objects.get(note__client__last_name="Raman", note__signed_at=None)
    assert (row.position, row.body_region) == ("side_lying", "Low back")
    journey.assert_accessible()
