"""Waitlist offers through a real browser (issue 20, item 5): the front desk cancels an
appointment, Karen (on the waitlist) follows the mailed link on her phone, signs in, lands back
on the offer and books it; a second tap on the link says it is used; the front desk sees who
was offered the time. Each page is screenshotted and checked with axe-core (conftest.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PHONE = (390, 844)
PASSWORD = "demo-pass-2026"  # noqa: S105 (the demo accounts' published password)


def _freed_time_for_karen():
    """Online booking on; Priya booked for a treatment with Maya at a free time next week, and
    Karen on the waitlist for a treatment with Maya that day."""
    from clinic.clinic_time import local, today
    from clinic.models import Client, Therapist, User
    from scheduling.models import AppointmentType, OnlineBookingRules, WaitlistEntry
    from scheduling.selectors import free_slots
    from scheduling.services.appointments import Slot, appointment_book

    OnlineBookingRules.objects.update_or_create(pk=1, defaults={"enabled": True})
    karen = Client.objects.get(user__username="client")
    if not karen.email:
        karen.email = "karen@example.test"
        karen.save(update_fields=["email"])
    maya = Therapist.objects.get(user__username="therapist")
    treatment = AppointmentType.objects.get(name="Treatment")
    days = free_slots(
        therapist=maya,
        appointment_type=treatment,
        start_day=today() + dt.timedelta(days=2),
        days=7,
    )
    starts_at = days[0][1][0]
    appointment = appointment_book(
        actor=User.objects.get(username="frontdesk"),
        client=Client.objects.get(first_name="Priya"),
        slot=Slot(maya, treatment, starts_at),
    )
    day = local(starts_at).date()
    WaitlistEntry.objects.create(
        client=karen,
        therapist=maya,
        appointment_type=treatment,
        earliest_date=day,
        latest_date=day,
        earliest_time=dt.time(0),
        latest_time=dt.time(23, 59),
    )
    return appointment


def _link_in_the_mail(live_server_url: str) -> str:
    from clinic import outbox
    from clinic.models import OutboundMail
    from scheduling.services.offers import OFFER_MAIL

    mail = OutboundMail.objects.get(kind=OFFER_MAIL)
    body = outbox.build(mail, now=timezone.now()).message.body
    return re.search(r"/offers/[^/\s]+/", body).group()


def test_a_waitlist_client_claims_a_freed_time_on_a_phone(journey, demo, live_server):
    from scheduling.models import Appointment, WaitlistOffer

    appointment = _freed_time_for_karen()

    desk = journey.login("frontdesk")
    desk.goto(f"/appointments/{appointment.pk}/")
    desk.get_by_label("Reason for cancelling").fill("Client is travelling")
    desk.get_by_role("button", name="Cancel appointment").click()
    desk.wait_for_load_state()
    journey.check(desk, "cancelled-with-offer")
    offers = desk.locator("#offers")
    assert "Karen Whitfield" in offers.inner_text() and "offered" in offers.inner_text()

    link = _link_in_the_mail(live_server.url)
    context = journey.browser.new_context(
        base_url=journey.base_url,
        bypass_csp=True,
        viewport={"width": PHONE[0], "height": PHONE[1]},
    )
    journey.contexts.append(context)
    phone = context.new_page()
    phone.goto(link)
    assert "/accounts/login/" in phone.url  # sign in first, then back to the offer
    phone.get_by_label("Username").fill("client")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.locator("main form").get_by_role("button", name=re.compile("Sign in|Log in")).click()
    phone.wait_for_load_state()
    assert phone.url.endswith(link), phone.url
    journey.check(phone, "offer")
    assert phone.get_by_role("heading", level=1).inner_text() == "A time offered to you"
    phone.get_by_role("button", name="Book this time").click()
    phone.wait_for_load_state()
    journey.check(phone, "portal-booked")
    assert "Booked:" in phone.locator("main").inner_text()
    booked = Appointment.objects.get(channel="offer")
    assert booked.client.user.username == "client"
    assert booked.starts_at == appointment.starts_at

    phone.goto(link)
    journey.check(phone, "offer-used")
    assert "You have booked this time already" in phone.locator("#offer-answer").inner_text()

    desk.goto("/waitlist/")
    journey.check(desk, "waitlist-offers")
    assert "Claimed" in desk.locator("#offers").inner_text()
    assert WaitlistOffer.objects.get().status == "claimed"
    journey.assert_accessible()
