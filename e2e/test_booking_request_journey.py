"""A new client asks for a first appointment on the public page, on a phone, without an
account; the front desk, on a phone too, sees the request on its dashboard and approves it:
the client is registered and mailed a portal invitation and the request for the intake
forms. Every page is screenshotted and checked with axe-core (see conftest.py)."""

from __future__ import annotations

import re

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = (390, 844)


def _fits_the_screen(page):
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide on a {widths[1]} px screen"


def _anonymous_phone(journey):
    width, height = PHONE
    context = journey.browser.new_context(
        base_url=journey.base_url, bypass_csp=True, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(15_000)
    journey.contexts.append(context)
    return context.new_page()


def test_a_new_client_requests_and_the_front_desk_approves(journey, demo):
    from accounts.models import Invitation
    from clinic.models import Client, OutboundMail
    from scheduling.models import BookingRequest

    # A stranger on a phone: from the sign-in page to the request form.
    page = _anonymous_phone(journey)
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Request a first appointment").click()
    journey.check(page, "request-form")
    _fits_the_screen(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Request a first appointment"

    # A mistake is shown at its field, and what was typed stays.
    page.get_by_label("First name").fill("Ingrid")
    page.get_by_label("Last name").fill("Solberg")
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_label("E-mail").fill("ingrid.solberg@example.com")
    page.get_by_label("Phone (optional)").fill("555-0177")
    page.get_by_label(re.compile("Why you would like to come")).fill(
        "Tension headaches and a stiff upper back."
    )
    page.get_by_label("Weekday mornings").check()
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_load_state()
    journey.check(page, "request-form-errors")
    _fits_the_screen(page)
    assert "cannot be in the future" in page.locator("main").inner_text()
    assert page.get_by_label("Last name").input_value() == "Solberg"
    assert page.get_by_label("Weekday mornings").is_checked()

    page.get_by_label("Date of birth").fill("1988-09-23")
    page.get_by_role("button", name="Send my request").click()
    page.wait_for_load_state()
    journey.check(page, "request-thanks")
    _fits_the_screen(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you for your request"
    request = BookingRequest.objects.get(email="ingrid.solberg@example.com")
    assert request.preferred_times == "Weekday mornings"

    # The front desk on a phone: the dashboard's card lists it.
    desk = journey.login("frontdesk", viewport=PHONE)
    journey.check(desk, "front-desk-dashboard")
    card = desk.locator(".card", has_text="Requests from new clients")
    card.get_by_role("link", name="Ingrid Solberg").click()
    desk.wait_for_load_state()
    journey.check(desk, "request-detail")
    _fits_the_screen(desk)
    assert "Tension headaches" in desk.locator("main").inner_text()

    desk.get_by_role("button", name="Approve and register").click()
    desk.wait_for_load_state()
    journey.check(desk, "client-registered")
    assert "is registered" in desk.locator("main").inner_text()
    client = Client.objects.get(last_name="Solberg", first_name="Ingrid")
    assert desk.url.rstrip("/").endswith(str(client.pk))
    request.refresh_from_db()
    assert (request.status, request.client_id) == ("approved", client.pk)
    assert Invitation.objects.filter(client=client, email="ingrid.solberg@example.com").exists()
    kinds = set(OutboundMail.objects.filter(client=client).values_list("kind", flat=True))
    assert kinds == {"portal_invitation", "booking_request_approved"}

    # The list: no longer waiting, among the answered ones.
    desk.goto("/booking-requests/")
    journey.check(desk, "request-list")
    _fits_the_screen(desk)
    answered = desk.locator(".card", has_text="Answered in the last two weeks")
    assert "Ingrid Solberg" in answered.inner_text()
    journey.assert_accessible()
