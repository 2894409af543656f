"""Name search that ignores case, accents and punctuation: "zoe" finds "Zoë", "obrien" and
"O Brien" find "O'Brien".

Both sides of a comparison go through one database function, `clinic_search_norm` (accents
off, upper case, only letters and digits left), so a name and a search word are folded by the
same rules. On PostgreSQL it is an IMMUTABLE SQL wrapper around `unaccent` (migration 0014),
and the trigram GIN indexes are built on `clinic_search_norm(name)`, so a fragment still
reads an index instead of every client. We chose that over a stored normalised column: an
index on the expression can never drift from the names, whatever writes them (services,
bulk_create, the admin, a data migration). On SQLite the same name is a Python function
registered on each new connection.
"""

from __future__ import annotations

import unicodedata

from django.db.models import F, Func, Q, TextField, Value
from django.db.models.lookups import Contains

FUNCTION = "clinic_search_norm"


def fold(text: str | None) -> str | None:
    """SQLite's `clinic_search_norm`: what PostgreSQL's does with `unaccent`."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in bare.upper() if ch.isalnum())


class SearchNorm(Func):
    function = FUNCTION
    output_field = TextField()


def words_in_names(text: str, fields: tuple[str, ...]) -> Q:
    """Every word of `text` found (folded) inside one of `fields` (folded). A word that is
    only punctuation is no word; with none left, the filter is empty (matches all)."""
    query = Q()
    for word in text.split():
        if not any(ch.isalnum() for ch in word):
            continue
        wanted = SearchNorm(Value(word))
        query &= Q.create([Contains(SearchNorm(F(field)), wanted) for field in fields], Q.OR)
    return query


def register_on_sqlite(sender, connection, **kwargs):
    """connection_created receiver: SQLite learns the function PostgreSQL has from 0014."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(FUNCTION, 1, fold, deterministic=True)
