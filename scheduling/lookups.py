"""Query shapes the ORM does not spell the way PostgreSQL answers them best."""

from __future__ import annotations

from django.db.models import DateTimeField, Func, Lookup


class InSubquery(Lookup):
    """`column IN (subquery)`, written `column = ANY(ARRAY(subquery))` on PostgreSQL.

    For `IN (subquery)` PostgreSQL plans a semi-join and, when it expects few rows from the
    subquery, hashes them against a scan of the WHOLE outer table. `= ANY(ARRAY(...))` runs
    the subquery once and looks each value up through the column's index: its cost follows
    the rows wanted, not the table. (A client's measurements on the large bench clinic:
    2.9 ms -> 0.5 ms.) Other databases get the plain `IN`.

        Measurement.objects.filter(InSubquery(F("note_id"), Subquery(notes.values("pk"))))
    """

    lookup_name = "in_subquery"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)  # "(SELECT ...)"
        return f"{lhs} IN {rhs}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY(ARRAY{rhs})", (*lhs_params, *rhs_params)


class WallClock(Func):
    """A timestamp as the clock on the wall of `tzinfo` shows it: a datetime whose date, hour
    and minute are local (its tzinfo means nothing; read only those). One time-zone
    conversion per value in SQL, and on PostgreSQL a plain timestamp that psycopg reads in C,
    where Django's loader for a UTC timestamp parses each one in Python and its Trunc and
    Extract functions convert again for each part they take.

        Appointment.objects.values_list(WallClock("starts_at", tzinfo=clinic_tz()))
    """

    output_field = DateTimeField()

    def __init__(self, expression, *, tzinfo, **extra):
        self.tzname = tzinfo.key
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        # SQLite: Django's own per-value function, which answers "YYYY-MM-DD HH:MM:SS"
        # (the backend then reads it as a datetime).
        return connection.ops.datetime_trunc_sql("second", sql, params, self.tzname)

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"({sql} AT TIME ZONE %s)", (*params, self.tzname)
