"""Dates as people read them: one format per context, the same in pages, mails and the PDF.

The formats themselves are named in clinic/formats/en/formats.py; templates use the filters
of clinic/templatetags/dates.py, Python text (mails, chart labels) these functions.
"""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.dateparse import parse_date

from clinic.clinic_time import local, today


def _wall(value):
    """An aware moment on the clinic's wall clock; a naive one or a date as it is; an ISO
    date string (a JSON field's) as its date."""
    if isinstance(value, str):
        try:
            return parse_date(value) or value
        except ValueError:  # shaped like a date, but no such day
            return value
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return local(value)
    return value


def day(value) -> str:
    """ "Mon 7 Dec 2026" (a datetime: its clinic-local date); text that is no date as it is."""
    value = _wall(value)
    if value is None or isinstance(value, str):
        return value or ""
    return formats.date_format(value, "DATE_FORMAT")


def day_time(value) -> str:
    """ "Mon 7 Dec 2026, 14:30" in clinic time."""
    return "" if value is None else formats.date_format(_wall(value), "DATETIME_FORMAT")


def _this_year(value) -> bool:
    return value.year == today().year


def day_short(value) -> str:
    """ "Mon 7 Dec" for lists; a date in another year keeps its year ("Mon 7 Dec 2026")."""
    if value is None:
        return ""
    value = _wall(value)
    return formats.date_format(value, "MONTH_DAY_FORMAT" if _this_year(value) else "DATE_FORMAT")


def day_time_short(value) -> str:
    """ "Mon 7 Dec, 14:30" for lists; another year keeps its year."""
    if value is None:
        return ""
    value = _wall(value)
    name = "SHORT_DATETIME_FORMAT" if _this_year(value) else "DATETIME_FORMAT"
    return formats.date_format(value, name)
