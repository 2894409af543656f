"""The plan editor: the version's fields, techniques with target areas and rationale, and
milestones with measurable targets. Errors are shown at the field or row; nothing is lost."""

from __future__ import annotations

from django import forms

from clinic import text_limits
from clinic.dates import PLAN_REVIEW, PLAN_START
from clinic.forms import DateInput, RowsFormSet
from intake.models import RomNorm
from treatment_plans.models import Milestone, PlannedPressure, PlanVersion, Position, Technique


class PlanVersionForm(forms.ModelForm):
    review_date_1 = forms.DateField(
        required=False, widget=DateInput(), label="Review date", validators=[PLAN_REVIEW]
    )
    review_date_2 = forms.DateField(
        required=False,
        widget=DateInput(),
        label="Final review date",
        validators=[PLAN_REVIEW],
    )

    class Meta:
        model = PlanVersion
        fields = [
            "health_goal",
            "clinical_reason",
            "referral",
            "start_date",
            "sessions_per_week",
            "planned_sessions",
            "session_minutes",
            "other_treatments",
            "home_care",
            "body_mechanics",
        ]
        widgets = {
            "health_goal": forms.Textarea(attrs={"rows": 2}),
            "clinical_reason": forms.Textarea(attrs={"rows": 2}),
            "other_treatments": forms.Textarea(attrs={"rows": 2}),
            "home_care": forms.Textarea(attrs={"rows": 2}),
            "body_mechanics": forms.Textarea(attrs={"rows": 2}),
            "start_date": DateInput(),
        }
        labels = {
            "health_goal": "Health goal",
            "clinical_reason": "Clinical reason or diagnosis",
            "sessions_per_week": "Sessions per week",
            "session_minutes": "Session length (minutes)",
            "other_treatments": "Other treatments",
            "home_care": "Home care and exercises",
            "body_mechanics": "Body mechanics education",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dates = (self.instance.review_dates or []) if self.instance else []
        for n, value in enumerate(dates[:2], start=1):
            self.initial.setdefault(f"review_date_{n}", value)
        self.fields["sessions_per_week"].error_messages["min_value"] = (
            "Sessions per week must be more than zero (e.g. 1, or 0.5 for every other week)."
        )
        self.fields["planned_sessions"].error_messages["min_value"] = "Plan at least one session."
        self.fields["start_date"].validators.append(PLAN_START)

    def clean(self):
        data = super().clean()
        start = data.get("start_date")
        for name in ("review_date_1", "review_date_2"):
            if start and data.get(name) and data[name] < start:
                self.add_error(name, "A review date comes after the start date.")
        return data

    def version_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("review_date_")}
        data["review_dates"] = [
            d.isoformat()
            for d in (
                self.cleaned_data.get("review_date_1"),
                self.cleaned_data.get("review_date_2"),
            )
            if d
        ]
        return data


class TechniqueRowForm(forms.Form):
    technique = forms.ModelChoiceField(
        queryset=Technique.objects.filter(is_active=True), required=False
    )
    target_areas = forms.CharField(max_length=200, required=False, label="Target areas")
    position = forms.ChoiceField(choices=[("", "—"), *Position.choices], required=False)
    pressure = forms.ChoiceField(
        choices=[("", "—"), *PlannedPressure.choices], required=False, label="Planned pressure"
    )
    rationale = text_limits.text_field(
        text_limits.SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Why this technique",
    )

    def clean(self):
        data = super().clean()
        if data.get("technique"):
            if not data.get("target_areas"):
                self.add_error("target_areas", "Where will this technique be used?")
            if not data.get("rationale"):
                self.add_error("rationale", "Say why this technique suits the goal.")
        elif data.get("target_areas") or data.get("rationale"):
            self.add_error("technique", "Choose the technique for this row.")
        return data

    def as_row(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("technique"):
            return None
        return {
            k: data[k] for k in ("technique", "target_areas", "position", "pressure", "rationale")
        }


class BaseTechniqueFormSet(RowsFormSet):
    def clean(self):
        if any(self.errors):
            return
        chosen = [
            f.cleaned_data.get("technique") for f in self.forms if f.cleaned_data.get("technique")
        ]
        if not chosen:
            raise forms.ValidationError(
                "Choose at least one technique, with its target areas and reason."
            )
        if len(set(chosen)) != len(chosen):
            raise forms.ValidationError(
                "Each technique appears once; put all its areas in one row."
            )

    def rows(self) -> list[dict]:
        return [row for form in self.forms if (row := form.as_row()) is not None]


TechniqueFormSet = forms.formset_factory(
    TechniqueRowForm, formset=BaseTechniqueFormSet, extra=2, max_num=8, validate_max=True
)

SIDES = [("", "—"), ("left", "Left"), ("right", "Right")]
MILESTONE_KEYS = (
    "kind",
    "description",
    "rom_norm",
    "side",
    "comparator",
    "target_value",
    "baseline_value",
    "by_session",
)


class MilestoneRowForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "—"), *Milestone.Kind.choices], required=False)
    rom_norm = forms.ModelChoiceField(
        queryset=RomNorm.objects.all(), required=False, label="Movement (for range of motion)"
    )
    side = forms.ChoiceField(choices=SIDES, required=False)
    description = forms.CharField(
        max_length=200, required=False, help_text="The PSFS activity, or the milestone in words."
    )
    comparator = forms.ChoiceField(choices=Milestone.Comparator.choices, initial="gte")
    target_value = forms.DecimalField(
        max_digits=5, decimal_places=1, required=False, label="Target"
    )
    baseline_value = forms.DecimalField(max_digits=5, decimal_places=1, required=False, label="Now")
    by_session = forms.IntegerField(min_value=1, required=False, label="By session")

    LIMITS = {"nprs": (0, 10), "psfs": (0, 10), "rom": (0, 360)}

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        if kind == Milestone.Kind.TEXT:
            if not data.get("description"):
                self.add_error("description", "Describe the milestone and how you will judge it.")
            return data
        if data.get("target_value") is None:
            self.add_error("target_value", "A measurable milestone needs a target.")
        if kind == Milestone.Kind.ROM and not data.get("rom_norm"):
            self.add_error("rom_norm", "Which movement?")
        if kind == Milestone.Kind.PSFS and not data.get("description"):
            self.add_error("description", "Which PSFS activity (e.g. 'computer work')?")
        low, high = self.LIMITS[kind]
        for name in ("target_value", "baseline_value"):
            value = data.get(name)
            if value is not None and not low <= value <= high:
                self.add_error(name, f"Between {low} and {high}.")
        return data

    def as_row(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("kind"):
            return None
        row = {k: data.get(k) for k in MILESTONE_KEYS}
        row["description"] = row["description"] or ""
        row["side"] = row["side"] or ""
        return row


class BaseMilestoneFormSet(RowsFormSet):
    pass


MilestoneFormSet = forms.formset_factory(
    MilestoneRowForm, formset=BaseMilestoneFormSet, extra=2, max_num=12, validate_max=True
)


def technique_initial(version: PlanVersion | None) -> list[dict]:
    if version is None:
        return []
    return [
        {
            "technique": t.technique_id,
            "target_areas": t.target_areas,
            "position": t.position,
            "pressure": t.pressure,
            "rationale": t.rationale,
        }
        for t in version.techniques.all()
    ]


def milestone_initial(version: PlanVersion | None) -> list[dict]:
    if version is None:
        return []
    return [
        {k: getattr(m, f"{k}_id" if k == "rom_norm" else k) for k in MILESTONE_KEYS}
        for m in version.milestones.all()
    ]


class OverrideForm(forms.Form):
    conflict = forms.CharField(widget=forms.HiddenInput)
    reason = text_limits.text_field(
        text_limits.SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why it is safe to go ahead",
        help_text="e.g. 'Light pressure only; INR stable; physician informed.' Printed in the PDF.",
    )


class ClearanceForm(forms.Form):
    conflict = forms.CharField(widget=forms.HiddenInput)
    care_team_member = forms.ModelChoiceField(queryset=None, label="Physician")
    question = text_limits.text_field(
        text_limits.SHORT_TEXT, widget=forms.Textarea(attrs={"rows": 2}), label="Question"
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["care_team_member"].queryset = members


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("completed", "Completed: the goal is reached"), ("discontinued", "Discontinued")]
    )
    reason = forms.CharField(max_length=300, required=False, label="Note")
