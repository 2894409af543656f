"""Name search that ignores case, accents and punctuation: "zoe" finds "Zoë", "obrien" and
"O Brien" find "O'Brien".

Each client row stores its names folded (accents off, upper case, only letters and digits:
"O'Brien" -> "OBRIEN"), and a search word is folded by the same Python function, so both
sides follow one rule on SQLite and PostgreSQL alike. We chose a stored column over an index
on an IMMUTABLE `unaccent` wrapper: that wrapper cannot be inlined (unaccent is only STABLE),
so PostgreSQL called it for every candidate row and a name fragment on 10,000 clients took
~130 ms instead of ~2 ms; a plain column under a trigram index is checked at the cost of a
LIKE. `FoldedNamesField.pre_save` keeps the column in step on save() and bulk_create().
"""

from __future__ import annotations

import unicodedata

from django.db import models
from django.db.models import Q

# Letters that carry no separable accent, as people type them without one.
_PLAIN = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
                        "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ı": "i",
                        "þ": "th", "Þ": "TH"})  # fmt: skip


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_PLAIN))
    return "".join(
        ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch)
    ).upper()


def folded_names(*names: str) -> str:
    """Each name folded, separated by a space: a folded search word has no space, so it
    matches within one name, never across two."""
    return " ".join(folded for name in names if (folded := fold(name or "")))


class FoldedNamesField(models.TextField):
    """The `sources` fields folded, written on every save() and bulk_create() (pre_save)."""

    def __init__(self, *args, sources: tuple[str, ...] = (), **kwargs):
        self.sources = tuple(sources)
        kwargs.update(editable=False, blank=True, default="")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("editable", "blank", "default"):
            kwargs.pop(key, None)
        return name, path, args, {**kwargs, "sources": self.sources}

    def pre_save(self, model_instance, add):
        value = folded_names(*(getattr(model_instance, source) for source in self.sources))
        setattr(model_instance, self.attname, value)
        return value


def words_in_names(text: str, fields: tuple[str, ...]) -> Q:
    """Every word of `text`, folded, inside one of the folded `fields`. A word of punctuation
    alone is no word; with none left, the filter is empty (matches all)."""
    query = Q()
    for word in text.split():
        if folded := fold(word):
            query &= Q.create([(f"{field}__contains", folded) for field in fields], Q.OR)
    return query
