"""Name search ignores accents and punctuation (clinic/search.py): each client keeps its names
folded ("Zoë O'Brien" -> "ZOE OBRIEN") in two columns, filled here for existing rows. On
PostgreSQL, trigram indexes on those columns replace the ones on UPPER(name) (0006), so a
folded name fragment still reads an index. The folding is done in Python, on both databases,
so PostgreSQL's `unaccent` extension is not needed."""

from django.db import migrations

import clinic.search

INDEXES = """
DROP INDEX IF EXISTS client_first_name_trgm;
DROP INDEX IF EXISTS client_last_name_trgm;
DROP INDEX IF EXISTS client_preferred_name_trgm;
CREATE INDEX IF NOT EXISTS client_search_name_trgm ON clinic_client
    USING gin (search_name gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_search_preferred_trgm ON clinic_client
    USING gin (search_preferred gin_trgm_ops);
"""

UNDO_INDEXES = """
DROP INDEX IF EXISTS client_search_name_trgm;
DROP INDEX IF EXISTS client_search_preferred_trgm;
CREATE INDEX IF NOT EXISTS client_first_name_trgm ON clinic_client
    USING gin (UPPER(first_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_last_name_trgm ON clinic_client
    USING gin (UPPER(last_name::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS client_preferred_name_trgm ON clinic_client
    USING gin (UPPER(preferred_name::text) gin_trgm_ops);
"""


def fold_existing(apps, schema_editor):
    Client = apps.get_model("clinic", "Client")
    clients = list(Client.objects.only("first_name", "last_name", "preferred_name"))
    for client in clients:
        client.search_name = clinic.search.folded_names(client.first_name, client.last_name)
        client.search_preferred = clinic.search.folded_names(client.preferred_name)
    Client.objects.bulk_update(clients, ["search_name", "search_preferred"], batch_size=1000)


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("clinic", "0013_text_limits")]

    operations = [
        migrations.AddField(
            model_name="client",
            name="search_name",
            field=clinic.search.FoldedNamesField(sources=("first_name", "last_name")),
        ),
        migrations.AddField(
            model_name="client",
            name="search_preferred",
            field=clinic.search.FoldedNamesField(sources=("preferred_name",)),
        ),
        migrations.RunPython(fold_existing, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(_on_postgresql(INDEXES), _on_postgresql(UNDO_INDEXES), elidable=False),
    ]
