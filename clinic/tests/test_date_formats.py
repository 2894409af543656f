"""One date format per context, named once (issue 15, item 18)."""

import datetime as dt
import re

from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from clinic import date_formats as dates
from clinic.clinic_time import at_local, today


def render(text: str, **context) -> str:
    return Template("{% load dates %}" + text).render(Context(context))


def test_a_date_reads_as_weekday_day_month_year():
    assert dates.day(dt.date(2026, 12, 7)) == "Mon 7 Dec 2026"
    assert render("{{ d|date }}", d=dt.date(2026, 12, 7)) == "Mon 7 Dec 2026"


def test_a_moment_reads_in_clinic_time_with_its_time():
    moment = at_local(dt.date(2026, 12, 7), dt.time(14, 30)).astimezone(dt.UTC)
    assert render("{{ m|day_time }}", m=moment) == "Mon 7 Dec 2026, 14:30"
    assert render("{{ m|day }}", m=moment) == "Mon 7 Dec 2026"


def test_lists_drop_the_year_only_when_it_is_this_year():
    this_year = today().replace(month=3, day=2)
    last_year = this_year.replace(year=this_year.year - 1)
    assert render("{{ d|day_short }}", d=this_year) == f"{this_year:%a} 2 Mar"
    assert render("{{ d|day_short }}", d=last_year) == f"{last_year:%a} 2 Mar {last_year.year}"


def test_an_iso_date_string_reads_as_a_date_and_other_text_as_it_is():
    assert render("{{ d|day }}", d="2026-12-07") == "Mon 7 Dec 2026"
    assert render("{{ d|day }}", d="2026-13-45") == "2026-13-45"
    assert render("{{ d|day }}", d=None) == ""


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _visible(html: str) -> str:
    """The text a person reads: tags (with their attributes, e.g. links) left out."""
    return re.sub(r"<[^>]+>", " ", html)


def test_the_portal_shows_dates_in_the_clinic_format_with_the_year_when_not_this_one(client, cast):
    """Issue 15: a client read ISO and several formats; a list date of another year lost it."""
    from scheduling.tests.factories import AppointmentFactory
    from sessions_log.tests.factories import SessionNoteFactory

    next_year = today().replace(month=1, day=12, year=today().year + 1)
    AppointmentFactory(
        client=cast.client, starts_at=at_local(next_year, dt.time(10)), status="booked"
    )
    last_year = today().replace(month=3, day=2, year=today().year - 1)
    past = AppointmentFactory(client=cast.client, starts_at=at_local(last_year, dt.time(9)))
    SessionNoteFactory(appointment=past, signed_at=timezone.now())
    client.force_login(cast.client_user)
    page = _visible(client.get(reverse("portal")).content.decode())
    assert f"{next_year:%a} 12 Jan {next_year.year}" in page
    assert f"{last_year:%a} 2 Mar {last_year.year}" in page
    assert not ISO_DATE.search(page)


def test_client_mails_use_the_clinic_format(cast):
    from scheduling.notifications import appointment_email
    from scheduling.tests.factories import AppointmentFactory

    starts = at_local(dt.date(2027, 1, 12), dt.time(10))
    appointment = AppointmentFactory(
        client=cast.client, starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    message = appointment_email(appointment, "confirmation")
    assert "When:   Tue 12 Jan 2027, 10:00-11:00 (EST)" in message.body
    assert "Tue 12 Jan 2027 at 10:00" in message.subject
