"""Which dates make sense where. A date field accepts any year from 1 to 9999, and a far one
either breaks date arithmetic (an OverflowError, a 500) or saves nonsense (a booking in 2200,
an injury in 1800). Each kind of date names its range here once; forms use the range as a
validator, views that read a date from the URL check it the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.formats import date_format

from clinic.clinic_time import today


def years_from(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (or earlier); 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DateRange:
    """Dates from `years_back` years before the clinic's today to `years_ahead` years after it
    (0: today at the latest). `earliest` fixes the first date instead of counting back;
    `too_late` is a plainer message for a date after the range (e.g. "cannot be in the future")."""

    what: str
    years_back: int = 0
    years_ahead: int = 0
    earliest: dt.date | None = None
    too_late: str | None = None

    def bounds(self, on: dt.date | None = None) -> tuple[dt.date, dt.date]:
        on = on or today()
        first = self.earliest or years_from(on, -self.years_back)
        return first, years_from(on, self.years_ahead)

    def contains(self, value: dt.date | dt.datetime) -> bool:
        first, last = self.bounds()
        return first <= _day(value) <= last

    def message(self, value: dt.date | dt.datetime | None = None) -> str:
        first, last = self.bounds()
        if self.too_late and value is not None and _day(value) > last:
            return self.too_late
        last_text = "today" if last == today() else _long(last)
        return f"{self.what} must be between {_long(first)} and {last_text}."

    def __call__(self, value) -> None:
        """The form validator."""
        if value is not None and not self.contains(value):
            raise ValidationError(self.message(value), code="date_out_of_range")


def _day(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _long(day: dt.date) -> str:
    return date_format(day, "j M Y")


# --- the ranges ---------------------------------------------------------------------------------

CALENDAR = DateRange("A calendar date", years_back=30, years_ahead=5)
BOOKING = DateRange("The appointment date", years_back=10, years_ahead=2)
WAITLIST = DateRange("A waitlist date", years_back=30, years_ahead=2)
TIME_OFF = DateRange("Time off", years_back=1, years_ahead=5)
BIRTH_DATE = DateRange(
    "The date of birth",
    earliest=dt.date(1900, 1, 1),
    too_late="The date of birth cannot be in the future.",
)
INJURY = DateRange("The date", years_back=100, too_late="This date is in the future.")
SURGERY = DateRange(
    "The surgery date", years_back=100, too_late="The surgery date cannot be in the future."
)
ASSESSMENT = DateRange(
    "The assessment date", years_back=5, too_late="The assessment date cannot be in the future."
)
PLAN_START = DateRange("The start date", years_back=1, years_ahead=1)
PLAN_REVIEW = DateRange("A review date", years_back=1, years_ahead=3)
