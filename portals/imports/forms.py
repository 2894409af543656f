"""The /imports/ page's form: the file, its kind, an optional mapping. Problems with the file
as a whole (not UTF-8, no preset matches, a mapping that is not TOML) are shown at the field
they belong to; the kind and the mapping text are kept, and the page says to choose the file
again (a browser never re-sends a file)."""

from __future__ import annotations

from django import forms

from clinic import text_limits
from clinic.middleware_uploads import MAX_FILE_BYTES
from portals.imports.mapping import PRESET_NAMES, MappingError, parse_toml

KIND_CHOICES = [("clients", "Clients"), ("appointments", "Appointments")]
MAPPING_LIMIT = 5_000


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES, widget=forms.RadioSelect, initial="clients")
    file = forms.FileField(
        label="CSV file",
        help_text="UTF-8 ('CSV UTF-8' in Excel), the first line naming the columns; at most "
        f"{MAX_FILE_BYTES // (1024 * 1024)} MB.",
    )
    mapping = text_limits.text_field(
        MAPPING_LIMIT,
        required=False,
        label="Column mapping (optional)",
        widget=forms.Textarea(attrs={"rows": 6, "class": "font-monospace"}),
        help_text="TOML, as in the README: a [columns] table of our field = the file's column. "
        f"Leave empty to pick a preset from the header ({', '.join(PRESET_NAMES)}).",
    )
    skip_bad_rows = forms.BooleanField(
        required=False,
        label="Import the good rows even if some rows have errors",
    )
    link_duplicates = forms.BooleanField(
        required=False,
        label="Link each duplicate to the registered client it matches (clients only)",
        help_text="For a client already registered here (same name and date of birth): "
        "remember the source's id for them, so their appointments can be imported next. "
        "Nothing of theirs is changed; two registered matches are left for you to sort out.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                f"At most {MAX_FILE_BYTES // (1024 * 1024)} MB; split the file."
            )
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Choose a .csv file.")
        return upload

    def clean_mapping(self):
        text = self.cleaned_data["mapping"].strip()
        if not text:
            return None
        try:
            return parse_toml(text, name="mapping")
        except MappingError as exc:
            raise forms.ValidationError(str(exc)) from None
