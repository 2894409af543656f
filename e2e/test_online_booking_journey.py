"""Booking online through a real browser at phone width (issue 20): a client in treatment books
a treatment in the portal, moves it and cancels it; the front desk sees the online booking on
its dashboard; the admin sets the rules (a bad value is named at its field). Every page is
screenshotted to artifacts/e2e/ and checked with axe-core (see conftest.py)."""

from __future__ import annotations

import re

import pytest

from e2e.test_billing_journeys import PHONE, _fits_the_screen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_client_books_moves_and_cancels_on_a_phone(journey, demo):
    from clinic.clinic_time import local
    from scheduling.models import Appointment

    page = journey.login("client", viewport=PHONE)
    journey.check(page, "portal")
    page.get_by_role("link", name="Book an appointment").click()
    journey.check(page, "book-types")
    assert page.get_by_role("heading", level=1).inner_text() == "Book an appointment"
    _fits_the_screen(page)

    # Karen is in a plan: treatments, not a first assessment.
    types = page.get_by_role("heading", name="1. What for").locator("xpath=..")
    assert types.get_by_role("link", name=re.compile("^Treatment")).count() == 1
    assert types.get_by_role("link", name=re.compile("^Initial assessment")).count() == 0
    types.get_by_role("link", name=re.compile("^Treatment")).click()
    journey.check(page, "book-times")
    _fits_the_screen(page)
    # Her own therapist, a week later (clear of the move window for the rest of the journey).
    page.get_by_role("link", name="Maya Lindqvist").click()
    page.get_by_role("link", name="Later").click()
    journey.check(page, "book-times-later")
    first = page.locator("button.time-choice").first

    # Someone else takes that time a moment before her tap: she is offered the nearest ones.
    _someone_else_books(first.get_attribute("value"))
    first.click()
    page.wait_for_load_state()
    taken = page.locator("#just-taken")
    assert "Just taken." in taken.inner_text()
    journey.check(page, "just-taken")
    _fits_the_screen(page)
    taken.locator("button.time-choice").first.click()
    page.wait_for_load_state()
    assert "Booked: Treatment" in page.locator("main").inner_text()
    journey.check(page, "booked")
    booked = Appointment.objects.get(channel="online")
    assert booked.client.user.username == "client" and booked.status == "booked"

    # Move it to another free time.
    page.locator(f'a[href="/portal/appointments/{booked.pk}/move/"]').click()
    journey.check(page, "move-times")
    _fits_the_screen(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Move this appointment"
    page.locator("button.time-choice").nth(1).click()
    page.wait_for_load_state()
    assert "Moved: your appointment is now on" in page.locator("main").inner_text()
    journey.check(page, "moved")
    moved = Appointment.objects.get(pk=booked.pk)
    assert moved.starts_at != booked.starts_at
    assert f"{local(moved.starts_at):%H:%M}" in page.locator("main").inner_text()

    # Cancel it.
    page.locator(f'a[href="/portal/appointments/{booked.pk}/cancel/"]').click()
    journey.check(page, "cancel-confirm")
    page.get_by_role("button", name="Yes, cancel this appointment").click()
    page.wait_for_load_state()
    assert "Your appointment is cancelled" in page.locator("main").inner_text()
    journey.check(page, "cancelled")
    assert Appointment.objects.get(pk=booked.pk).status == "cancelled"

    # The front desk sees it among the online bookings since its last visit.
    desk = journey.login("frontdesk", viewport=PHONE)
    card = desk.locator("section[aria-labelledby=online-bookings-title]")
    assert "Karen Whitfield" in card.inner_text() and "since cancelled" in card.inner_text()
    journey.check(desk, "front-desk-online-bookings")
    journey.assert_accessible()


def test_the_admin_sets_the_online_booking_rules(journey, demo):
    from scheduling.models import OnlineBookingRules

    page = journey.login("admin", viewport=PHONE)
    page.get_by_role("link", name="Online booking rules").click()
    journey.check(page, "rules")
    _fits_the_screen(page)
    page.get_by_label("How far ahead").fill("0")
    page.get_by_label("Move online up to").fill("36")
    page.get_by_role("button", name="Save the rules").click()
    page.wait_for_load_state()
    assert "How far ahead must be a whole number from 1 to 366 days." in page.inner_text("main")
    assert page.get_by_label("Move online up to").input_value() == "36"  # nothing typed lost
    journey.check(page, "rules-error")
    page.get_by_label("How far ahead").fill("90")
    page.get_by_role("button", name="Save the rules").click()
    page.wait_for_load_state()
    assert "The online booking rules are saved." in page.inner_text("main")
    rules = OnlineBookingRules.current()
    assert (rules.horizon_days, rules.move_hours, rules.enabled) == (90, 36, True)
    journey.assert_accessible()


def _someone_else_books(start: str) -> None:
    """Marcus's treatment with Maya at `start`, booked at the front desk."""
    import datetime as dt

    from clinic.models import Client, User
    from scheduling.models import AppointmentType
    from scheduling.services.appointments import Slot, appointment_book

    maya = User.objects.get(username="therapist").therapist_profile
    treatment = AppointmentType.objects.get(name="Treatment")
    appointment_book(
        actor=User.objects.get(username="frontdesk"),
        client=Client.objects.get(user__username="client2"),
        slot=Slot(maya, treatment, dt.datetime.fromisoformat(start)),
    )
