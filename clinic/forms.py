from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction

from clinic import dates, text_limits
from clinic.models import (
    AuditEntry,
    Client,
    Physician,
    User,
)
from clinic.services import CLIENT_CONTACT_FIELDS


class ClientContactsForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = CLIENT_CONTACT_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "emergency_contact_name": "Emergency contact: name",
            "emergency_contact_phone": "Emergency contact: phone",
            "emergency_contact_relationship": "Emergency contact: relationship",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _check_contacts(self)


def _check_contacts(form) -> None:
    """Phone numbers hold phone characters; every text says its limit when too long."""
    for name in ("phone", "emergency_contact_phone"):
        if name in form.fields:
            form.fields[name].validators.append(text_limits.phone_characters)
    text_limits.friendly_form_limits(form)


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        label="Search clients",
        max_length=100,
        required=False,
        help_text="Name, phone number, or date of birth (YYYY-MM-DD or MM/DD/YYYY).",
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Owes the reset mail in the outbox; the token is made when the mail is sent. Unknown
    addresses get the same answer as known ones."""

    def save(self, domain_override=None, request=None, use_https=False, **kwargs):
        from clinic.services.people import password_reset_owe

        domain = domain_override or request.get_host()
        with transaction.atomic():
            for user in self.get_users(self.cleaned_data["email"]):
                password_reset_owe(user=user, domain=domain, use_https=use_https)


class AuditFilterForm(forms.Form):
    """Filters arrive as ids in the query string: never a client's name in a URL."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.all(), required=False, widget=forms.HiddenInput
    )
    actor = forms.ModelChoiceField(
        queryset=User.objects.order_by("username"), required=False, label="User"
    )
    action = forms.ChoiceField(
        choices=[("", "Any action"), *AuditEntry.Action.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.visible_to(user)

    def apply(self, entries):
        data = self.cleaned_data
        if data.get("client"):
            entries = entries.filter(client=data["client"])
        if data.get("actor"):
            entries = entries.filter(actor=data["actor"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        return entries


# --- clients registry -------------------------------------------------------------------------


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None, format="%H:%M"):
        super().__init__({"step": 300, **(attrs or {})}, format=format)


class ClientForm(forms.ModelForm):
    """Register or edit a client. A likely duplicate (same name and birth date) is refused
    until the user confirms it is a different person."""

    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label="This is a different person with the same name and date of birth",
    )

    class Meta:
        model = Client
        fields = [
            "first_name",
            "last_name",
            "preferred_name",
            "date_of_birth",
            "email",
            "phone",
            "address",
            "emergency_contact_name",
            "emergency_contact_phone",
            "emergency_contact_relationship",
            "primary_physician",
            "referral_source",
        ]
        widgets = {"date_of_birth": DateInput(), "address": forms.Textarea(attrs={"rows": 2})}
        labels = ClientContactsForm.Meta.labels

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["primary_physician"].queryset = Physician.objects.visible_to(user)
        self.fields["date_of_birth"].validators.append(dates.BIRTH_DATE)
        _check_contacts(self)
        self.duplicates = []  # filled by clean(); the template then shows the confirm box

    def clean(self):
        data = super().clean()
        if self.errors or data.get("confirm_not_duplicate"):
            return data
        from clinic.services import client_possible_duplicates

        self.duplicates = list(
            client_possible_duplicates(
                first_name=data["first_name"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                exclude=self.instance if self.instance.pk else None,
            )[:5]
        )
        if self.duplicates:
            raise forms.ValidationError(
                "A client with this name and date of birth is already registered. Open the "
                "existing record below, or tick the box to confirm this is someone else."
            )
        return data


class RowsFormSet(forms.BaseFormSet):
    """A formset of optional rows whose forms each offer `as_row()` (None for a blank row).
    Every row is cleaned, even one equal to its initial value: otherwise an unchanged row
    copied from a previous version or note would count as empty and silently vanish."""

    def _construct_form(self, i, **kwargs):
        kwargs["empty_permitted"] = False
        return super()._construct_form(i, **kwargs)

    def rows(self) -> list[dict]:
        return [row for form in self.forms if (row := form.as_row()) is not None]
