"""The clinic's local time. Stored times are UTC; people think in the clinic's wall clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def clinic_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(clinic_tz())


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    """The aware moment when the clinic's wall clock shows `time` on `day`. Across a daylight
    saving change the wall-clock time is kept (a 10:00 series stays at 10:00)."""
    return dt.datetime.combine(day, time).replace(tzinfo=clinic_tz())


def today() -> dt.date:
    return timezone.localdate(timezone=clinic_tz())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (exclusive) of a clinic-local day, as aware datetimes."""
    return at_local(day, dt.time.min), at_local(day + dt.timedelta(days=1), dt.time.min)
