"""InSubquery: the same rows as `__in=subquery`, spelled for PostgreSQL's index lookups.
WallClock: a timestamp as the clinic's wall clock shows it, on either database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import F, Subquery

from clinic.tests.factories import ClientFactory
from scheduling.lookups import InSubquery, WallClock
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory


def test_in_subquery_finds_the_rows_of_the_subquery(db):
    mine, other = ClientFactory(user=None), ClientFactory(user=None)
    wanted = {AppointmentFactory(client=mine).pk for _ in range(3)}
    AppointmentFactory(client=other)
    clients = type(mine).objects.filter(pk=mine.pk).order_by().values("pk")
    query = Appointment.objects.filter(InSubquery(F("client_id"), Subquery(clients)))
    assert set(query.values_list("pk", flat=True)) == wanted
    sql = str(query.query)
    if connection.vendor == "postgresql":
        assert '"client_id" = ANY(ARRAY(SELECT' in sql
    else:
        assert '"client_id" IN (SELECT' in sql


def test_wall_clock_reads_the_local_date_and_time_on_both_sides_of_a_dst_change(db):
    """23:30 in New York is 04:30 UTC the next day; the wall clock keeps the local date,
    in winter (UTC-5) and in summer (UTC-4)."""
    new_york = ZoneInfo("America/New_York")
    for day in (dt.date(2026, 1, 15), dt.date(2026, 7, 15)):
        starts = dt.datetime.combine(day, dt.time(23, 30), tzinfo=new_york)
        ends = starts + dt.timedelta(minutes=30)
        appointment = AppointmentFactory(starts_at=starts, ends_at=ends)
        wall, end = (
            Appointment.objects.filter(pk=appointment.pk)
            .values_list(
                WallClock("starts_at", tzinfo=new_york), WallClock("ends_at", tzinfo=new_york)
            )
            .get()
        )
        assert (wall.date(), wall.hour, wall.minute) == (day, 23, 30)
        assert (end.date(), end.hour, end.minute) == (day + dt.timedelta(days=1), 0, 0)
