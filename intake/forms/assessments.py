"""The assessment form: the main fields and pain map, formsets for ROM, muscle tests, special
tests and PSFS activities, and the optional LEFS. Forms only parse and check input; the service
writes. Every range error is reported at its field, and a bound form shows back what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from clinic import dates, text_limits
from clinic.clinic_time import today
from intake.fields import PainMapField
from intake.models import Assessment, RomNorm
from intake.models.assessment import Side, SpecialTest

# Empty rows after the filled ones. Enough to record a region in every direction without
# script (a neck: flexion, extension, rotation and side bending, left and right); with
# script, "Add a row" (static/js/formset-rows.js) adds more in the page.
EXTRA_ROWS = 4
EXTRA_ROM_ROWS = 6
PSFS_MIN, PSFS_MAX = 3, 5

LEFS_QUESTIONS = (
    "Any of your usual work, housework or school activities",
    "Your usual hobbies, recreational or sporting activities",
    "Getting into or out of the bath",
    "Walking between rooms",
    "Putting on your shoes or socks",
    "Squatting",
    "Lifting an object, like a bag of groceries from the floor",
    "Performing light activities around your home",
    "Performing heavy activities around your home",
    "Getting into or out of a car",
    "Walking 2 blocks",
    "Walking a mile",
    "Going up or down 10 stairs (about 1 flight of stairs)",
    "Standing for 1 hour",
    "Sitting for 1 hour",
    "Running on even ground",
    "Running on uneven ground",
    "Making sharp turns while running fast",
    "Hopping",
    "Rolling over in bed",
)
LEFS_CHOICES = [
    ("", "Not answered"),
    (0, "0 · Extreme difficulty or unable"),
    (1, "1 · Quite a bit of difficulty"),
    (2, "2 · Moderate difficulty"),
    (3, "3 · A little bit of difficulty"),
    (4, "4 · No difficulty"),
]


def _text(rows=3, **kwargs):
    return text_limits.text_field(
        text_limits.LONG_TEXT, required=False, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


def _whole(low: int, high: int, what: str, **kwargs) -> forms.IntegerField:
    message = f"{what} is a whole number from {low} to {high}."
    return forms.IntegerField(
        min_value=low,
        max_value=high,
        error_messages={"min_value": message, "max_value": message, "invalid": message},
        **kwargs,
    )


class AssessmentForm(forms.Form):
    assessed_on = forms.DateField(
        label="Date assessed",
        initial=today,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[dates.ASSESSMENT],
    )
    nprs = _whole(0, 10, "Pain now (NPRS)", required=False, label="Pain now (NPRS 0-10)")
    pain_regions = PainMapField(required=False)
    posture_findings = _text()
    muscular_imbalances = _text(help_text="e.g. left/right differences in ROM or strength.")
    notes = _text(
        rows=4,
        label="Clinical impression",
        help_text="For the care team at the clinic; not shown to the client or physicians.",
    )


# --- rows -------------------------------------------------------------------------------------


class RowForm(forms.Form):
    """One row of findings. A row counts when something beyond its hint fields is filled in:
    rows pre-filled from the previous assessment (movement and side, the old value shown as a
    hint) are skipped unless a new value is typed, so a reassessment is quick and never copies
    an old measurement silently; clearing a row's value drops it."""

    hint_fields: tuple[str, ...] = ()

    def has_changed(self) -> bool:
        if any(name in self.hint_fields for name in self.changed_data):
            return True
        return any(
            self[name].data not in (None, "", False)
            for name in self.fields
            if name not in self.hint_fields and name != "DELETE"
        )


# A blank first choice, so an untouched row stays blank (and is skipped) instead of "Left".
SIDE_CHOICES = [("", "Side"), *Side.choices]


class RomRowForm(RowForm):
    hint_fields = ("norm", "side")

    norm = forms.ChoiceField(label="Joint and movement")
    side = forms.ChoiceField(choices=SIDE_CHOICES)
    degrees = _whole(0, 360, "Degrees")
    painful = forms.BooleanField(required=False, label="Painful")

    def __init__(self, *args, norms: dict[str, RomNorm], **kwargs):
        super().__init__(*args, **kwargs)
        # Choices come from a list the formset read once, so rows add no queries.
        self.norms = norms
        self.fields["norm"].choices = [("", "Choose a movement")] + [
            (pk, f"{n.joint} · {n.movement} (normal {n.normal_degrees}°)")
            for pk, n in norms.items()
        ]
        previous = self.initial.get("previous_degrees")
        if previous is not None:
            self.fields["degrees"].help_text = f"Last time: {previous}°"

    def clean_norm(self) -> RomNorm:
        return self.norms[self.cleaned_data["norm"]]

    def clean(self):
        data = super().clean()
        norm, side = data.get("norm"), data.get("side")
        if norm and side:
            if norm.bilateral and side == Side.CENTRAL:
                self.add_error("side", f"{norm.joint} {norm.movement} is measured left and right.")
            elif not norm.bilateral and side != Side.CENTRAL:
                self.add_error("side", f"{norm.joint} {norm.movement} is measured centrally.")
        return data


class MuscleRowForm(RowForm):
    hint_fields = ("muscle", "side")

    muscle = forms.CharField(max_length=80)
    side = forms.ChoiceField(choices=SIDE_CHOICES)
    grade = _whole(0, 5, "The Oxford grade", label="Grade (0-5)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        previous = self.initial.get("previous_grade")
        if previous is not None:
            self.fields["grade"].help_text = f"Last time: {previous}"


class SpecialRowForm(RowForm):
    name = forms.CharField(max_length=80, label="Test")
    side = forms.ChoiceField(choices=[("", "—"), *Side.choices], required=False)
    result = forms.ChoiceField(choices=[("", "Choose"), *SpecialTest.Result.choices])
    note = forms.CharField(max_length=300, required=False)


class PsfsRowForm(RowForm):
    hint_fields = ("activity",)

    activity = forms.CharField(max_length=120, label="Activity")
    score = _whole(0, 10, "The PSFS score", label="Score (0 unable - 10 as before)")


class RowFormSet(forms.BaseFormSet):
    """Rows of RowForm: every row is optional (RowForm.has_changed decides which count, so
    blank rows are skipped, never errors), and a few blank rows follow the pre-filled ones."""

    blank_rows = EXTRA_ROWS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.extra = self.extra_rows()

    def extra_rows(self) -> int:
        return len(self.initial or []) + self.blank_rows

    def initial_form_count(self) -> int:
        # No row is compulsory, so none is an "initial form" (those must validate even when
        # left untouched). Initial values still reach each row by its index.
        return 0

    def rows(self) -> list[dict]:
        """Cleaned rows to save (after is_valid()), without the formset's own keys."""
        return [
            {key: value for key, value in form.cleaned_data.items() if key != "DELETE"}
            for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]


class RomFormSet(RowFormSet):
    blank_rows = EXTRA_ROM_ROWS

    def clean(self):
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or self._should_delete_form(form):
                continue
            key = (form.cleaned_data.get("norm"), form.cleaned_data.get("side"))
            if key in seen:
                form.add_error("side", "This movement and side is already listed above.")
            seen.add(key)


class PsfsFormSet(RowFormSet):
    def extra_rows(self) -> int:
        return PSFS_MAX

    def clean(self):
        filled = [form for form in self.forms if form.cleaned_data]
        if filled and not PSFS_MIN <= len(filled) <= PSFS_MAX:
            raise ValidationError(
                f"The PSFS needs {PSFS_MIN} to {PSFS_MAX} activities; you listed "
                f"{len(filled)}. Add or remove activities, or leave all rows empty."
            )

    def items(self) -> list[dict]:
        return [
            {"activity": f.cleaned_data["activity"], "score": f.cleaned_data["score"]}
            for f in self.forms
            if f.cleaned_data
        ]


RomRows = forms.formset_factory(RomRowForm, formset=RomFormSet, extra=0, can_delete=True)
MuscleRows = forms.formset_factory(MuscleRowForm, formset=RowFormSet, extra=0, can_delete=True)
SpecialRows = forms.formset_factory(SpecialRowForm, formset=RowFormSet, extra=0, can_delete=True)
# max_num caps the rows shown; a POST with more is still read, and clean() says why it fails.
PsfsRows = forms.formset_factory(PsfsRowForm, formset=PsfsFormSet, extra=PSFS_MAX, max_num=PSFS_MAX)


class LefsForm(forms.Form):
    """Lower Extremity Functional Scale: optional, but all 20 items or none."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for number, question in enumerate(LEFS_QUESTIONS, start=1):
            self.fields[f"item_{number}"] = forms.TypedChoiceField(
                label=f"{number}. {question}",
                choices=LEFS_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )

    def clean(self):
        data = super().clean()
        answered = [name for name in self.fields if data.get(name) is not None]
        if 0 < len(answered) < len(LEFS_QUESTIONS):
            for name in self.fields:
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, "Answer this item too, or clear all LEFS items.")
        return data

    def items(self) -> list[int]:
        values = [self.cleaned_data.get(name) for name in self.fields]
        return values if all(v is not None for v in values) else []

    @property
    def answered(self) -> bool:
        return any(self[name].value() not in (None, "") for name in self.fields)


# --- the whole page ---------------------------------------------------------------------------


@dataclass
class AssessmentForms:
    main: AssessmentForm
    rom: RomFormSet
    muscles: RowFormSet
    specials: RowFormSet
    psfs: PsfsFormSet
    lefs: LefsForm

    def is_valid(self) -> bool:
        # Validate every part (no short-circuit), so all errors show at once.
        return all([part.is_valid() for part in self._parts()])

    def _parts(self):
        return [self.main, self.rom, self.muscles, self.specials, self.psfs, self.lefs]

    def service_kwargs(self) -> dict:
        data = {
            **self.main.cleaned_data,
            "psfs_items": self.psfs.items(),
            "lefs_items": self.lefs.items(),
        }
        return {
            "data": data,
            "rom_rows": self.rom.rows(),
            "muscle_rows": self.muscles.rows(),
            "special_rows": self.specials.rows(),
        }

    @property
    def media(self):
        return self.main.media

    def add_service_errors(self, error: ValidationError) -> None:
        """Errors the service found that the forms did not (a second line of defence)."""
        fields = getattr(error, "error_dict", {"__all__": error.error_list})
        for name, messages in fields.items():
            target = name if name in self.main.fields else None
            for message in messages:
                self.main.add_error(target, message)


def assessment_forms(
    data=None, *, assessment: Assessment | None = None, previous: Assessment | None = None
) -> AssessmentForms:
    """The bound or unbound forms: editing `assessment`, or a new one with rows hinted from
    `previous` (the client's latest assessment)."""
    norms = {str(n.pk): n for n in RomNorm.objects.all()}
    initial = _initial_from(assessment) if assessment is not None else _hints_from(previous)
    return AssessmentForms(
        main=AssessmentForm(data, initial=initial["main"]),
        rom=RomRows(data, prefix="rom", initial=initial["rom"], form_kwargs={"norms": norms}),
        muscles=MuscleRows(data, prefix="mmt", initial=initial["muscles"]),
        specials=SpecialRows(data, prefix="special", initial=initial["specials"]),
        psfs=PsfsRows(data, prefix="psfs", initial=initial["psfs"]),
        lefs=LefsForm(data, prefix="lefs", initial=initial["lefs"]),
    )


def _initial_from(assessment: Assessment) -> dict:
    fields = ("assessed_on", "nprs", "pain_regions", "posture_findings", "muscular_imbalances")
    main = {name: getattr(assessment, name) for name in fields}
    main["notes"] = assessment.notes
    return {
        "main": main,
        "rom": [
            {"norm": str(r.norm_id), "side": r.side, "degrees": r.degrees, "painful": r.painful}
            for r in assessment.rom.all()
        ],
        "muscles": [
            {"muscle": m.muscle, "side": m.side, "grade": m.grade}
            for m in assessment.muscle_tests.all()
        ],
        "specials": [
            {"name": s.name, "side": s.side, "result": s.result, "note": s.note}
            for s in assessment.special_tests.all()
        ],
        "psfs": list(assessment.psfs_items),
        "lefs": {f"item_{n}": v for n, v in enumerate(assessment.lefs_items, start=1)},
    }


def _hints_from(previous: Assessment | None) -> dict:
    """Movements, muscles and PSFS activities of the previous assessment, without its values
    (those are shown as hints), so a reassessment measures the same things again."""
    if previous is None:
        return {"main": {}, "rom": [], "muscles": [], "specials": [], "psfs": [], "lefs": {}}
    return {
        "main": {},
        "rom": [
            {"norm": str(r.norm_id), "side": r.side, "previous_degrees": r.degrees}
            for r in previous.rom.all()
        ],
        "muscles": [
            {"muscle": m.muscle, "side": m.side, "previous_grade": m.grade}
            for m in previous.muscle_tests.all()
        ],
        "specials": [],
        "psfs": [{"activity": item["activity"]} for item in previous.psfs_items],
        "lefs": {},
    }
