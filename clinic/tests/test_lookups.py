"""InSubquery: the same rows as `__in=subquery`, spelled for PostgreSQL's index lookups."""

from __future__ import annotations

from django.db import connection
from django.db.models import F, Subquery

from clinic.lookups import InSubquery
from clinic.models import Appointment
from clinic.tests.factories import AppointmentFactory, ClientFactory


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
