"""Name search ignores accents and punctuation (clinic/search.py). On PostgreSQL: the
`unaccent` extension, an IMMUTABLE wrapper `clinic_search_norm(text)` (unaccent alone is only
STABLE, so no index may use it), and the name trigram indexes rebuilt on that wrapper so a
folded fragment still reads an index. SQLite registers a Python function of the same name
on each connection and needs no index (the demo)."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION clinic_search_norm(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT regexp_replace(
        upper({schema}.unaccent('{schema}.unaccent'::regdictionary, $1)),
        '[^[:alnum:]]+', '', 'g') $$;
"""

INDEXES = """
DROP INDEX IF EXISTS client_first_name_trgm;
DROP INDEX IF EXISTS client_last_name_trgm;
DROP INDEX IF EXISTS client_preferred_name_trgm;
CREATE INDEX IF NOT EXISTS client_first_name_norm_trgm ON clinic_client
    USING gin (clinic_search_norm(first_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_last_name_norm_trgm ON clinic_client
    USING gin (clinic_search_norm(last_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_preferred_name_norm_trgm ON clinic_client
    USING gin (clinic_search_norm(preferred_name::text) gin_trgm_ops);
"""

UNDO = """
DROP INDEX IF EXISTS client_first_name_norm_trgm;
DROP INDEX IF EXISTS client_last_name_norm_trgm;
DROP INDEX IF EXISTS client_preferred_name_norm_trgm;
DROP FUNCTION IF EXISTS clinic_search_norm(text);
CREATE INDEX IF NOT EXISTS client_first_name_trgm ON clinic_client
    USING gin (UPPER(first_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_last_name_trgm ON clinic_client
    USING gin (UPPER(last_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_preferred_name_trgm ON clinic_client
    USING gin (UPPER(preferred_name::text) gin_trgm_ops);
"""


def _unaccent_schema(cursor) -> str:
    """The wrapper names unaccent and its dictionary by schema, so it does not depend on the
    search_path of whoever runs the query (an IMMUTABLE function must not)."""
    cursor.execute(
        "SELECT quote_ident(n.nspname) FROM pg_extension e"
        " JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
    )
    return cursor.fetchone()[0]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        cursor.execute(FUNCTION.format(schema=_unaccent_schema(cursor)))
        cursor.execute(INDEXES)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNDO)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0012_form_submission")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
