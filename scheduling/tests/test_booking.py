"""Booking, series, moving, cancelling and status changes, through the pages the front desk
uses. Conflicts come back at the field with what the user typed still there."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic import date_formats
from clinic.clinic_time import at_local, local, today
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory
from scheduling.models import Appointment, AppointmentType, WaitlistEntry
from scheduling.services.appointments import series_dates
from scheduling.tests.factories import (
    AppointmentFactory,
    RoomFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)


@pytest.fixture
def desk(client, cast):
    """The front desk signed in, and `therapist` working 09:00-17:00 every day."""
    therapist = cast.therapist.therapist_profile
    for weekday in range(7):
        WorkingHoursFactory(therapist=therapist, weekday=weekday)
    client.force_login(cast.frontdesk)
    cast.treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    cast.next_week = today() + dt.timedelta(days=7)
    return client


def _form(cast, day=None, time="10:00", **extra):
    data = {
        "client": str(cast.client.pk),
        "therapist": str(cast.therapist.therapist_profile.pk),
        "appointment_type": str(cast.treatment.pk),
        "date": (day or cast.next_week).isoformat(),
        "time": time,
        "room": "",
        "front_desk_note": "",
        "interval_weeks": "1",
    }
    data.update(extra)
    return data


def _book(desk, cast, **kwargs):
    return desk.post(reverse("appointment_new"), _form(cast, **kwargs))


def test_front_desk_books_an_appointment(desk, cast):
    response = _book(desk, cast)
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "appointment_detail", kwargs={"appointment_id": appointment.pk}
    )
    assert local(appointment.starts_at).time() == dt.time(10, 0)
    assert appointment.ends_at - appointment.starts_at == dt.timedelta(minutes=60)
    assert appointment.created_by == cast.frontdesk
    assert AuditEntry.objects.filter(
        action="create", client=cast.client, object_id=str(appointment.pk)
    ).exists()


def test_booking_form_prefills_from_ids_in_the_query_string(desk, cast):
    therapist = cast.therapist.therapist_profile
    response = desk.get(
        reverse("appointment_new"),
        {"client": cast.client.pk, "therapist": therapist.pk, "start": f"{cast.next_week}T14:30"},
    )
    assert response.status_code == 200
    assert cast.client.last_name.encode() in response.content
    assert b'value="14:30"' in response.content


@pytest.mark.parametrize(
    "change,field_message",
    [
        ({"day": dt.date(2020, 1, 6)}, b"That time has already passed"),
        ({"time": "16:30"}, b"Outside"),
        ({"time": "07:00"}, b"working hours"),
    ],
)
def test_bad_times_are_refused_at_the_field_and_kept(desk, cast, change, field_message):
    response = _book(desk, cast, **change)
    assert response.status_code == 200
    assert field_message in response.content
    assert not Appointment.objects.exists()
    typed = change.get("time", "10:00").encode()
    assert b'value="' + typed + b'"' in response.content


def test_time_off_is_refused(desk, cast):
    TimeOffFactory(
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(cast.next_week, dt.time(9)),
        ends_at=at_local(cast.next_week, dt.time(13)),
        reason="Continuing education",
    )
    response = _book(desk, cast)
    assert b"is away then (Continuing education)" in response.content
    assert not Appointment.objects.exists()


def test_double_booking_answers_409_that_time_is_taken(desk, cast):
    assert _book(desk, cast).status_code == 302
    response = _book(desk, cast, time="10:30", client=str(cast.client2.pk))
    assert response.status_code == 409
    assert b"That time is taken" in response.content
    assert Appointment.objects.count() == 1


def test_room_conflict_is_shown_at_the_room_field(desk, cast):
    room = RoomFactory(name="Room Cedar")
    other = cast.therapist2.therapist_profile
    WorkingHoursFactory(therapist=other, weekday=cast.next_week.weekday())
    assert _book(desk, cast, room=str(room.pk)).status_code == 302
    response = _book(
        desk, cast, room=str(room.pk), therapist=str(other.pk), client=str(cast.client2.pk)
    )
    assert response.status_code == 409
    assert b"Room Cedar is in use then" in response.content


def test_the_same_client_cannot_be_in_two_places(desk, cast):
    other = cast.therapist2.therapist_profile
    WorkingHoursFactory(therapist=other, weekday=cast.next_week.weekday())
    assert _book(desk, cast).status_code == 302
    response = _book(desk, cast, therapist=str(other.pk))
    assert response.status_code == 409
    assert b"the client already has an appointment then" in response.content


@pytest.mark.parametrize("client_value", ["00000000-0000-0000-0000-000000000000", "garbage", ""])
def test_unknown_client_is_a_clear_message(desk, cast, client_value):
    response = _book(desk, cast, client=client_value)
    assert response.status_code == 200
    assert b"pen the booking from the client" in response.content
    assert not Appointment.objects.exists()


def test_weekly_series_books_every_date_in_one_step(desk, cast):
    response = _book(desk, cast, repeat="on", repeat_count="8")
    assert response.status_code == 302
    appointments = list(Appointment.objects.order_by("starts_at"))
    assert len(appointments) == 8
    assert len({a.series_id for a in appointments}) == 1
    gaps = {
        local(b.starts_at).date() - local(a.starts_at).date()
        for a, b in zip(appointments, appointments[1:], strict=False)
    }
    assert gaps == {dt.timedelta(weeks=1)}


def test_series_with_a_conflict_saves_nothing_and_lists_each_date(desk, cast):
    blocked = cast.next_week + dt.timedelta(weeks=2)
    TimeOffFactory(
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(blocked, dt.time(0)),
        ends_at=at_local(blocked, dt.time(23)),
        reason="Holiday",
    )
    AppointmentFactory(
        client=cast.client2,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(cast.next_week + dt.timedelta(weeks=4), dt.time(10)),
    )
    response = _book(desk, cast, repeat="on", repeat_count="6")
    assert response.status_code == 409
    html = response.content.decode()
    assert "2 dates of the series cannot be booked" in html
    assert "is away then (Holiday)" in html and "That time is taken" in html
    assert Appointment.objects.count() == 1  # only the pre-existing one
    assert not Appointment.objects.filter(series__isnull=False).exists()


def test_series_missing_count_is_asked_for(desk, cast):
    response = _book(desk, cast, repeat="on", repeat_count="")
    assert b"How many sessions" in response.content


def _next_us_dst_start(after: dt.date) -> dt.date:
    """Second Sunday of March after `after` (US daylight saving starts)."""
    year = after.year + (1 if after >= dt.date(after.year, 3, 1) else 0)
    march = dt.date(year, 3, 1)
    first_sunday = march + dt.timedelta(days=(6 - march.weekday()) % 7)
    return first_sunday + dt.timedelta(weeks=1)


def test_series_across_daylight_saving_keeps_local_time(settings):
    settings.TIME_ZONE = "America/New_York"
    change = _next_us_dst_start(today())
    first = at_local(change - dt.timedelta(weeks=2), dt.time(10))
    dates = series_dates(first, 4, 1)
    assert [local(d).time() for d in dates] == [dt.time(10)] * 4
    offsets = {local(d).utcoffset() for d in dates}
    assert len(offsets) == 2  # the UTC time moved by an hour; the wall clock did not


def _booked(cast, days=7, hour=10):
    return AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        appointment_type=cast.treatment,
        starts_at=at_local(today() + dt.timedelta(days=days), dt.time(hour)),
    )


def test_move_an_appointment(desk, cast):
    appointment = _booked(cast)
    data = _form(cast, time="14:00")
    response = desk.post(reverse("appointment_reschedule", args=[appointment.pk]), data)
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert local(appointment.starts_at).time() == dt.time(14)
    assert AuditEntry.objects.filter(action="update", detail__startswith="moved from").exists()


def test_move_onto_a_taken_time_is_409(desk, cast):
    appointment = _booked(cast)
    AppointmentFactory(
        client=cast.client2,
        therapist=cast.therapist.therapist_profile,
        appointment_type=cast.treatment,
        starts_at=at_local(today() + dt.timedelta(days=7), dt.time(14)),
    )
    response = desk.post(
        reverse("appointment_reschedule", args=[appointment.pk]), _form(cast, time="14:30")
    )
    assert response.status_code == 409
    assert b"That time is taken" in response.content
    appointment.refresh_from_db()
    assert local(appointment.starts_at).time() == dt.time(10)


def test_cancel_needs_a_reason_then_shows_waitlist_matches(desk, cast):
    appointment = _booked(cast)
    response = desk.post(reverse("appointment_cancel", args=[appointment.pk]), {"reason": ""})
    assert response.status_code == 200 and b"This field is required" in response.content
    WaitlistEntry.objects.create(
        client=cast.client2,
        therapist=None,
        earliest_date=today(),
        latest_date=today() + dt.timedelta(days=14),
        earliest_time=dt.time(9),
        latest_time=dt.time(12),
    )
    WaitlistEntry.objects.create(  # wants afternoons only: no match
        client=cast.client2,
        earliest_date=today(),
        latest_date=today() + dt.timedelta(days=14),
        earliest_time=dt.time(13),
        latest_time=dt.time(17),
        note="afternoons-only",
    )
    response = desk.post(
        reverse("appointment_cancel", args=[appointment.pk]),
        {"reason": "Client has the flu"},
        follow=True,
    )
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert appointment.cancel_reason == "Client has the flu"
    html = response.content.decode()
    assert "Waitlist: who could take this time" in html
    assert str(cast.client2) in html and "afternoons-only" not in html


def test_a_cancelled_slot_can_be_booked_again(desk, cast):
    appointment = _booked(cast)
    desk.post(reverse("appointment_cancel", args=[appointment.pk]), {"reason": "Moved away"})
    assert _book(desk, cast, client=str(cast.client2.pk)).status_code == 302


def test_status_changes(desk, cast):
    past = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today(), dt.time(0)),  # started today: check in is on the day
    )
    url = reverse("appointment_status", args=[past.pk])
    desk.post(url, {"status": "checked_in"})
    past.refresh_from_db()
    assert past.status == "checked_in"
    desk.post(url, {"status": "completed"})
    past.refresh_from_db()
    assert past.status == "completed"
    response = desk.post(url, {"status": "booked"}, follow=True)
    assert b"cannot be marked" in response.content


@pytest.mark.parametrize("status", ["checked_in", "completed", "no_show"])
def test_the_same_status_twice_says_it_is_already_set(desk, cast, status):
    past = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today(), dt.time(0)),  # started today: check in is on the day
    )
    url = reverse("appointment_status", args=[past.pk])
    desk.post(url, {"status": status})
    again = desk.post(url, {"status": status}, follow=True).content.decode()
    label = Appointment.Status(status).label.lower()
    assert f"This appointment is already marked {label}." in again


def test_check_in_is_only_on_the_appointments_day(desk, cast):
    monday = today() + dt.timedelta(days=7 - today().weekday())
    appointment = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(monday, dt.time(10)),
    )
    page = desk.get(reverse("appointment_detail", args=[appointment.pk])).content.decode()
    assert 'value="checked_in"' not in page
    assert f"Check in is only on the appointment&#x27;s day ({date_formats.day(monday)})" in page
    response = desk.post(
        reverse("appointment_status", args=[appointment.pk]), {"status": "checked_in"}, follow=True
    )
    assert "Check in is only on the appointment" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    yesterday = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today() - dt.timedelta(days=1), dt.time(10)),
    )
    page = desk.get(reverse("appointment_detail", args=[yesterday.pk])).content.decode()
    assert 'value="checked_in"' not in page and 'value="completed"' in page


def test_no_show_before_the_start_is_refused(desk, cast):
    appointment = _booked(cast)
    response = desk.post(
        reverse("appointment_status", args=[appointment.pk]), {"status": "no_show"}, follow=True
    )
    assert b"has not started yet" in response.content
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_clients_and_physicians_cannot_touch_appointments(client, cast, desk):
    appointment = _booked(cast)
    for user in (cast.client_user, cast.physician_user):
        client.force_login(user)
        assert (
            client.post(
                reverse("appointment_cancel", args=[appointment.pk]), {"reason": "x"}
            ).status_code
            == 403
        )
    appointment.refresh_from_db()
    assert appointment.status == "booked"


@pytest.mark.parametrize("rows", [10, 200])
def test_client_page_queries_do_not_grow_with_appointments(
    desk, cast, rows, django_assert_max_num_queries
):
    for n in range(rows):
        AppointmentFactory(
            client=cast.client,
            therapist=cast.therapist.therapist_profile,
            starts_at=at_local(today() + dt.timedelta(days=n - rows // 2), dt.time(9)),
        )
    with django_assert_max_num_queries(CLIENT_PAGE_QUERY_CAP):
        assert desk.get(reverse("client_detail", args=[cast.client.pk])).status_code == 200


# Front desk; measured: 10 at 10 and at 200 appointments (9 before the page listed the
# client's mail that could not be delivered); 11 since the coverage card (issue 18: the
# client's coverages; with some, their authorizations and those's visits: three more,
# whatever their number, billing/tests/test_coverage.py).
CLIENT_PAGE_QUERY_CAP = 11


def test_client_page_lists_the_appointments(desk, cast):
    therapist = cast.therapist.therapist_profile
    name = cast.therapist.get_full_name()
    days = today() + dt.timedelta(days=1), today() - dt.timedelta(days=2)
    soon = AppointmentFactory(
        client=cast.client,
        therapist=therapist,
        appointment_type=cast.treatment,
        starts_at=at_local(days[0], dt.time(23, 15)),  # the next day in UTC
        room=RoomFactory(name="Room <b>2</b>"),
    )
    gone = AppointmentFactory(
        client=cast.client,
        therapist=therapist,
        appointment_type=cast.treatment,
        starts_at=at_local(days[1], dt.time(9)),
        status="cancelled",
    )
    for weeks in range(2, 25):  # 23 more upcoming: the page shows the next 20
        AppointmentFactory(
            client=cast.client,
            therapist=therapist,
            starts_at=at_local(today() + dt.timedelta(weeks=weeks), dt.time(10)),
        )
    page = desk.get(reverse("client_detail", args=[cast.client.pk])).content.decode()
    upcoming, recent = page.split('<h2 class="h5">Recent appointments</h2>')
    first = re.search(r'<li class="mb-1">(.*?)</li>', upcoming).group(1)
    assert first == (
        f'<a href="{reverse("appointment_detail", args=[soon.pk])}">'
        f"{date_formats.day(days[0])}, 23:15</a> · Treatment with {name} · "
        "Room &lt;b&gt;2&lt;/b&gt;"
    )
    assert upcoming.count('<li class="mb-1">') == 20
    assert (
        f'<a href="{reverse("appointment_detail", args=[gone.pk])}">'
        f"{date_formats.day(days[1])}, 09:00"
        f'</a> · Treatment with {name} <span class="badge status-cancelled">Cancelled</span>'
    ) in recent


def test_client_page_lists_only_expected_appointments_as_upcoming(desk, cast):
    now = timezone.now()

    def appointment(starts_in, status="booked"):
        return AppointmentFactory(
            client=cast.client,
            therapist=cast.therapist.therapist_profile,
            starts_at=now + starts_in,
            status=status,
        )

    ahead = [appointment(dt.timedelta(minutes=-10)), appointment(dt.timedelta(days=1))]
    past = [  # newest first; none overlaps another (PostgreSQL's exclusion constraint)
        appointment(dt.timedelta(hours=3), "completed"),
        appointment(dt.timedelta(hours=2), "cancelled"),
        appointment(dt.timedelta(days=-1)),
    ]
    page = desk.get(reverse("client_detail", args=[cast.client.pk]))

    def link(a):
        return reverse("appointment_detail", args=[a.pk])

    upcoming = [item["url"] for item in page.context["upcoming"]]
    recent = [item["url"] for item in page.context["recent"]]
    assert all(link(a) in upcoming for a in ahead)
    assert not any(link(a) in upcoming for a in past)
    assert all(link(a) in recent for a in past)
    assert "No past appointments" not in page.content.decode()
    assert recent.index(link(past[0])) < recent.index(link(past[1])) < recent.index(link(past[2]))


def _freed_with_a_match(desk, cast):
    appointment = _booked(cast)
    desk.post(reverse("appointment_cancel", args=[appointment.pk]), {"reason": "Flu"})
    entry = WaitlistEntry.objects.create(
        client=cast.client2,
        earliest_date=today(),
        latest_date=today() + dt.timedelta(days=14),
        earliest_time=dt.time(9),
        latest_time=dt.time(12),
    )
    dashboard = desk.get(reverse("dashboard_front_desk")).content.decode()
    assert "Freed times with waitlist matches" in dashboard
    return appointment, entry


def test_booking_a_waitlist_match_resolves_the_entry_and_the_freed_time(desk, cast):
    appointment, entry = _freed_with_a_match(desk, cast)
    assert _book(desk, cast, client=str(cast.client2.pk)).status_code == 302
    entry.refresh_from_db()
    assert entry.resolved_at is not None
    assert AuditEntry.objects.filter(object_id=str(entry.pk), detail__contains="booked").exists()
    dashboard = desk.get(reverse("dashboard_front_desk")).content.decode()
    assert "Freed times with waitlist matches" not in dashboard
    page = desk.get(reverse("appointment_detail", args=[appointment.pk])).content.decode()
    assert "This time has been booked again" in page and "Book this time" not in page


def test_a_freed_time_booked_by_someone_else_is_no_longer_listed(desk, cast):
    _freed_with_a_match(desk, cast)
    other = ClientFactory(user=None)
    assert _book(desk, cast, client=str(other.pk), time="10:30").status_code == 302  # overlaps
    dashboard = desk.get(reverse("dashboard_front_desk")).content.decode()
    assert "Freed times with waitlist matches" not in dashboard
    assert WaitlistEntry.objects.get().resolved_at is None  # client2 still waits


def test_a_slot_from_the_finder_books_after_choosing_the_client_on_the_form(desk, cast):
    therapist = cast.therapist.therapist_profile
    start = f"{cast.next_week}T10:00"
    query = f"therapist={therapist.pk}&type={cast.treatment.pk}&start={start}"
    url = f"{reverse('appointment_new')}?{query}"
    page = desk.get(url).content.decode()
    assert "Who is the appointment for?" in page
    found = desk.post(url, {"find_client": "1", "q": cast.client.last_name}).content.decode()
    assert not Appointment.objects.exists()
    links = [
        parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        for href in re.findall(r'href="(/appointments/new/\?[^"]+)"', found)
    ]
    assert {
        "client": [str(cast.client.pk)],
        "therapist": [str(therapist.pk)],
        "type": [str(cast.treatment.pk)],
        "start": [start],
    } in links
    page = desk.get(f"{url}&client={cast.client.pk}").content.decode()
    assert "Who is the appointment for?" not in page and 'value="10:00"' in page
    assert _book(desk, cast).status_code == 302
    nobody = desk.post(url, {"find_client": "1", "q": "Zzyzx"}).content.decode()
    assert "No client matches" in nobody


def test_the_finder_is_reachable_from_the_client_page_and_keeps_the_client(desk, cast):
    page = desk.get(reverse("client_detail", args=[cast.client.pk])).content.decode()
    finder = f"{reverse('free_slot_finder')}?client={cast.client.pk}"
    assert finder in page
    therapist = cast.therapist.therapist_profile
    slots = desk.get(
        reverse("free_slot_finder"),
        {"client": cast.client.pk, "therapist": therapist.pk, "type": cast.treatment.pk},
    ).content.decode()
    assert f"for {cast.client}" in slots  # the finder says whom it books for
    booking = re.search(r'href="(/appointments/new/[^"]+)"', slots).group(1)
    assert f"client={cast.client.pk}" in booking.replace("&amp;", "&")
