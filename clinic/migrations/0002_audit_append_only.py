"""On PostgreSQL the database itself refuses UPDATE and DELETE on the audit trail, so not even a
raw query or a bug in a later app can rewrite history. SQLite relies on the model's guard."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION clinic_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'clinic_auditentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER clinic_auditentry_append_only
    BEFORE UPDATE OR DELETE ON clinic_auditentry
    FOR EACH ROW EXECUTE FUNCTION clinic_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS clinic_auditentry_append_only ON clinic_auditentry;
DROP FUNCTION IF EXISTS clinic_audit_append_only();
"""


def _run(sql):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("clinic", "0001_initial")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP), elidable=False)]
