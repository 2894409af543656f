"""The intake form (health history). Filled by the client before the first visit, or by the
therapist in the clinic. Every error is shown at its field; nothing typed is lost."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from clinic import dates
from clinic.forms import DateInput
from clinic.models import Physician
from clinic.permissions import Can
from intake import conditions, medications
from intake.diagnoses import billable_problem
from intake.fields import PainMapField
from intake.forms.consents import ReferralLetterField
from intake.models import HealthHistory
from intake.models.history import validate_icd10
from intake.screening_facts import REGIONS


class ConditionsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, held=(), **kwargs):
        super().__init__(
            choices=[(c.key, c.label) for c in conditions.offered_for(held)],
            required=False,
            label="Health conditions",
            help_text="Tick everything that applies to you now or recently.",
            **kwargs,
        )


class MedicationClassesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            choices=[(c.key, c.label.capitalize()) for c in medications.CLASSES],
            required=False,
            label="Medication classes confirmed by the therapist",
            help_text="What the medications above are: screening reads these classes.",
            **kwargs,
        )


FILLED_APART = ("referral_letter", "injuries_and_surgeries", "events")


class HealthHistoryForm(forms.ModelForm):
    conditions = ConditionsField()
    medication_classes = MedicationClassesField()
    referral_letter_file = ReferralLetterField(required=False)
    pain_regions = PainMapField(required=False, label="Where it hurts")

    class Meta:
        model = HealthHistory
        # Every answer but the three this form fills apart: the letter is uploaded through
        # `referral_letter_file`, the injuries come from InjuryFormSet, the events (dated and
        # located conditions) from EventFormSet.
        fields = [name for name in HealthHistory.ANSWER_FIELDS if name not in FILLED_APART]
        widgets = {
            "reason_for_visit": forms.Textarea(attrs={"rows": 3}),
            "client_goals": forms.Textarea(attrs={"rows": 2}),
            "activities": forms.Textarea(attrs={"rows": 2}),
            "diagnosis": forms.Textarea(attrs={"rows": 2}),
            "medications": forms.Textarea(attrs={"rows": 3}),
            "allergies": forms.Textarea(attrs={"rows": 2}),
            "other_conditions": forms.Textarea(attrs={"rows": 2}),
            "pain_description": forms.Textarea(attrs={"rows": 3}),
            "pregnancy_due_date": DateInput(),
            "delivery_date": DateInput(),
            "recent_surgery_date": DateInput(),
        }
        labels = {
            "reason_for_visit": "What brings you to the clinic?",
            "client_goals": "What would you like to be able to do again?",
            "activities": "Activities and sports",
            "referring_physician": "Referred by (physician)",
            "referring_physician_name": "Referred by (name, if not in the list)",
            "diagnosis": "Diagnosis on the referral",
            "medications": "Current medications",
            "allergies": "Allergies",
            "pregnancy_due_date": "If pregnant: due date",
            "delivery_date": "If you gave birth in the last year: date of the birth",
            "recent_surgery_date": "If recent surgery: date",
            "recent_surgery_site": "If recent surgery: where on the body",
            "other_conditions": "Anything else we should know about your health",
            "pain_description": "Describe your pain",
        }
        help_texts = {
            "pain_description": "Where, since when, what makes it better or worse, how it feels "
            "(dull, sharp, burning, tingling).",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referring_physician"].queryset = Physician.objects.visible_to(user)
        self.fields["icd10_code"].widget.attrs["placeholder"] = "e.g. M54.2"
        self.fields["recent_surgery_date"].validators.append(dates.SURGERY)
        self.fields["delivery_date"].validators.append(dates.INJURY)
        held = self.instance.conditions if self.instance is not None else ()
        self.fields["conditions"] = ConditionsField(held=held)
        if not Can(user).chart:  # the therapist confirms the classes; the client writes them
            del self.fields["medication_classes"]

    def clean_icd10_code(self):
        code = self.cleaned_data["icd10_code"].strip().upper()
        validate_icd10(code)  # the shape first: its message says what a code looks like
        if code and (problem := billable_problem(code)):
            raise forms.ValidationError(problem)
        return code

    def clean(self):
        data = super().clean()
        ticked = set(data.get("conditions") or [])
        today = timezone.localdate()
        due = data.get("pregnancy_due_date")
        if "pregnancy" in ticked and not due:
            self.add_error("pregnancy_due_date", "Please give the due date.")
        if due and not today <= due <= today + dt.timedelta(days=300):
            self.add_error("pregnancy_due_date", "A due date is within the next 10 months.")
        surgery = data.get("recent_surgery_date")
        if "recent_surgery" in ticked and not surgery:
            self.add_error("recent_surgery_date", "Please give the date of the surgery.")
        if ticked & {"postpartum", "c_section"} and not data.get("delivery_date"):
            self.add_error("delivery_date", "Please give the date of the birth.")
        return data


class InjuryForm(forms.Form):
    """One injury or surgery, with its date, for the history list."""

    KINDS = [("injury", "Injury"), ("surgery", "Surgery")]

    kind = forms.ChoiceField(choices=KINDS, initial="injury")
    what = forms.CharField(max_length=200, label="What happened", required=False)
    date = forms.DateField(
        widget=DateInput(),
        required=False,
        help_text="Approximate is fine.",
        validators=[dates.INJURY],
    )

    def clean(self):
        data = super().clean()
        if data.get("date") and not data.get("what"):
            self.add_error("what", "Say what happened on this date.")
        return data

    def as_item(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("what"):
            return None
        return {
            "kind": data["kind"],
            "what": data["what"],
            "date": data["date"].isoformat() if data.get("date") else "",
        }


# Four empty rows without script; "Add a row" (static/js/formset-rows.js) adds more in the page.
InjuryFormSet = forms.formset_factory(InjuryForm, extra=4, max_num=20, validate_max=True)


def injuries_initial(history: HealthHistory | None) -> list[dict]:
    return list(history.injuries_and_surgeries) if history else []


def injuries_from(formset) -> list[dict]:
    return [item for form in formset.forms if (item := form.as_item()) is not None]


class EventForm(forms.Form):
    """A condition with a date and a place on the body (a surgery, a fracture, an injection,
    a radiation field, a clot): screening reads where and when it applies."""

    condition = forms.ChoiceField(
        choices=[("", "---------")] + [(c.key, c.label) for c in conditions.LOCATED],
        required=False,
        label="What",
    )
    date = forms.DateField(
        widget=DateInput(),
        required=False,
        help_text="Approximate is fine.",
        validators=[dates.INJURY],
    )
    region = forms.ChoiceField(
        choices=[("", "---------")] + list(REGIONS.items()), required=False, label="Where"
    )
    side = forms.ChoiceField(
        choices=[("", "Both or not sure"), ("left", "Left"), ("right", "Right")],
        required=False,
    )

    def __init__(self, *args, held: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if held and held not in dict(self.fields["condition"].choices):  # an older key
            self.fields["condition"].choices += [(held, conditions.label(held))]

    def clean(self):
        data = super().clean()
        if not data.get("condition") and (data.get("date") or data.get("region")):
            self.add_error("condition", "Say what happened here.")
        if data.get("side") and not data.get("region"):
            self.add_error("region", "Choose where on the body.")
        return data

    def as_item(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("condition"):
            return None
        return {
            "condition": data["condition"],
            "date": data["date"].isoformat() if data.get("date") else "",
            "region": data.get("region") or "",
            "side": data.get("side") or "",
        }


class _EventFormSet(forms.BaseFormSet):
    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.initial or []):
            kwargs["held"] = self.initial[index].get("condition", "")
        return kwargs


# Three empty rows without script; "Add a row" adds more in the page.
EventFormSet = forms.formset_factory(
    EventForm, formset=_EventFormSet, extra=3, max_num=20, validate_max=True
)


def events_initial(history: HealthHistory | None) -> list[dict]:
    return list(history.events) if history else []


def events_from(formset) -> list[dict]:
    return [item for form in formset.forms if (item := form.as_item()) is not None]
