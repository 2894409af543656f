"""The plan diagnoses page's form: one ICD-10-CM code to add (the service checks it)."""

from __future__ import annotations

from django import forms


class DiagnosisAddForm(forms.Form):
    code = forms.CharField(
        label="ICD-10-CM code",
        max_length=10,
        help_text="A billable code, e.g. M54.2 (the dot may be left out: m542).",
        error_messages={"required": "Type an ICD-10-CM code, e.g. M54.2."},
    )
