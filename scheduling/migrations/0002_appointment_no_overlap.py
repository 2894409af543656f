"""On PostgreSQL the database is the final guarantee against double booking: an exclusion
constraint (btree_gist, time-range overlap) per therapist and per room, cancelled rows excluded.
The booking service also locks and checks first, so users see a friendly message; this catches
anything that slips past. SQLite serialises writers with IMMEDIATE transactions instead."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_therapist_no_overlap
    EXCLUDE USING gist (therapist_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status <> 'cancelled');
ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_room_no_overlap
    EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
    WHERE (status <> 'cancelled' AND room_id IS NOT NULL);
"""

DROP = """
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_therapist_no_overlap;
ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_room_no_overlap;
"""


def _run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
