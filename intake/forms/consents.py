"""Forms for consents, the care team, and referral-letter uploads. They parse input; the rules
(whose name, which text, who may) live in intake/services."""

from __future__ import annotations

from django import forms

from clinic.models import CareTeamMember, Physician
from intake.services.uploads import ALLOWED_HELP, referral_letter_check


class ConsentSignForm(forms.Form):
    """A typed name stands for a signature; the box makes the agreement explicit."""

    signed_name = forms.CharField(max_length=200, label="Type your full name to sign")
    agree = forms.BooleanField(
        label="I have read and agree",
        error_messages={"required": "Tick this box to show you have read the text and agree."},
    )

    def __init__(self, *args, on_behalf: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signed_name"].widget.attrs["autocomplete"] = "name"
        if on_behalf:
            self.fields["signed_name"].label = "The client's full name, as they give it"
            self.fields["agree"].label = "The client has read this text and agrees"


class CareTeamMemberAddForm(forms.Form):
    physician = forms.ModelChoiceField(
        queryset=Physician.objects.none(),
        label="Physician",
        # The choices leave out the care team's members, so this is also what a second submit
        # of the same physician (a double click) is told.
        error_messages={
            "invalid_choice": "This physician is already on this care team, or is not in the "
            "physician directory."
        },
    )
    relationship = forms.ChoiceField(choices=CareTeamMember.Relationship.choices)

    def __init__(self, *args, physicians=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["physician"].queryset = (
            physicians if physicians is not None else Physician.objects.none()
        )


class ReferralLetterField(forms.FileField):
    """A referral letter: PDF, PNG or JPEG by content (not name), at most 10 MB. The service
    checks again before storing, so a form without this field cannot bypass the rule."""

    default_validators = [referral_letter_check]
    widget = forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"})

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", f"A scan or photo of the letter: {ALLOWED_HELP}.")
        kwargs.setdefault("label", "Referral letter")
        super().__init__(**kwargs)


class ReferralLetterUploadForm(forms.Form):
    letter = ReferralLetterField()
