"""Calendars, the free-slot finder and the therapist's hours page: who gets them, what they
show, their query counts at 10 and 500 appointments, bad input, and free-slot correctness
(every slot found is bookable, across a daylight saving change too)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from clinic import date_formats
from clinic.clinic_time import at_local, clinic_tz, day_bounds, local, today
from clinic.models import AuditEntry, Therapist
from clinic.tests.factories import ClientFactory, TherapistFactory
from scheduling import selectors
from scheduling.models import Appointment, TimeOff
from scheduling.services.appointments import Slot, slot_problems
from scheduling.tests.factories import (
    AppointmentFactory,
    AppointmentTypeFactory,
    RoomFactory,
    TimeOffFactory,
    WorkingHoursFactory,
)

T = dt.time
UTC = dt.UTC
# The same caps for 10 and for 500 appointments: nothing is read per row. The finder reads its
# two select lists and validates three choices besides the schedule reads and the audit entry.
QUERY_CAP = 10
FINDER_QUERY_CAP = 12


@pytest.fixture(autouse=True)
def _new_york(settings):
    settings.TIME_ZONE = "America/New_York"


@pytest.fixture
def profile(cast):
    return cast.therapist.therapist_profile


@pytest.fixture
def hour_type(db):
    return AppointmentTypeFactory(name="Treatment 60", duration_minutes=60)


def _future_weekday(weekday: int) -> dt.date:
    """The next date (from tomorrow on) falling on `weekday`."""
    day = today() + dt.timedelta(days=1)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def _work_every_day(therapist, *spans):
    for weekday in range(7):
        for start, end in spans:
            WorkingHoursFactory(
                therapist=therapist, weekday=weekday, start_time=start, end_time=end
            )


def _book(therapist, day, start: dt.time, appointment_type, **kwargs):
    starts_at = at_local(day, start)
    return AppointmentFactory(
        therapist=therapist,
        appointment_type=appointment_type,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=appointment_type.duration_minutes),
        **kwargs,
    )


def _url_exists(name, **kwargs) -> bool:
    try:
        reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return False
    return True


# --- roles --------------------------------------------------------------------------------------


def _urls(cast):
    profile = cast.therapist.therapist_profile
    return [
        reverse("schedule_day"),
        reverse("schedule_week", kwargs={"therapist_id": profile.pk}),
        reverse("free_slot_finder"),
        reverse("therapist_hours", kwargs={"therapist_id": profile.pk}),
    ]


@pytest.mark.parametrize(
    "role, status",
    [
        ("admin", 200),
        ("therapist", 200),
        ("frontdesk", 200),
        ("client_user", 403),
        ("physician_user", 403),
    ],
)
def test_staff_get_the_schedule_pages_others_are_refused(client, cast, role, status):
    client.force_login(getattr(cast, role))
    for url in _urls(cast):
        assert client.get(url).status_code == status, url


def test_anonymous_is_sent_to_login(client, cast):
    for url in _urls(cast):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_therapist_cannot_open_or_post_to_another_therapists_hours(client, cast):
    other = cast.therapist2.therapist_profile
    url = reverse("therapist_hours", kwargs={"therapist_id": other.pk})
    client.force_login(cast.therapist)
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "feed_rotate"}).status_code == 403
    other.refresh_from_db()
    assert other.calendar_token is None


@pytest.mark.parametrize("name", ["schedule_week", "therapist_hours"])
def test_unknown_therapist_is_404(client, cast, name):
    client.force_login(cast.admin)
    url = reverse(name, kwargs={"therapist_id": "00000000-0000-0000-0000-000000000000"})
    assert client.get(url).status_code == 404


def test_schedule_is_in_the_staff_navigation(client, cast):
    client.force_login(cast.frontdesk)
    response = client.get(reverse("dashboard_front_desk"))
    assert f'href="{reverse("schedule_day")}"'.encode() in response.content


# --- day view -----------------------------------------------------------------------------------


def test_day_view_draws_each_appointment_in_its_therapists_column(client, cast, profile, hour_type):
    day = _future_weekday(2)
    WorkingHoursFactory(therapist=profile, weekday=2, start_time=T(9), end_time=T(17))
    room = RoomFactory(name="Garden room")
    seen = _book(profile, day, T(10), hour_type, client=cast.client, room=room)
    cancelled = _book(
        profile, day, T(14), hour_type, client=cast.client2, status=Appointment.Status.CANCELLED
    )
    client.force_login(cast.frontdesk)
    response = client.get(reverse("schedule_day"), {"date": day.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert cast.therapist.get_full_name() in html
    assert cast.therapist2.get_full_name() in html  # a column for every active therapist
    assert str(cast.client) in html
    assert "Treatment 60 · Garden room" in html
    assert "10:00–11:00" in html and "Booked" in html
    # Grid from 09:00: 10:00 is row 5 and an hour spans 4 rows.
    assert re.search(r'class="appt status-booked gr-5 gs-4"', html)
    if _url_exists("appointment_detail", appointment_id=seen.pk):
        assert reverse("appointment_detail", kwargs={"appointment_id": seen.pk}) in html
    assert str(cast.client2) not in html
    assert "1 cancelled (not shown)" in html
    assert cancelled.pk and "cell cell-work gr-" in html and "cell cell-off gr-" in html


def test_calendars_draw_the_wall_clock_on_a_dst_day_and_up_to_midnight(
    client, cast, profile, hour_type
):
    """Times are the clinic's wall clock: on the day clocks go forward (2026-03-08 in New
    York, 23 hours long) 10:00 is still row 5 of a grid from 09:00, and an appointment
    ending at midnight runs to the end of the grid."""
    day = dt.date(2026, 3, 8)
    WorkingHoursFactory(therapist=profile, weekday=day.weekday(), start_time=T(9), end_time=T(17))
    _book(profile, day, T(10), hour_type, client=cast.client)
    _book(profile, day, T(23), hour_type, client=cast.client2)
    client.force_login(cast.frontdesk)
    html = client.get(reverse("schedule_day"), {"date": day.isoformat()}).content.decode()
    assert "10:00–11:00" in html and re.search(r'class="appt status-booked gr-5 gs-4"', html)
    # The grid runs 09:00-24:00 (60 rows): the 23:00 block is rows 57-60.
    assert "23:00–00:00" in html and re.search(r'class="appt status-booked gr-57 gs-4"', html)
    week = reverse("schedule_week", kwargs={"therapist_id": profile.pk})
    html = client.get(week, {"date": day.isoformat()}).content.decode()
    assert "10:00–11:00" in html and "23:00–00:00" in html


def test_day_grid_spans_the_working_day_or_eight_to_six(client, cast, profile):
    day = _future_weekday(3)
    WorkingHoursFactory(therapist=profile, weekday=3, start_time=T(7, 30), end_time=T(12))
    WorkingHoursFactory(therapist=profile, weekday=3, start_time=T(13), end_time=T(19, 45))
    client.force_login(cast.admin)
    html = client.get(reverse("schedule_day"), {"date": day.isoformat()}).content.decode()
    # Rows are quarter hours from 07:30: one label per whole hour, 08:00 on row 3, and the
    # last (19:00) spans the three rows left before 19:45.
    labels = re.findall(r'cell-time gr-(\d+) gs-(\d+) on-hour">(\d\d:00)<', html)
    assert labels[0] == ("3", "4", "08:00") and labels[-1] == ("47", "3", "19:00")
    assert len(labels) == 12
    assert "sched-body hour-at-2" in html  # the hour lines start two rows down
    # Each column is a few runs, not a cell per row: work, lunch, work (07:30-19:45 = 49 rows).
    mine = html[html.index(cast.therapist.get_full_name()) :]
    mine = mine[: mine.index("</section>")]
    runs = re.findall(r'class="cell cell-(\w+) gr-(\d+) gs-(\d+)"', mine)
    assert runs == [("work", "1", "18"), ("off", "19", "4"), ("work", "23", "27")]
    # Nobody works the next day: the fallback 08:00-18:00 grid, all off hours.
    html = client.get(
        reverse("schedule_day"), {"date": (day + dt.timedelta(days=1)).isoformat()}
    ).content.decode()
    labels = re.findall(r'cell-time gr-\d+ gs-\d+ on-hour">(\d\d:00)<', html)
    assert labels[0] == "08:00" and labels[-1] == "17:00"
    assert "sched-body hour-at-0" in html
    assert "cell cell-work" not in html and 'class="cell cell-off gr-1 gs-40"' in html


def test_day_view_marks_time_off_and_skips_inactive_therapists(client, cast, profile):
    day = _future_weekday(1)
    WorkingHoursFactory(therapist=profile, weekday=1, start_time=T(9), end_time=T(17))
    TimeOffFactory(
        therapist=profile,
        starts_at=at_local(day, T(9)),
        ends_at=at_local(day, T(12)),
        reason="Dentist",
    )
    gone = TherapistFactory(is_active=False, user__first_name="Zebedee", user__last_name="Gone")
    client.force_login(cast.therapist)
    html = client.get(reverse("schedule_day"), {"date": day.isoformat()}).content.decode()
    assert "cell cell-away gr-1 " in html and "(Dentist)" in html
    assert gone.user.last_name not in html


def test_day_view_pages_and_links_and_uses_only_stylesheets(client, cast):
    day = dt.date(2030, 3, 5)
    client.force_login(cast.admin)
    response = client.get(reverse("schedule_day"), {"date": day.isoformat()})
    html = response.content.decode()
    assert "Tue 5 Mar 2030" in html
    assert 'href="?date=2030-03-04"' in html and 'href="?date=2030-03-06"' in html
    assert f'href="?date={today():%Y-%m-%d}"' in html
    assert 'name="date"' in html and 'value="2030-03-05"' in html
    assert "css/schedule.css" in html
    assert 'style="' not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)


def test_day_view_is_audited_as_a_list(client, cast):
    client.force_login(cast.therapist)
    client.get(reverse("schedule_day"), {"date": "2030-03-05"})
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.actor, entry.action, entry.detail) == (
        cast.therapist,
        "list",
        "day schedule 2030-03-05",
    )


@pytest.mark.parametrize("bad", ["2026-02-30", "tomorrow", "2026-13-01", "9" * 40])
def test_bad_date_falls_back_to_today_with_a_message(client, cast, profile, bad):
    client.force_login(cast.frontdesk)
    urls = [
        reverse("schedule_day"),
        reverse("schedule_week", kwargs={"therapist_id": profile.pk}),
        reverse("free_slot_finder"),
    ]
    for url in urls:
        response = client.get(url, {"date": bad})
        assert response.status_code == 200, url
        assert "is not a date" in response.content.decode(), url
        assert f'value="{today():%Y-%m-%d}"' in response.content.decode(), url


# --- week view ----------------------------------------------------------------------------------


def test_week_view_shows_monday_to_sunday_for_one_therapist(client, cast, profile, hour_type):
    day = dt.date(2030, 3, 6)  # a Wednesday
    WorkingHoursFactory(therapist=profile, weekday=2, start_time=T(9), end_time=T(17))
    _book(profile, day, T(11), hour_type, client=cast.client)
    _book(cast.therapist2.therapist_profile, day, T(11), hour_type, client=cast.client2)
    client.force_login(cast.therapist2)
    url = reverse("schedule_week", kwargs={"therapist_id": profile.pk})
    html = client.get(url, {"date": day.isoformat()}).content.decode()
    heads = re.findall(r'class="sched-name[^>]*><a href="[^"]*">([^<]+)</a>', html)
    assert heads == [
        "Mon 4 Mar",
        "Tue 5 Mar",
        "Wed 6 Mar",
        "Thu 7 Mar",
        "Fri 8 Mar",
        "Sat 9 Mar",
        "Sun 10 Mar",
    ]
    assert str(cast.client) in html
    assert str(cast.client2) not in html  # the other therapist's appointment
    assert 'href="?date=2030-02-25"' in html and 'href="?date=2030-03-11"' in html
    # therapist2 may look at the week but not manage therapist's hours.
    assert reverse("therapist_hours", kwargs={"therapist_id": profile.pk}) not in html


# --- query counts -------------------------------------------------------------------------------


def _many_appointments(therapists, first_day, count, minutes=15):
    """`count` back-to-back appointments spread over the therapists from `first_day` on,
    05:00-23:00 each day (no overlaps, so PostgreSQL's exclusion constraint is happy)."""
    short = AppointmentTypeFactory(name=f"Short {minutes}", duration_minutes=minutes)
    clients = [ClientFactory(user=None) for _ in range(5)]
    per_day = 18 * 60 // minutes
    rows = []
    for n in range(count):
        therapist = therapists[n % len(therapists)]
        index = n // len(therapists)
        day = first_day + dt.timedelta(days=index // per_day)
        starts_at = at_local(day, T(5)).astimezone(UTC) + dt.timedelta(
            minutes=minutes * (index % per_day)
        )
        rows.append(
            Appointment(
                client=clients[n % 5],
                therapist=therapist,
                appointment_type=short,
                room=None,
                starts_at=starts_at,
                ends_at=starts_at + dt.timedelta(minutes=minutes),
            )
        )
    Appointment.objects.bulk_create(rows)


@pytest.mark.parametrize("count", [10, 500])
def test_day_view_query_count_does_not_grow(client, cast, count, django_assert_max_num_queries):
    day = today() + dt.timedelta(days=1)
    therapists = [cast.therapist.therapist_profile, cast.therapist2.therapist_profile]
    therapists += [TherapistFactory() for _ in range(8)]
    for t in therapists:
        WorkingHoursFactory(therapist=t, weekday=day.weekday(), start_time=T(5), end_time=T(23))
    _many_appointments(therapists, day, count)
    client.force_login(cast.frontdesk)
    with django_assert_max_num_queries(QUERY_CAP):
        response = client.get(reverse("schedule_day"), {"date": day.isoformat()})
    assert response.content.decode().count('class="appt ') == count


@pytest.mark.parametrize("count", [10, 500])
def test_week_view_query_count_does_not_grow(
    client, cast, profile, count, django_assert_max_num_queries
):
    monday = today() - dt.timedelta(days=today().weekday())
    _work_every_day(profile, (T(5), T(23)))
    _many_appointments([profile], monday, count)
    client.force_login(cast.therapist)
    url = reverse("schedule_week", kwargs={"therapist_id": profile.pk})
    with django_assert_max_num_queries(QUERY_CAP):
        response = client.get(url, {"date": monday.isoformat()})
    assert response.content.decode().count('class="appt ') == count


@pytest.mark.parametrize("count", [10, 500])
def test_free_slot_finder_query_count_does_not_grow(
    client, cast, profile, hour_type, count, django_assert_max_num_queries
):
    start = today() + dt.timedelta(days=1)
    _work_every_day(profile, (T(5), T(23)))
    _many_appointments([profile], start, count)
    client.force_login(cast.frontdesk)
    params = {"therapist": profile.pk, "type": hour_type.pk, "date": start.isoformat()}
    with django_assert_max_num_queries(FINDER_QUERY_CAP):
        response = client.get(reverse("free_slot_finder"), {**params, "client": cast.client.pk})
    assert response.status_code == 200
    assert "Free starts from" in response.content.decode()


def test_free_slots_selector_uses_three_queries_whatever_the_range(
    cast, profile, hour_type, django_assert_num_queries
):
    _work_every_day(profile, (T(9), T(17)))
    _many_appointments([profile], today() + dt.timedelta(days=1), 200)
    with django_assert_num_queries(3):
        selectors.free_slots(
            therapist=profile, appointment_type=hour_type, start_day=today(), days=28
        )


# --- free slots: correctness --------------------------------------------------------------------


def _next_dst_change(after: dt.date) -> dt.date:
    """The next date on which the clinic's UTC offset changes (computed, never hardcoded)."""
    tz = clinic_tz()
    day = after
    for _ in range(400):
        if at_local(day, T(0)).utcoffset() != at_local(day, T(23, 59)).utcoffset():
            return day
        day += dt.timedelta(days=1)
    raise AssertionError("no daylight saving change within 400 days in " + tz.key)


def _every_quarter_hour(day: dt.date):
    start, end = day_bounds(day)
    moment = start.astimezone(UTC)
    while moment < end:
        yield moment
        moment += dt.timedelta(minutes=15)


def _assert_agrees_with_slot_problems(profile, appointment_type, start_day, days, room=None):
    found = dict(
        selectors.free_slots(
            therapist=profile,
            appointment_type=appointment_type,
            start_day=start_day,
            days=days,
            room=room,
        )
    )
    checked = 0
    for offset in range(days):
        day = start_day + dt.timedelta(days=offset)
        free = set(found.get(day, []))
        for moment in _every_quarter_hour(day):
            problems = slot_problems(Slot(profile, appointment_type, moment, room))
            assert (moment in free) == (problems == {}), (local(moment), problems)
            checked += moment in free
    assert checked, "the test set-up must leave some free slots"
    return found


def test_free_slots_agree_with_slot_problems_across_a_dst_change(cast, profile, hour_type):
    dst_day = _next_dst_change(today() + dt.timedelta(days=1))
    # Hours across the 02:00 change, and a split shift later in the day.
    _work_every_day(profile, (T(1), T(5)), (T(9), T(12)), (T(13), T(17)))
    busy = _book(profile, dst_day, T(10), hour_type, client=cast.client)
    _book(profile, dst_day, T(13), hour_type, status=Appointment.Status.CANCELLED)
    next_day = dst_day + dt.timedelta(days=1)
    TimeOffFactory(
        therapist=profile, starts_at=at_local(next_day, T(13)), ends_at=at_local(next_day, T(15))
    )
    found = _assert_agrees_with_slot_problems(profile, hour_type, dst_day - dt.timedelta(1), 3)

    on_dst_day = [local(s).time() for s in found[dst_day]]
    for taken in (T(9, 15), T(9, 30), T(10), T(10, 45)):
        assert taken not in on_dst_day  # would overlap the 10:00-11:00 appointment
    assert T(9) in on_dst_day and T(11) in on_dst_day
    assert T(13) in on_dst_day  # the cancelled appointment does not block
    assert busy.starts_at not in found[dst_day]
    # The night interval is 01:00-05:00 on the wall clock: 3 or 5 real hours that day.
    night = [s for s in found[dst_day] if local(s).time() < T(6)]
    # (Subtract in UTC: aware datetimes sharing a zone subtract by the wall clock.)
    night_start, night_end = at_local(dst_day, T(1)), at_local(dst_day, T(5))
    real_hours = (night_end.astimezone(UTC) - night_start.astimezone(UTC)).total_seconds() / 3600
    assert real_hours in (3, 5)
    assert len(night) == (real_hours - 1) * 4 + 1
    assert all(s.utcoffset() == dt.timedelta(0) for s in found[dst_day])  # UTC, as stored
    later_times = [local(s).time() for s in found[next_day]]
    assert T(13) not in later_times and T(14) not in later_times and T(15) in later_times


def test_free_slots_honour_the_room_and_the_past(cast, profile, hour_type):
    day = _future_weekday(0)
    WorkingHoursFactory(therapist=profile, weekday=0, start_time=T(9), end_time=T(12))
    room = RoomFactory()
    _book(cast.therapist2.therapist_profile, day, T(10), hour_type, room=room)
    without_room = dict(
        selectors.free_slots(therapist=profile, appointment_type=hour_type, start_day=day)
    )
    found = _assert_agrees_with_slot_problems(profile, hour_type, day, 1, room=room)
    assert at_local(day, T(10)) in without_room[day]
    assert at_local(day, T(10)) not in found[day]
    assert at_local(day, T(9)) in found[day] and at_local(day, T(11)) in found[day]
    assert at_local(day, T(11, 15)) not in found[day]  # would end after 12:00


def test_free_slots_never_offer_a_time_already_past(profile, hour_type):
    _work_every_day(profile, (T(0), T(23, 45)))
    found = selectors.free_slots(therapist=profile, appointment_type=hour_type, start_day=today())
    assert found and all(s > timezone.now() for _, starts in found for s in starts)


def test_inactive_therapist_has_no_free_slots(profile, hour_type):
    _work_every_day(profile, (T(9), T(17)))
    Therapist.objects.filter(pk=profile.pk).update(is_active=False)
    profile.refresh_from_db()
    assert (
        selectors.free_slots(therapist=profile, appointment_type=hour_type, start_day=today()) == []
    )


# --- free-slot finder page ----------------------------------------------------------------------


def test_finder_links_each_slot_to_the_booking_form(client, cast, profile, hour_type):
    day = _future_weekday(4)
    WorkingHoursFactory(therapist=profile, weekday=4, start_time=T(9), end_time=T(12))
    _book(profile, day, T(10), hour_type, client=cast.client2)
    client.force_login(cast.frontdesk)
    params = {"therapist": profile.pk, "type": hour_type.pk, "date": day.isoformat()}
    response = client.get(reverse("free_slot_finder"), {**params, "client": cast.client.pk})
    html = response.content.decode()
    assert "Free starts from" in html and f"for {cast.client}" in html
    links = re.findall(r'href="([^"]*)"[^>]*aria-label="Book', html)
    starts = sorted(
        parse_qs(urlsplit(link.replace("&amp;", "&")).query)["start"][0] for link in links
    )
    assert starts == [f"{day:%Y-%m-%d}T09:00", f"{day:%Y-%m-%d}T11:00"]
    query = parse_qs(urlsplit(links[0].replace("&amp;", "&")).query)
    assert urlsplit(links[0]).path == reverse("appointment_new")
    assert query["client"] == [str(cast.client.pk)]
    assert query["therapist"] == [str(profile.pk)]
    assert query["type"] == [str(hour_type.pk)]
    entry = AuditEntry.objects.order_by("-id").first()
    assert (entry.action, entry.client) == ("view", cast.client)


def test_finder_without_a_choice_shows_the_form_with_errors_kept(client, cast, hour_type):
    client.force_login(cast.frontdesk)
    unknown = "00000000-0000-0000-0000-000000000000"
    response = client.get(reverse("free_slot_finder"), {"type": hour_type.pk, "therapist": unknown})
    html = response.content.decode()
    assert "Free starts from" not in html
    assert "Select a valid choice" in html
    assert f'<option value="{hour_type.pk}" selected>' in html


# --- hours, time off and feed page --------------------------------------------------------------


def _hours_post(rows, *, initial=0):
    data = {
        "action": "hours",
        "hours-TOTAL_FORMS": str(len(rows)),
        "hours-INITIAL_FORMS": str(initial),
        "hours-MIN_NUM_FORMS": "0",
        "hours-MAX_NUM_FORMS": "1000",
    }
    for n, (weekday, start, end) in enumerate(rows):
        data |= {f"hours-{n}-weekday": weekday, f"hours-{n}-start_time": start}
        data[f"hours-{n}-end_time"] = end
    return data


def _hours_url(therapist):
    return reverse("therapist_hours", kwargs={"therapist_id": therapist.pk})


def test_therapist_saves_a_split_shift(client, cast, profile):
    client.force_login(cast.therapist)
    rows = [("0", "09:00", "12:00"), ("0", "13:00", "17:30"), ("", "", "")]
    response = client.post(_hours_url(profile), _hours_post(rows), follow=True)
    assert "Working hours saved." in response.content.decode()
    saved = [(h.weekday, h.start_time, h.end_time) for h in profile.hours.all()]
    assert saved == [(0, T(9), T(12)), (0, T(13), T(17, 30))]
    # The page shows the saved rows back, each with a Remove box.
    html = client.get(_hours_url(profile)).content.decode()
    assert 'value="17:30"' in html and html.count('name="hours-') > 6
    assert "hours-0-DELETE" in html


def test_removing_a_row_keeps_the_others(client, cast, profile):
    WorkingHoursFactory(therapist=profile, weekday=0, start_time=T(9), end_time=T(12))
    WorkingHoursFactory(therapist=profile, weekday=1, start_time=T(9), end_time=T(12))
    client.force_login(cast.admin)
    data = _hours_post([("0", "09:00", "12:00"), ("1", "09:00", "12:00")], initial=2)
    data["hours-1-DELETE"] = "on"
    client.post(_hours_url(profile), data)
    assert [h.weekday for h in profile.hours.all()] == [0]


def test_overlapping_intervals_are_refused_and_typed_values_kept(client, cast, profile):
    client.force_login(cast.frontdesk)
    rows = [("2", "09:00", "13:00"), ("2", "12:15", "16:45")]
    response = client.post(_hours_url(profile), _hours_post(rows))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Overlaps Wednesday 09:00-13:00." in html
    assert "Two intervals on the same day overlap" in html
    assert 'value="12:15"' in html and 'value="16:45"' in html
    assert not profile.hours.exists()


def test_end_before_start_is_a_field_error_and_typed_values_kept(client, cast, profile):
    client.force_login(cast.therapist)
    response = client.post(_hours_url(profile), _hours_post([("4", "17:00", "08:15")]))
    html = response.content.decode()
    assert "The end must be after the start." in html
    assert 'value="17:00"' in html and 'value="08:15"' in html
    assert not profile.hours.exists()


def test_time_off_is_added_listed_and_removed(client, cast, profile, hour_type):
    day = _future_weekday(3)
    WorkingHoursFactory(therapist=profile, weekday=3, start_time=T(9), end_time=T(17))
    booked = _book(profile, day, T(10), hour_type)
    client.force_login(cast.frontdesk)
    data = {
        "action": "time_off_add",
        "off-starts_at": f"{day}T08:00",
        "off-ends_at": f"{day}T18:00",
        "off-reason": "Course",
    }
    html = client.post(_hours_url(profile), data, follow=True).content.decode()
    assert "Time off added." in html
    when = date_formats.day_time_short(booked.starts_at)
    named = f"{when} {booked.client}".replace("'", "&#x27;")
    assert f"1 booked appointment falls in this time off: {named}." in html
    time_off = TimeOff.objects.get(therapist=profile)
    assert time_off.starts_at == at_local(day, T(8)) and time_off.reason == "Course"
    assert "Course" in html and str(time_off.pk) in html
    client.post(_hours_url(profile), {"action": "time_off_delete", "time_off": time_off.pk})
    assert not TimeOff.objects.exists()


def test_appointments_in_time_off_are_marked_in_words_on_both_calendars(
    client, cast, profile, hour_type
):
    day = _future_weekday(3)
    WorkingHoursFactory(therapist=profile, weekday=3, start_time=T(9), end_time=T(17))
    inside = _book(profile, day, T(10), hour_type, client=cast.client)
    outside = _book(profile, day, T(14), hour_type, client=cast.client2)
    TimeOffFactory(therapist=profile, starts_at=at_local(day, T(9)), ends_at=at_local(day, T(12)))
    client.force_login(cast.frontdesk)
    week = reverse("schedule_week", kwargs={"therapist_id": profile.pk})
    for url in (reverse("schedule_day"), week):
        html = client.get(url, {"date": f"{day}"}).content.decode()
        blocks = dict(re.findall(r'href="/appointments/([^/]+)/"[^>]*>(.*?)</a>', html))
        assert "In time off" in blocks[str(inside.pk)], url
        assert "In time off" not in blocks[str(outside.pk)], url


def test_time_off_end_before_start_is_a_clear_field_error(client, cast, profile):
    client.force_login(cast.frontdesk)
    data = {
        "action": "time_off_add",
        "off-starts_at": "2030-05-02T15:00",
        "off-ends_at": "2030-05-02T09:30",
        "off-reason": "Holiday",
    }
    response = client.post(_hours_url(profile), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="error_1_id_off-ends_at"[^>]*>\s*<strong>The end must be after', html)
    assert 'value="2030-05-02T15:00"' in html and 'value="Holiday"' in html
    assert not TimeOff.objects.exists()


def test_time_off_of_another_therapist_cannot_be_removed_through_this_page(client, cast, profile):
    other = TimeOffFactory(therapist=cast.therapist2.therapist_profile)
    client.force_login(cast.therapist)
    response = client.post(_hours_url(profile), {"action": "time_off_delete", "time_off": other.pk})
    assert response.status_code == 404
    assert TimeOff.objects.filter(pk=other.pk).exists()


def test_feed_link_is_turned_on_rotated_and_off(client, cast, profile):
    client.force_login(cast.therapist)
    html = client.post(_hours_url(profile), {"action": "feed_rotate"}, follow=True).content
    profile.refresh_from_db()
    first = profile.calendar_token
    assert first and b"The calendar feed is on" in html
    if _url_exists("therapist_calendar_feed", token=first):
        feed = reverse("therapist_calendar_feed", kwargs={"token": first})
        assert f'value="http://testserver{feed}"'.encode() in html
    client.post(_hours_url(profile), {"action": "feed_rotate"})
    profile.refresh_from_db()
    assert profile.calendar_token not in (None, first)
    html = client.post(_hours_url(profile), {"action": "feed_revoke"}, follow=True).content
    profile.refresh_from_db()
    assert profile.calendar_token is None
    assert b"The feed is off." in html


def test_unknown_action_changes_nothing(client, cast, profile):
    client.force_login(cast.admin)
    response = client.post(_hours_url(profile), {"action": "drop_tables"}, follow=True)
    assert b"Unknown action" in response.content
    assert AuditEntry.objects.filter(object_id=str(profile.pk)).count() == 0
