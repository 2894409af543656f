"""One date format per context, named once (issue 15, item 18)."""

import datetime as dt

from django.template import Context, Template

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
