"""On PostgreSQL, trigram indexes let a name fragment (ILIKE '%ind%') use an index instead
of reading every client row; the same for phone digits. SQLite (the demo) has no such
index and does not need one."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS client_first_name_trgm ON clinic_client
    USING gin (UPPER(first_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_last_name_trgm ON clinic_client
    USING gin (UPPER(last_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_preferred_name_trgm ON clinic_client
    USING gin (UPPER(preferred_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_phone_digits_trgm ON clinic_client
    USING gin (phone_digits gin_trgm_ops);
"""

DROP = """
DROP INDEX IF EXISTS client_first_name_trgm;
DROP INDEX IF EXISTS client_last_name_trgm;
DROP INDEX IF EXISTS client_preferred_name_trgm;
DROP INDEX IF EXISTS client_phone_digits_trgm;
"""


def _run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("clinic", "0005_default_appointment_types")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
