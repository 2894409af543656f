"""`PainMapField`: a form field for the body-chart pain map.

Cleaned value: {region_key: 1-10}; blank and zero regions are dropped, so an empty map is {}.
The widget renders the SVG chart (clickable with body-chart.js) and, always, one number input
per region, which is what is actually submitted: the form works with no JavaScript and with the
keyboard alone, and a value the user typed is shown again on a validation error.
"""

from __future__ import annotations

import json
import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.widgets import Script
from django.template import loader

from intake.body_chart import PALETTE, REGION_KEYS, VIEWS, label_of, regions_in, render_body_chart

_WHOLE_NUMBER = re.compile(r"^\d{1,2}$")
MAX_INTENSITY = 10


def _parse_intensity(raw) -> int | None:
    """0-10 from a form string or a stored int; None for anything else."""
    if isinstance(raw, bool):
        return None
    text = str(raw).strip()
    if not _WHOLE_NUMBER.match(text):
        return None
    value = int(text)
    return value if value <= MAX_INTENSITY else None


class PainMapWidget(forms.Widget):
    template_name = "intake/_body_chart.html"
    use_fieldset = True  # many inputs: crispy renders a <fieldset> with the label as <legend>

    class Media:
        js = (Script("js/body-chart.js", defer=True),)
        css = {"all": ("css/intake.css",)}

    def input_name(self, name: str, key: str) -> str:
        return f"{name}.{key}"

    def value_from_datadict(self, data, files, name) -> dict:
        # Only known regions are read from a POST; unknown keys can only arrive as a dict
        # (JSON, tests), and the field reports those.
        values = {key: data.get(self.input_name(name, key), "") for key in REGION_KEYS}
        return {key: value for key, value in values.items() if value not in ("", None)}

    def value_omitted_from_data(self, data, files, name) -> bool:
        prefix = f"{name}."
        return not any(key.startswith(prefix) for key in data)

    def format_value(self, value) -> dict:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = {}
        return value if isinstance(value, dict) else {}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        values = context["widget"]["value"]  # format_value() made it a dict
        shown = {key: _parse_intensity(raw) or 0 for key, raw in values.items()}
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"].update(
            svg=render_body_chart(shown, interactive=True),
            groups=[self._group(name, base_id, view, label, values) for view, label in VIEWS],
            palette=",".join(PALETTE),
            levels=range(MAX_INTENSITY + 1),
            has_invalid=any(_parse_intensity(raw) is None for raw in values.values()),
            base_id=base_id,
        )
        return context

    def _group(self, name, base_id, view, view_label, values) -> dict:
        inputs = []
        for region in regions_in(view):
            raw = values.get(region.key, "")
            inputs.append(
                {
                    "key": region.key,
                    "label": region.label,
                    "name": self.input_name(name, region.key),
                    "id": f"{base_id}_{region.key.replace('.', '_')}",
                    "value": "" if raw in (None, 0, "0") else raw,
                    "invalid": raw not in ("", None) and _parse_intensity(raw) is None,
                }
            )
        return {"view": view, "label": view_label, "inputs": inputs}

    def render(self, name, value, attrs=None, renderer=None):
        # The template lives with the project's templates, which the default form renderer does
        # not search (FORM_RENDERER is a site setting; this keeps the field self-contained).
        # A template's output is already marked safe.
        context = self.get_context(name, value, attrs)
        return loader.render_to_string(self.template_name, context)

    def id_for_label(self, id_):
        # The label points at the first region's input; the chart has its own legend.
        return None


class PainMapField(forms.Field):
    widget = PainMapWidget
    default_error_messages = {
        "invalid": "Enter the pain map as body regions with an intensity from 0 to 10.",
        "unknown": "Unknown body region: %(keys)s.",
        "range": "Enter a whole number from 0 (no pain) to 10 for: %(regions)s.",
    }

    def __init__(self, *, required: bool = False, **kwargs):
        kwargs.setdefault("label", "Pain map")
        kwargs.setdefault(
            "help_text",
            "Choose an intensity, then tap or press Enter on a body region; tap it again to "
            "clear it. Or type 0-10 for each region in the list. Left and right are the "
            "client's.",
        )
        super().__init__(required=required, **kwargs)

    def to_python(self, value) -> dict[str, int]:
        if value in self.empty_values:
            return {}
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not isinstance(value, dict):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        unknown = sorted(str(key) for key in value if key not in REGION_KEYS)
        if unknown:
            raise ValidationError(
                self.error_messages["unknown"], code="unknown", params={"keys": ", ".join(unknown)}
            )
        return self._intensities(value)

    def _intensities(self, value: dict) -> dict[str, int]:
        cleaned, bad = {}, []
        for key, raw in value.items():
            if raw in ("", None):
                continue
            intensity = _parse_intensity(raw)
            if intensity is None:
                bad.append(label_of(key))
            elif intensity:
                cleaned[key] = intensity
        if bad:
            raise ValidationError(
                self.error_messages["range"], code="range", params={"regions": ", ".join(bad)}
            )
        return dict(sorted(cleaned.items()))

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True
