"""The intake form (health history). Filled by the client before the first visit, or by the
therapist in the clinic. Every error is shown at its field; nothing typed is lost."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from clinic import dates
from clinic.forms import DateInput
from clinic.models import Physician
from intake import conditions
from intake.fields import PainMapField
from intake.forms.consents import ReferralLetterField
from intake.models import HealthHistory


class ConditionsField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            choices=[(c.key, c.label) for c in conditions.CONDITIONS],
            required=False,
            label="Health conditions",
            help_text="Tick everything that applies to you now or recently.",
            **kwargs,
        )


FILLED_APART = ("referral_letter", "injuries_and_surgeries")


class HealthHistoryForm(forms.ModelForm):
    conditions = ConditionsField()
    referral_letter_file = ReferralLetterField(required=False)
    pain_regions = PainMapField(required=False, label="Where it hurts")

    class Meta:
        model = HealthHistory
        # Every answer but the two this form fills apart: the letter is uploaded through
        # `referral_letter_file`, the injuries come from InjuryFormSet.
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

    def clean_icd10_code(self):
        return self.cleaned_data["icd10_code"].strip().upper()

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
