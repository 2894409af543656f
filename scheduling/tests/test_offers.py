"""Waitlist offers: a freed time is mailed to matching waitlist clients with a single-use link;
the first claim books it, the others are told it is gone; offers expire (issue 20, item 5)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from clinic import outbox
from clinic.clinic_time import at_local, local, today
from clinic.models import AuditEntry, OutboundMail
from clinic.services.outbox import mail_deliver
from clinic.tests.factories import ClientFactory
from scheduling import tasks
from scheduling.models import (
    Appointment,
    AppointmentType,
    OnlineBookingRules,
    WaitlistEntry,
    WaitlistOffer,
)
from scheduling.services import offers as offer_service
from scheduling.services.appointments import (
    Slot,
    appointment_book,
    appointment_cancel,
    appointment_cancel_by_client,
    appointment_reschedule,
)
from scheduling.services.offers import GONE_MAIL, OFFER_MAIL, offers_expire, offers_make
from scheduling.services.waitlist import waitlist_resolve
from scheduling.tests.factories import AppointmentFactory, WorkingHoursFactory

Status = WaitlistOffer.Status
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def clinic(cast):
    """Online booking on, `therapist` working 09:00-17:00 every day, both clients with a
    portal account and an e-mail address."""
    OnlineBookingRules.objects.create(enabled=True, offer_hours=12)
    therapist = cast.therapist.therapist_profile
    for weekday in range(7):
        WorkingHoursFactory(therapist=therapist, weekday=weekday)
    cast.treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    cast.day = today() + dt.timedelta(days=5)
    for person, address in ((cast.client, "oriana@example.test"), (cast.client2, "bw@ex.test")):
        person.email = address
        person.save(update_fields=["email"])
    cast.freer = ClientFactory(user=None, first_name="Philippa", last_name="Canceller")
    return cast


def _entry(client, *, times=(9, 12), days=14, created=None, **extra):
    entry = WaitlistEntry.objects.create(
        client=client,
        earliest_date=today(),
        latest_date=today() + dt.timedelta(days=days),
        earliest_time=dt.time(times[0]),
        latest_time=dt.time(times[1]),
        note="Lower back pain, prefers mornings",
        **extra,
    )
    if created is not None:
        WaitlistEntry.objects.filter(pk=entry.pk).update(created_at=created)
    return entry


def _booked(cast, *, client=None, hour=10, day=None):
    slot = Slot(
        cast.therapist.therapist_profile, cast.treatment, at_local(day or cast.day, dt.time(hour))
    )
    return appointment_book(actor=cast.frontdesk, client=client or cast.freer, slot=slot)


def _freed(cast, **kwargs):
    appointment = _booked(cast, **kwargs)
    appointment_cancel(actor=cast.frontdesk, appointment=appointment, reason="Client has the flu")
    return appointment


def _mail_of(offer, kind=OFFER_MAIL):
    return OutboundMail.objects.get(kind=kind, about_id=str(offer.pk))


def _built(offer, kind=OFFER_MAIL):
    return outbox.build(_mail_of(offer, kind), now=timezone.now()).message


def _token(offer) -> str:
    """The token the offer's mail carries (made when the mail is built, as when it is sent)."""
    return re.search(r"/offers/([^/\s]+)/", _built(offer).body).group(1)


def _link(token):
    return reverse("offer_link", kwargs={"token": token})


def _offer_of(client):
    return WaitlistOffer.objects.get(entry__client=client)


# --- making offers --------------------------------------------------------------------------------


def test_a_time_cancelled_by_the_front_desk_is_offered_to_matching_entries_only(clinic):
    cast = clinic
    _entry(cast.client)
    _entry(cast.client2, therapist=cast.therapist.therapist_profile)
    _entry(cast.client2, times=(13, 17))  # afternoons only: no match
    _entry(ClientFactory(user=None, email="nologin@example.test"))  # no portal account
    _entry(ClientFactory(email=""))  # no e-mail address
    _entry(ClientFactory(), therapist=cast.therapist2.therapist_profile)  # another therapist
    busy = ClientFactory(email="busy@example.test")  # has another appointment then
    _entry(busy)
    AppointmentFactory(
        client=busy,
        therapist=cast.therapist2.therapist_profile,
        starts_at=at_local(cast.day, dt.time(10, 30)),
    )
    before = timezone.now()
    appointment = _freed(cast)
    offers = list(WaitlistOffer.objects.all())
    assert {o.entry.client for o in offers} == {cast.client, cast.client2}
    assert len({o.slot_key for o in offers}) == 1
    for offer in offers:
        assert offer.status == Status.OPEN
        assert (offer.starts_at, offer.ends_at) == (appointment.starts_at, appointment.ends_at)
        assert offer.therapist == appointment.therapist
        assert before + dt.timedelta(hours=12) <= offer.expires_at
        assert offer.expires_at <= timezone.now() + dt.timedelta(hours=12)
    mails = OutboundMail.objects.filter(kind=OFFER_MAIL)
    assert sorted(m.recipient for m in mails) == ["bw@ex.test", "oriana@example.test"]
    assert AuditEntry.objects.filter(detail__startswith="waitlist offer of").count() == 2


def test_a_time_the_client_cancels_in_the_portal_is_offered(clinic):
    cast = clinic
    appointment = _booked(cast, client=cast.client2)
    _entry(cast.client2)  # the client who cancels is not offered their own time
    _entry(cast.client)
    appointment_cancel_by_client(actor=cast.client2_user, appointment=appointment)
    assert [o.entry.client for o in WaitlistOffer.objects.all()] == [cast.client]


def test_a_time_moved_away_is_offered_and_a_short_move_offers_nothing(clinic):
    cast = clinic
    _entry(cast.client)
    appointment = _booked(cast)
    later = Slot(
        cast.therapist.therapist_profile, cast.treatment, at_local(cast.day, dt.time(10, 30))
    )
    appointment_reschedule(actor=cast.frontdesk, appointment=appointment, slot=later)
    assert not WaitlistOffer.objects.exists()  # 10:00-11:00 still overlaps 10:30-11:30
    afternoon = Slot(
        cast.therapist.therapist_profile, cast.treatment, at_local(cast.day, dt.time(15))
    )
    appointment_reschedule(actor=cast.frontdesk, appointment=appointment, slot=afternoon)
    offer = WaitlistOffer.objects.get()
    assert local(offer.starts_at).time() == dt.time(10, 30)
    assert offer.entry.client == cast.client


def test_no_offers_while_online_booking_is_off(clinic):
    cast = clinic
    OnlineBookingRules.objects.update(enabled=False)
    _entry(cast.client)
    _freed(cast)
    assert not WaitlistOffer.objects.exists()
    assert not OutboundMail.objects.filter(kind=OFFER_MAIL).exists()


def test_only_the_longest_waiting_entries_are_offered(clinic, settings):
    cast = clinic
    settings.CLINIC_OFFERS_PER_TIME = 2
    now = timezone.now()
    third = ClientFactory(email="third@example.test")
    _entry(third, created=now - dt.timedelta(days=1))
    _entry(cast.client2, created=now - dt.timedelta(days=9))
    _entry(cast.client, created=now - dt.timedelta(days=5))
    _freed(cast)
    assert {o.entry.client for o in WaitlistOffer.objects.all()} == {cast.client, cast.client2}


def test_an_offer_closes_before_the_time_and_a_time_too_close_is_not_offered(clinic):
    cast = clinic
    _entry(cast.client)
    starts = at_local(cast.day, dt.time(10))
    freed = Appointment(
        client_id=cast.freer.pk,
        therapist=cast.therapist.therapist_profile,
        appointment_type=cast.treatment,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
    )
    four_hours_before = starts - dt.timedelta(hours=4)
    (offer,) = offers_make(actor=cast.frontdesk, freed=freed, now=four_hours_before)
    assert offer.expires_at == starts - offer_service.START_MARGIN
    WaitlistOffer.objects.all().delete()
    an_hour_before = starts - dt.timedelta(hours=1)
    assert offers_make(actor=cast.frontdesk, freed=freed, now=an_hour_before) == []


@pytest.mark.parametrize(
    ("made", "expires"),
    [
        # The spring night is an hour short: 12 hours after 23:00 EST is 12:00 EDT.
        (dt.datetime(2027, 3, 13, 23, 0), dt.datetime(2027, 3, 14, 12, 0)),
        # The autumn night is an hour long: 12 hours after 23:00 EDT is 10:00 EST.
        (dt.datetime(2027, 11, 6, 23, 0), dt.datetime(2027, 11, 7, 10, 0)),
    ],
)
def test_offer_expiry_is_elapsed_hours_across_daylight_saving(clinic, made, expires):
    cast = clinic
    assert django_settings.TIME_ZONE == "America/New_York"
    start_day = made.date() + dt.timedelta(days=2)
    _entry(cast.client)
    WaitlistEntry.objects.update(earliest_date=start_day, latest_date=start_day)
    starts = at_local(start_day, dt.time(10))
    freed = Appointment(
        client_id=cast.freer.pk,
        therapist=cast.therapist.therapist_profile,
        appointment_type=cast.treatment,
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=1),
    )
    now = made.replace(tzinfo=NEW_YORK)
    (offer,) = offers_make(actor=cast.frontdesk, freed=freed, now=now)
    assert offer.expires_at - now == dt.timedelta(hours=12)
    assert local(offer.expires_at).replace(tzinfo=None) == expires


def test_the_same_time_freed_again_reopens_the_earlier_offers(clinic):
    cast = clinic
    _entry(cast.client)
    _entry(cast.client2)
    _freed(cast)
    claimed = _offer_of(cast.client)
    appointment = offer_service.offer_claim(actor=cast.client_user, offer=claimed)
    assert _offer_of(cast.client2).status == Status.GONE
    appointment_cancel(actor=cast.frontdesk, appointment=appointment, reason="Cannot come")
    again = _offer_of(cast.client2)
    assert again.status == Status.OPEN and again.answered_at is None
    assert OutboundMail.objects.filter(kind=OFFER_MAIL, about_id=str(again.pk)).count() == 2


# --- the mail and the token ----------------------------------------------------------------------


def test_the_mail_holds_the_time_the_therapist_and_the_link_and_no_health_detail(clinic):
    cast = clinic
    _entry(cast.client)
    appointment = _freed(cast)
    offer = _offer_of(cast.client)
    message = _built(offer)
    start = local(appointment.starts_at)
    assert message.to == ["oriana@example.test"]
    assert f"{start:%H:%M}" in message.body and f"{start:%H:%M}" in message.subject
    assert cast.therapist.get_full_name() in message.body
    assert re.search(r"https?://[^\s]+/offers/[^/\s]+/", message.body)
    for secret in (
        "flu",
        "Lower back pain",
        "Philippa",
        "Canceller",
        "Treatment",
        "Quillfeather",
    ):
        assert secret not in message.body, secret
        assert secret not in message.subject, secret
    assert "Oriana" not in message.subject


def test_only_the_tokens_hash_is_stored_and_the_outbox_holds_no_token(clinic):
    cast = clinic
    _entry(cast.client)
    _freed(cast)
    offer = _offer_of(cast.client)
    placeholder = offer.token_sha256
    token = _token(offer)
    offer.refresh_from_db()
    assert offer.token_sha256 == hashlib.sha256(token.encode()).hexdigest() != placeholder
    assert not WaitlistOffer.objects.filter(token_sha256=token).exists()
    assert token not in str(_mail_of(offer).params)
    assert not AuditEntry.objects.filter(detail__contains=token).exists()


def test_a_second_build_of_the_mail_makes_a_new_token_and_the_first_dies(clinic):
    cast = clinic
    _entry(cast.client)
    _freed(cast)
    offer = _offer_of(cast.client)
    first, second = _token(offer), _token(offer)
    assert first != second
    from django.test import Client as Browser

    browser = Browser()
    browser.force_login(cast.client_user)
    assert browser.get(_link(first)).status_code == 404
    assert browser.get(_link(second)).status_code == 200


# --- claiming -------------------------------------------------------------------------------------


@pytest.fixture
def offered(clinic, client):
    """`client` and `client2` were offered the freed 10:00; `client` is signed in."""
    cast = clinic
    _entry(cast.client)
    _entry(cast.client2)
    cast.freed = _freed(cast)
    cast.token = _token(_offer_of(cast.client))
    cast.token2 = _token(_offer_of(cast.client2))
    client.force_login(cast.client_user)
    return cast


def test_the_link_shows_the_offer_and_claiming_books_it(offered, client):
    cast = offered
    page = client.get(_link(cast.token))
    assert page.status_code == 200
    assert b"Book this time" in page.content
    assert AuditEntry.objects.filter(
        actor=cast.client_user, action="view", object_id=str(_offer_of(cast.client).pk)
    ).exists()
    response = client.post(_link(cast.token))
    assert response.status_code == 302 and response["Location"] == reverse("portal")
    appointment = Appointment.objects.get(client=cast.client)
    assert appointment.channel == Appointment.Channel.OFFER
    assert appointment.starts_at == cast.freed.starts_at
    assert appointment.created_by == cast.client_user
    offer = _offer_of(cast.client)
    assert offer.status == Status.CLAIMED and offer.appointment == appointment
    assert offer.entry.resolved_at is not None
    other = _offer_of(cast.client2)
    assert other.status == Status.GONE and other.answered_at is not None
    assert other.entry.resolved_at is None  # still waiting
    assert OutboundMail.objects.filter(kind=GONE_MAIL, recipient="bw@ex.test").count() == 1
    assert OutboundMail.objects.filter(
        kind="appointment_confirmation", recipient="oriana@example.test"
    ).exists()
    portal = client.get(reverse("portal")).content.decode()
    assert "Booked:" in portal


def test_a_second_click_on_the_same_link_says_it_is_used(offered, client):
    cast = offered
    client.post(_link(cast.token))
    again = client.post(_link(cast.token))
    assert again.status_code == 409
    assert b"You have booked this time already" in again.content
    assert Appointment.objects.filter(client=cast.client).count() == 1
    assert b"You have booked this time already" in client.get(_link(cast.token)).content


def test_the_second_claimant_is_told_it_was_just_taken_with_the_nearest_free_times(offered, client):
    cast = offered
    client.post(_link(cast.token))
    client.force_login(cast.client2_user)
    page = client.get(_link(cast.token2))
    assert b"just taken" in page.content
    response = client.post(_link(cast.token2))
    assert response.status_code == 409
    html = response.content.decode()
    assert "just taken" in html
    nearest = response.context["nearest"]
    assert nearest and all(t != cast.freed.starts_at for t in nearest)
    assert f"{local(nearest[0]):%H:%M}" in html
    assert Appointment.objects.filter(client=cast.client2).count() == 0
    assert OutboundMail.objects.filter(kind=GONE_MAIL).count() == 1  # told once, by the claim


def test_the_gone_mail_says_the_time_was_taken_without_health_detail(offered, client):
    cast = offered
    client.post(_link(cast.token))
    message = _built(_offer_of(cast.client2), GONE_MAIL)
    assert message.to == ["bw@ex.test"]
    assert "has been booked by someone else" in message.body
    assert "still on the waitlist" in message.body
    for secret in ("flu", "Lower back pain", "Oriana", "Quillfeather", "Treatment", "/offers/"):
        assert secret not in message.body and secret not in message.subject, secret
    # The offer mail still owed to client2 is no longer owed: it is dropped, not sent.
    assert mail_deliver(mail_id=_mail_of(_offer_of(cast.client2)).pk) == "dropped"


def test_another_account_is_refused_without_being_told_whose_offer_it_is(offered, client):
    cast = offered
    client.force_login(cast.client2_user)
    response = client.get(_link(cast.token))
    assert response.status_code == 403
    html = response.content.decode()
    assert "sent to another portal account" in html
    for secret in ("Oriana", "Quillfeather", f"{local(cast.freed.starts_at):%H:%M}"):
        assert secret not in html
    assert client.post(_link(cast.token)).status_code == 403
    assert _offer_of(cast.client).status == Status.OPEN


def test_signing_in_first_comes_back_to_the_link(offered, client):
    cast = offered
    client.logout()
    response = client.get(_link(cast.token))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _link(cast.token) in response["Location"].replace("%2F", "/")


def test_an_unknown_link_is_a_clear_404(offered, client):
    response = client.get(_link("not-a-real-token"))
    assert response.status_code == 404
    assert b"This link is not recognised" in response.content
    assert client.post(_link("not-a-real-token")).status_code == 404


def test_an_expired_link_says_so_before_the_sweep_and_the_sweep_marks_it(offered, client):
    cast = offered
    WaitlistOffer.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    page = client.get(_link(cast.token))
    assert page.status_code == 200 and b"This offer has expired" in page.content
    assert b"Book this time" not in page.content
    response = client.post(_link(cast.token))
    assert response.status_code == 409 and b"This offer has expired" in response.content
    assert not Appointment.objects.filter(client=cast.client).exists()
    assert _offer_of(cast.client).status == Status.OPEN  # the sweep has not run yet
    assert offers_expire() == 2
    assert {o.status for o in WaitlistOffer.objects.all()} == {Status.EXPIRED}
    assert offers_expire() == 0
    assert b"This offer has expired" in client.get(_link(cast.token)).content
    # Expired offers are no longer owed a mail.
    assert mail_deliver(mail_id=_mail_of(_offer_of(cast.client2)).pk) == "dropped"


def test_the_sweep_is_a_task_on_the_beat_schedule(offered, settings):
    WaitlistOffer.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    entry = settings.CELERY_BEAT_SCHEDULE["expire-waitlist-offers"]
    assert entry == {"task": "scheduling.tasks.expire_offers", "schedule": 300.0}
    assert tasks.expire_offers.delay().get() == 2


def test_a_closed_waitlist_entry_withdraws_its_offer(offered, client):
    cast = offered
    waitlist_resolve(actor=cast.frontdesk, entry=_offer_of(cast.client).entry)
    assert _offer_of(cast.client).status == Status.WITHDRAWN
    page = client.get(_link(cast.token))
    assert b"withdrawn this offer" in page.content
    response = client.post(_link(cast.token))
    assert response.status_code == 409 and b"withdrawn this offer" in response.content
    assert _offer_of(cast.client2).status == Status.OPEN


def test_a_time_booked_by_the_front_desk_ends_its_offers_and_their_clients_are_told(
    offered, client
):
    cast = offered
    _booked(cast, client=ClientFactory(user=None), hour=10)
    assert {o.status for o in WaitlistOffer.objects.all()} == {Status.GONE}
    recipients = OutboundMail.objects.filter(kind=GONE_MAIL).values_list("recipient", flat=True)
    assert sorted(recipients) == ["bw@ex.test", "oriana@example.test"]
    page = client.get(_link(cast.token))
    assert b"just taken" in page.content and b"Book this time" not in page.content
    response = client.post(_link(cast.token))
    assert response.status_code == 409 and b"just taken" in response.content
    assert OutboundMail.objects.filter(kind=GONE_MAIL).count() == 2  # told once


def test_the_front_desk_booking_an_offered_client_withdraws_their_offer_unmailed(offered):
    cast = offered
    _booked(cast, client=cast.client, hour=10)
    assert _offer_of(cast.client).status == Status.WITHDRAWN
    assert _offer_of(cast.client2).status == Status.GONE
    recipients = OutboundMail.objects.filter(kind=GONE_MAIL).values_list("recipient", flat=True)
    assert list(recipients) == ["bw@ex.test"]


def test_a_time_taken_without_the_booking_service_is_gone_at_the_claim(offered, client):
    """Written straight to the table (an import, say): the claim finds it taken, ends every
    offer of the time and tells the others by mail; the claimant reads it on the page."""
    cast = offered
    AppointmentFactory(
        therapist=cast.therapist.therapist_profile,
        appointment_type=cast.treatment,
        starts_at=cast.freed.starts_at,
    )
    page = client.get(_link(cast.token))
    assert b"just taken" in page.content and b"Book this time" not in page.content
    assert _offer_of(cast.client).status == Status.OPEN  # GET writes nothing
    response = client.post(_link(cast.token))
    assert response.status_code == 409 and b"just taken" in response.content
    assert {o.status for o in WaitlistOffer.objects.all()} == {Status.GONE}
    recipients = OutboundMail.objects.filter(kind=GONE_MAIL).values_list("recipient", flat=True)
    assert list(recipients) == ["bw@ex.test"]


def test_a_client_busy_then_is_told_so_and_the_offer_stays_open(offered, client):
    cast = offered
    AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist2.therapist_profile,
        appointment_type=cast.treatment,
        starts_at=cast.freed.starts_at,
    )
    response = client.post(_link(cast.token))
    assert response.status_code == 409
    assert b"You already have an appointment at that time" in response.content
    assert _offer_of(cast.client).status == Status.OPEN


def test_staff_cannot_claim_for_a_client(offered):
    from django.core.exceptions import PermissionDenied

    cast = offered
    with pytest.raises(PermissionDenied):
        offer_service.offer_claim(actor=cast.frontdesk, offer=_offer_of(cast.client))
    with pytest.raises(PermissionDenied):
        offer_service.offer_claim(actor=cast.client2_user, offer=_offer_of(cast.client))


# --- who sees the offers ------------------------------------------------------------------------


def test_the_client_sees_open_offers_in_the_portal_and_claims_from_there(offered, client):
    cast = offered
    portal = client.get(reverse("portal")).content.decode()
    offer = _offer_of(cast.client)
    assert "Times offered to you from the waitlist" in portal
    assert reverse("portal_offer", args=[offer.pk]) in portal
    assert reverse("portal_offer", args=[_offer_of(cast.client2).pk]) not in portal
    page = client.get(reverse("portal_offer", args=[offer.pk]))
    assert page.status_code == 200 and b"Book this time" in page.content
    assert client.post(reverse("portal_offer", args=[offer.pk])).status_code == 302
    assert _offer_of(cast.client).status == Status.CLAIMED
    assert "Times offered to you" not in client.get(reverse("portal")).content.decode()


def test_the_front_desk_sees_who_was_offered_a_freed_time(offered, client):
    cast = offered
    client.force_login(cast.frontdesk)
    detail = client.get(reverse("appointment_detail", args=[cast.freed.pk])).content.decode()
    assert "Offered by mail" in detail
    assert "Oriana Quillfeather" in detail and "Bastian Wrenhollow" in detail
    assert "offered (until" in detail
    waitlist = client.get(reverse("waitlist")).content.decode()
    assert "Offers of freed times" in waitlist and waitlist.count("Offered") >= 2
    client.force_login(cast.client_user)
    client.post(_link(cast.token))
    client.force_login(cast.frontdesk)
    detail = client.get(reverse("appointment_detail", args=[cast.freed.pk])).content.decode()
    assert "claimed (" in detail and "taken by someone else (" in detail


def test_the_waitlist_and_appointment_pages_list_offers_in_constant_queries(
    clinic, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cast = clinic
    client.force_login(cast.frontdesk)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    _entry(cast.client, times=(9, 17))
    first = _freed(cast, hour=9)
    waitlist_few = queries(reverse("waitlist"))
    detail_few = queries(reverse("appointment_detail", args=[first.pk]))
    for n in range(6):
        _entry(ClientFactory(email=f"w{n}@example.test"), times=(9, 17))
    last = [_freed(cast, hour=hour) for hour in (11, 13, 15)][-1]
    assert WaitlistOffer.objects.count() == 1 + 3 * 7
    with django_assert_max_num_queries(waitlist_few):
        client.get(reverse("waitlist"))
    with django_assert_max_num_queries(detail_few):
        page = client.get(reverse("appointment_detail", args=[last.pk]))
    assert len(page.context["offers"]) == 7


def test_the_portal_lists_open_offers_in_constant_queries(
    clinic, client, django_assert_max_num_queries
):
    cast = clinic
    client.force_login(cast.client_user)
    _entry(cast.client, times=(9, 17))
    _freed(cast, hour=9)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("portal"))
    for hour in (11, 13, 15):
        _freed(cast, hour=hour)
    assert WaitlistOffer.objects.filter(entry__client=cast.client).count() == 4
    with django_assert_max_num_queries(len(captured)):
        assert b"See this time" in client.get(reverse("portal")).content


def test_an_appointment_moved_into_an_offered_time_ends_its_offers(offered):
    cast = offered
    other = _booked(cast, client=ClientFactory(user=None), hour=14)
    into = Slot(cast.therapist.therapist_profile, cast.treatment, cast.freed.starts_at)
    appointment_reschedule(actor=cast.frontdesk, appointment=other, slot=into)
    assert {o.status for o in WaitlistOffer.objects.all()} == {Status.GONE}
    assert OutboundMail.objects.filter(kind=GONE_MAIL).count() == 2
