"""The session-note editor. Fields are in the order a therapist works, so a routine follow-up
can be written with the keyboard alone (Tab through, Enter on Save)."""

from __future__ import annotations

from django import forms

from clinic import text_limits
from clinic.forms import RowsFormSet
from intake.body_chart import REGIONS
from intake.models import RomNorm
from sessions_log.models import Measurement, Position, Pressure, SessionNote
from treatment_plans.models import Technique

PAIN_CHOICES = [("", "—")] + [(n, str(n)) for n in range(11)]
REGION_CHOICES = [("", "—")] + sorted(
    {(r.label, r.label) for r in REGIONS}, key=lambda choice: choice[0]
)
SIDES = [("", "—"), ("left", "Left"), ("right", "Right")]


class NoteForm(forms.ModelForm):
    pain_before = forms.TypedChoiceField(
        choices=PAIN_CHOICES, coerce=int, label="Pain before (0-10)"
    )
    pain_after = forms.TypedChoiceField(choices=PAIN_CHOICES, coerce=int, label="Pain after (0-10)")

    class Meta:
        model = SessionNote
        fields = [
            "pain_before",
            "subjective",
            "objective",
            "assessment",
            "share_assessment",
            "pain_after",
            "client_response",
            "home_care",
            "body_mechanics",
            "plan_next",
            "no_assessment_reason",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in (
                "subjective",
                "objective",
                "assessment",
                "client_response",
                "home_care",
                "body_mechanics",
                "plan_next",
            )
        }
        labels = {
            "subjective": "S: subjective",
            "objective": "O: objective",
            "assessment": "A: assessment",
            "plan_next": "P: plan for next time",
            "share_assessment": "Client may read the assessment in their portal",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pain_before"].widget.attrs["autofocus"] = True
        for name in ("pain_before", "pain_after"):
            self.fields[name].error_messages["invalid_choice"] = (
                "Pain is a whole number from 0 to 10."
            )


class TechniqueRowForm(forms.Form):
    technique = forms.ModelChoiceField(
        queryset=Technique.objects.filter(is_active=True), required=False
    )
    body_region = forms.ChoiceField(choices=REGION_CHOICES, required=False, label="Region")
    position = forms.ChoiceField(choices=[("", "—"), *Position.choices], required=False)
    pressure = forms.ChoiceField(choices=[("", "—"), *Pressure.choices], required=False)
    minutes = forms.IntegerField(required=False, label="Minutes")
    override_reason = forms.CharField(
        max_length=300,
        required=False,
        label="Why, despite a contraindication",
        help_text="Only when the plan has no override for it.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("technique"):
            if data.get("body_region") or data.get("minutes"):
                self.add_error("technique", "Choose the technique for this row.")
            return data
        for name, message in (
            ("body_region", "Where?"),
            ("pressure", "Which pressure?"),
            ("minutes", "How many minutes?"),
        ):
            if not data.get(name) and data.get(name) != 0:
                self.add_error(name, message)
        minutes = data.get("minutes")
        if minutes is not None and not 1 <= minutes <= 240:
            self.add_error("minutes", "Minutes are a whole number from 1 to 240.")
        return data

    def as_row(self):
        data = self.cleaned_data
        if not data.get("technique"):
            return None
        return {
            k: data[k]
            for k in (
                "technique",
                "body_region",
                "position",
                "pressure",
                "minutes",
                "override_reason",
            )
        }


class TriggerPointRowForm(forms.Form):
    location = forms.CharField(max_length=80, required=False, label="Muscle / point")
    side = forms.ChoiceField(choices=SIDES, required=False)
    hold_seconds = forms.IntegerField(required=False, label="Hold (seconds)")

    def clean(self):
        data = super().clean()
        seconds = data.get("hold_seconds")
        if data.get("location") and seconds is None:
            self.add_error("hold_seconds", "How long was the point held?")
        if seconds is not None and not 1 <= seconds <= 300:
            self.add_error("hold_seconds", "Hold time is 1 to 300 seconds (usually 12-15).")
        if seconds is not None and not data.get("location"):
            self.add_error("location", "Which point?")
        return data

    def as_row(self):
        data = self.cleaned_data
        if not data.get("location"):
            return None
        return {
            "location": data["location"],
            "side": data["side"],
            "hold_seconds": data["hold_seconds"],
        }


class MeasurementRowForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "—"), *Measurement.Kind.choices], required=False)
    rom_norm = forms.ModelChoiceField(
        queryset=RomNorm.objects.all(), required=False, label="Movement"
    )
    side = forms.ChoiceField(choices=SIDES, required=False)
    activity = forms.CharField(max_length=120, required=False, label="PSFS activity")
    value = forms.DecimalField(max_digits=5, decimal_places=1, required=False)

    def clean(self):
        data = super().clean()
        kind, value = data.get("kind"), data.get("value")
        if not kind:
            if value is not None:
                self.add_error("kind", "What was measured?")
            return data
        if value is None:
            self.add_error("value", "Enter the value measured.")
        if kind == "rom":
            if not data.get("rom_norm"):
                self.add_error("rom_norm", "Which movement?")
            if value is not None and not 0 <= value <= 360:
                self.add_error("value", "Degrees are between 0 and 360.")
        if kind == "psfs":
            if not data.get("activity"):
                self.add_error("activity", "Which activity?")
            if value is not None and not 0 <= value <= 10:
                self.add_error("value", "A PSFS score is between 0 and 10.")
        return data

    def as_row(self):
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        return {
            "kind": data["kind"],
            "rom_norm": data.get("rom_norm"),
            "side": data.get("side") or "",
            "activity": data.get("activity") or "",
            "value": data["value"],
        }


# Empty rows after the filled ones: a session commonly covers a few regions, so three rows
# of each without script; "Add a row" (static/js/formset-rows.js) adds more in the page.
BLANK_ROWS = 3
TechniqueFormSet = forms.formset_factory(
    TechniqueRowForm, formset=RowsFormSet, extra=BLANK_ROWS, max_num=12
)
TriggerPointFormSet = forms.formset_factory(
    TriggerPointRowForm, formset=RowsFormSet, extra=BLANK_ROWS, max_num=20
)
MeasurementFormSet = forms.formset_factory(
    MeasurementRowForm, formset=RowsFormSet, extra=BLANK_ROWS, max_num=12
)


class AddendumForm(forms.Form):
    text = text_limits.text_field(
        text_limits.LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3}), label="Addendum"
    )
