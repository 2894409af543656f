"""On PostgreSQL, trigram indexes let a name fragment (ILIKE '%ind%') use an index instead of
reading every client row. Names are searched in their folded columns (clinic/search.py:
"Zoë O'Brien" -> "ZOE OBRIEN", folded in Python on both databases, so PostgreSQL's `unaccent`
extension is not needed); phone numbers by their digits. SQLite (the demo) has no such index
and does not need one."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS client_search_name_trgm ON clinic_client
    USING gin (search_name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_search_preferred_trgm ON clinic_client
    USING gin (search_preferred gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_phone_digits_trgm ON clinic_client
    USING gin (phone_digits gin_trgm_ops);
"""

DROP = """
DROP INDEX IF EXISTS client_search_name_trgm;
DROP INDEX IF EXISTS client_search_preferred_trgm;
DROP INDEX IF EXISTS client_phone_digits_trgm;
"""


def _run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("clinic", "0002_audit_append_only")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
