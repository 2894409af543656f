"""40 waitlist clients, each mailed an offer of the same freed time, claim it at the same
moment against real PostgreSQL (issue 20, item 6): exactly one appointment, 39 clear "just
taken" answers listing the nearest free times, and 39 "gone" mails owed."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone

from clinic import outbox
from clinic.clinic_time import at_local, today
from clinic.models import OutboundMail
from clinic.tests.concurrency import deadlocks, deadlocks_since, race
from clinic.tests.factories import ClientFactory
from scheduling.models import (
    Appointment,
    AppointmentType,
    OnlineBookingRules,
    WaitlistEntry,
    WaitlistOffer,
)
from scheduling.services.appointments import Slot, appointment_book, appointment_cancel
from scheduling.services.offers import GONE_MAIL, OFFER_MAIL
from scheduling.tests.factories import WorkingHoursFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
CLAIMANTS = 40


def test_forty_clients_claiming_one_freed_time_get_one_appointment(
    cast, settings, no_celery_worker
):
    # No worker runs: a worker left by an earlier test would deliver the offer mails, and
    # each delivery makes the link's token anew, so the tokens read here would be stale.
    settings.CLINIC_OFFERS_PER_TIME = CLAIMANTS
    OnlineBookingRules.objects.create(enabled=True)
    therapist = cast.therapist.therapist_profile
    for weekday in range(7):
        WorkingHoursFactory(therapist=therapist, weekday=weekday)
    treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    day = today() + dt.timedelta(days=3)
    clients = [ClientFactory(email=f"waiting{n}@example.test") for n in range(CLAIMANTS)]
    for client in clients:
        WaitlistEntry.objects.create(
            client=client,
            earliest_date=today(),
            latest_date=day,
            earliest_time=dt.time(9),
            latest_time=dt.time(17),
        )
    booked = appointment_book(
        actor=cast.frontdesk,
        client=ClientFactory(user=None),
        slot=Slot(therapist, treatment, at_local(day, dt.time(10))),
    )
    appointment_cancel(actor=cast.frontdesk, appointment=booked, reason="Cannot come")
    assert WaitlistOffer.objects.count() == CLAIMANTS

    browsers, links = [], []
    for client in clients:
        offer = WaitlistOffer.objects.get(entry__client=client)
        mail = OutboundMail.objects.get(kind=OFFER_MAIL, about_id=str(offer.pk))
        body = outbox.build(mail, now=timezone.now()).message.body
        token = re.search(r"/offers/([^/\s]+)/", body).group(1)
        links.append(reverse("offer_link", kwargs={"token": token}))
        browser = Browser()
        browser.force_login(client.user)
        browsers.append(browser)

    def claim(i):
        def post():
            response = browsers[i].post(links[i])
            if response.status_code == 409:
                html = response.content.decode()
                assert "just taken" in html, html
                assert response.context["nearest"], "no nearest free times listed"
                return "taken"
            assert response.status_code == 302, response.status_code
            return "booked"

        return post

    before = deadlocks()
    results = race(*(claim(i) for i in range(CLAIMANTS)))
    assert results.count("booked") == 1, results
    assert results.count("taken") == CLAIMANTS - 1, results
    assert deadlocks_since(before) == 0

    (appointment,) = Appointment.objects.exclude(status="cancelled")
    assert appointment.channel == Appointment.Channel.OFFER
    assert appointment.starts_at == booked.starts_at
    statuses = sorted(WaitlistOffer.objects.values_list("status", flat=True))
    assert statuses == ["claimed"] + ["gone"] * (CLAIMANTS - 1)
    winner = WaitlistOffer.objects.get(status="claimed")
    assert winner.appointment == appointment
    assert winner.entry.client == appointment.client
    gone_mails = OutboundMail.objects.filter(kind=GONE_MAIL)
    assert gone_mails.count() == CLAIMANTS - 1
    assert appointment.client.email not in set(gone_mails.values_list("recipient", flat=True))
    assert WaitlistEntry.objects.filter(resolved_at__isnull=True).count() == CLAIMANTS - 1
