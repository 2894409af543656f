"""The pages of booking online: the client's booking and move pages (with their query counts
and the "just taken" answer), the portal's entry, the calendars' "Online" mark and the front
desk's list of new online bookings."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from clinic.clinic_time import at_local, local, today
from clinic.tests.factories import ClientFactory, TherapistFactory
from scheduling.models import Appointment, AppointmentType, OnlineBookingRules
from scheduling.tests.factories import AppointmentFactory, WorkingHoursFactory

T = dt.time


@pytest.fixture
def profile(cast):
    return cast.therapist.therapist_profile


@pytest.fixture
def day(profile):
    day = today() + dt.timedelta(days=9)
    WorkingHoursFactory(therapist=profile, weekday=day.weekday(), start_time=T(9), end_time=T(17))
    return day


@pytest.fixture
def anytype(db):
    return AppointmentType.objects.create(name="Follow-up", duration_minutes=60, online_for="any")


@pytest.fixture
def rules(db):
    return OnlineBookingRules.objects.create(enabled=True)


@pytest.fixture
def portal(client, cast):
    client.force_login(cast.client_user)
    return client


def _times(html: str) -> list[str]:
    return re.findall(r'name="start" value="([^"]+)"', html)


def test_the_portal_offers_booking_only_when_open_and_something_fits(portal, cast, anytype):
    page = portal.get(reverse("portal")).content.decode()
    assert "Call the clinic at" in page and reverse("portal_book") not in page
    OnlineBookingRules.objects.create(enabled=True)
    page = portal.get(reverse("portal")).content.decode()
    assert "Book an appointment" in page and reverse("portal_book") in page
    AppointmentType.objects.update(online_for="")
    assert reverse("portal_book") not in portal.get(reverse("portal")).content.decode()


def test_the_booking_page_walks_type_therapist_time(portal, cast, rules, anytype, day, profile):
    page = portal.get(reverse("portal_book")).content.decode()
    assert "Follow-up" in page and "Initial assessment" in page and "Treatment" not in page
    page = portal.get(
        reverse("portal_book"), {"type": anytype.pk, "from": day.isoformat()}
    ).content.decode()
    assert "Anyone free" in page and cast.therapist.get_full_name() in page
    starts = _times(page)
    assert starts and all(local(dt.datetime.fromisoformat(s)).date() >= day for s in starts)
    response = portal.post(
        reverse("portal_book"), {"type": anytype.pk, "therapist": profile.pk, "start": starts[0]}
    )
    assert response.status_code == 302 and response["Location"] == reverse("portal")
    booked = Appointment.objects.get(client=cast.client)
    assert booked.channel == "online" and booked.starts_at == dt.datetime.fromisoformat(starts[0])
    page = portal.get(reverse("portal")).content.decode()
    assert "Booked: Follow-up" in page
    assert reverse("portal_appointment_move", args=[booked.pk]) in page


def test_a_type_not_for_the_client_is_not_offered_and_refused(portal, cast, rules, day):
    treatment = AppointmentType.objects.get(name="Treatment")
    page = portal.get(reverse("portal_book"), {"type": treatment.pk}).content.decode()
    assert "cannot be booked online by you" in page and not _times(page)
    start = at_local(day, T(10)).isoformat()
    response = portal.post(reverse("portal_book"), {"type": treatment.pk, "start": start})
    assert response.status_code == 400
    assert "Treatment cannot be booked online by you" in response.content.decode()
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("start", ["", "tomorrow", "2026-12-24T10:00"])
def test_a_malformed_time_is_a_message_not_a_500(portal, rules, anytype, start):
    response = portal.post(reverse("portal_book"), {"type": anytype.pk, "start": start})
    assert response.status_code == 400
    assert "Choose one of the times shown." in response.content.decode()


def test_the_booking_page_says_when_booking_is_closed_or_full(portal, cast, anytype, day, profile):
    page = portal.get(reverse("portal_book")).content.decode()
    assert "Booking online is not open" in page
    OnlineBookingRules.objects.create(enabled=True, max_upcoming=1)
    AppointmentFactory(client=cast.client, therapist=profile, starts_at=at_local(day, T(9)))
    page = portal.get(reverse("portal_book"), {"type": anytype.pk}).content.decode()
    assert "You already have 1 upcoming appointment, the most" in page and not _times(page)


def test_just_taken_answers_409_with_the_nearest_times(portal, cast, rules, anytype, day, profile):
    wanted = at_local(day, T(10))
    AppointmentFactory(client=cast.client2, therapist=profile, starts_at=wanted)
    response = portal.post(
        reverse("portal_book"),
        {"type": anytype.pk, "therapist": profile.pk, "start": wanted.isoformat()},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "Just taken." in page and "Here are the nearest free times." in page
    offered = re.search(r'id="just-taken".*?</div>\s*</div>', page, re.S).group(0)
    nearest = {local(dt.datetime.fromisoformat(s)).time() for s in _times(offered)}
    assert nearest == {T(9), T(11), T(11, 30)}
    # The week shown starts on the day tried, not on the first day that may be booked.
    week = page[page.index("</div>", page.index('id="just-taken"')) :]
    assert local(dt.datetime.fromisoformat(_times(week)[-1])).date() >= day
    assert min(local(dt.datetime.fromisoformat(s)).date() for s in _times(week)) == day


@pytest.mark.parametrize("booked", [2, 40])
def test_booking_page_queries_do_not_grow_with_the_schedule(
    portal, cast, rules, anytype, day, profile, booked, django_assert_max_num_queries
):
    other = TherapistFactory()
    WorkingHoursFactory(therapist=other, weekday=day.weekday(), start_time=T(9), end_time=T(17))
    for n in range(booked):
        start = at_local(day + dt.timedelta(weeks=n // 8), T(9)) + dt.timedelta(hours=n % 8)
        AppointmentFactory(client=ClientFactory(user=None), therapist=profile, starts_at=start)
    # Two therapists ("anyone"): three queries of free slots each, two for the rooms' use,
    # whatever is booked.
    with django_assert_max_num_queries(22):
        response = portal.get(reverse("portal_book"), {"type": anytype.pk, "from": day})
    assert response.status_code == 200 and _times(response.content.decode())


def test_the_move_page_moves_to_a_time_tapped(portal, cast, rules, anytype, day, profile):
    mine = AppointmentFactory(
        client=cast.client,
        therapist=profile,
        appointment_type=anytype,
        starts_at=at_local(day, T(10)),
    )
    url = reverse("portal_appointment_move", args=[mine.pk])
    page = portal.get(url, {"from": day.isoformat()}).content.decode()
    starts = {dt.datetime.fromisoformat(s) for s in _times(page)}
    # Its own time is not offered; half an hour later is (it overlaps only itself).
    assert mine.starts_at not in starts
    assert at_local(day, T(10, 30)) in starts and at_local(day, T(9, 30)) in starts
    later = at_local(day, T(14))
    assert later in starts
    response = portal.post(url, {"start": later.isoformat()})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert local(mine.starts_at).time() == T(14)


def test_the_move_page_says_why_not_inside_the_window(portal, cast, rules, anytype, profile):
    soon = AppointmentFactory(client=cast.client, therapist=profile, appointment_type=anytype)
    page = portal.get(reverse("portal_appointment_move", args=[soon.pk])).content.decode()
    assert "less than 24 hours until this appointment" in page and not _times(page)
    assert (
        reverse("portal_appointment_move", args=[soon.pk])
        not in portal.get(reverse("portal")).content.decode()
    )


def test_calendars_mark_online_bookings_in_words(client, cast, day, profile, anytype):
    AppointmentFactory(client=cast.client, therapist=profile, starts_at=at_local(day, T(10)))
    AppointmentFactory(
        client=cast.client2, therapist=profile, starts_at=at_local(day, T(12)), channel="online"
    )
    # A waitlist offer claimed through its link is the client's own booking too.
    AppointmentFactory(
        client=ClientFactory(), therapist=profile, starts_at=at_local(day, T(14)), channel="offer"
    )
    client.force_login(cast.frontdesk)
    html = client.get(reverse("schedule_day"), {"date": day.isoformat()}).content.decode()
    assert html.count('class="appt-online">Online</span>') == 2
    block = re.search(r'<a [^>]*title="12:00[^"]*"', html).group(0)
    assert "booked online" in block
    week = reverse("schedule_week", kwargs={"therapist_id": profile.pk})
    html = client.get(week, {"date": day.isoformat()}).content.decode()
    assert html.count('class="appt-online">Online</span>') == 2


def test_the_front_desk_sees_online_bookings_since_its_last_visit(client, cast, day, profile):
    first = AppointmentFactory(
        client=cast.client, therapist=profile, starts_at=at_local(day, T(10)), channel="online"
    )
    AppointmentFactory(client=cast.client2, therapist=profile, starts_at=at_local(day, T(12)))
    client.force_login(cast.frontdesk)
    page = client.get(reverse("dashboard_front_desk")).content.decode()
    card = page[page.index("Booked online since you last looked") :]
    card = card[: card.index("</section>")]
    assert str(cast.client) in card and str(cast.client2) not in card
    # The next visit lists only what came after this one.
    page = client.get(reverse("dashboard_front_desk")).content.decode()
    assert "No new online booking since" in page
    second = AppointmentFactory(
        client=cast.client2, therapist=profile, starts_at=at_local(day, T(14)), channel="online"
    )
    page = client.get(reverse("dashboard_front_desk")).content.decode()
    card = page[page.index("Booked online since you last looked") :]
    card = card[: card.index("</section>")]
    assert reverse("appointment_detail", args=[second.pk]) in card
    assert reverse("appointment_detail", args=[first.pk]) not in card


@pytest.mark.parametrize("booked", [2, 40])
def test_move_page_queries_do_not_grow_with_the_schedule(
    portal, cast, rules, anytype, day, profile, booked, django_assert_max_num_queries
):
    mine = AppointmentFactory(
        client=cast.client,
        therapist=profile,
        appointment_type=anytype,
        starts_at=at_local(day, T(16)),
    )
    for n in range(booked):
        start = at_local(day + dt.timedelta(weeks=n // 6), T(9)) + dt.timedelta(hours=n % 6)
        AppointmentFactory(client=ClientFactory(user=None), therapist=profile, starts_at=start)
    with django_assert_max_num_queries(12):
        response = portal.get(reverse("portal_appointment_move", args=[mine.pk]), {"from": day})
    assert response.status_code == 200 and _times(response.content.decode())
