from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction
from django.utils import timezone

from clinic import dates, text_limits
from clinic.models import (
    AppointmentType,
    AuditEntry,
    Client,
    Physician,
    Room,
    Therapist,
    User,
    WaitlistEntry,
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


# --- booking ------------------------------------------------------------------------------------


class SlotFields(forms.Form):
    """Therapist, type, date, time and room: what a booking or a move needs."""

    therapist = forms.ModelChoiceField(queryset=Therapist.objects.none())
    appointment_type = forms.ModelChoiceField(
        queryset=AppointmentType.objects.filter(is_active=True), label="Type"
    )
    date = forms.DateField(widget=DateInput(), validators=[dates.BOOKING])
    time = forms.TimeField(widget=TimeInput(), label="Start time", help_text="Clinic time.")
    room = forms.ModelChoiceField(
        queryset=Room.objects.filter(is_active=True), required=False, empty_label="No room"
    )

    # Where a service's complaint about a field is shown.
    FIELD_FOR = {"starts_at": "time", "therapist": "therapist", "room": "room"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = Therapist.objects.filter(is_active=True).select_related(
            "user"
        )

    def slot(self):
        from clinic.clinic_time import at_local
        from clinic.services.scheduling import Slot

        data = self.cleaned_data
        return Slot(
            therapist=data["therapist"],
            appointment_type=data["appointment_type"],
            starts_at=at_local(data["date"], data["time"]),
            room=data.get("room"),
        )

    def add_service_errors(self, error: forms.ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for field, messages in error.message_dict.items():
            target = self.FIELD_FOR.get(field, field if field in self.fields else None)
            for message in messages:
                self.add_error(target, message)


class IdChoiceField(forms.ModelChoiceField):
    """A choice by id where a malformed id reads as 'unknown', not as a UUID syntax lesson."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            if error.code == "invalid_choice":
                raise
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            ) from None


class BookingForm(SlotFields):
    client = IdChoiceField(
        queryset=Client.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": (
                "Choose the client first (under “Who is the appointment for?”), or open the "
                "booking from the client's page."
            ),
            "invalid_choice": "Unknown client. Open the booking from the client's page.",
        },
    )
    front_desk_note = forms.CharField(
        max_length=300,
        required=False,
        label="Note for the schedule",
        help_text="Scheduling only (e.g. 'prefers ground-floor room'); no health information.",
    )
    repeat = forms.BooleanField(required=False, label="Repeat as a series")
    repeat_count = forms.IntegerField(
        min_value=2, max_value=52, required=False, initial=8, label="Number of sessions"
    )
    interval_weeks = forms.TypedChoiceField(
        choices=[
            (1, "Every week"),
            (2, "Every 2 weeks"),
            (3, "Every 3 weeks"),
            (4, "Every 4 weeks"),
        ],
        coerce=int,
        initial=1,
        label="How often",
    )

    field_order = ["client", "therapist", "appointment_type", "date", "time", "room"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.visible_to(user).filter(is_active=True)

    def clean(self):
        data = super().clean()
        if data.get("repeat") and not data.get("repeat_count"):
            self.add_error("repeat_count", "How many sessions should the series have?")
        return data


class RescheduleForm(SlotFields):
    pass


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        label="Reason for cancelling",
        help_text="e.g. 'client ill', 'therapist away'. No health details.",
    )


class WaitlistForm(forms.ModelForm):
    class Meta:
        model = WaitlistEntry
        fields = [
            "therapist",
            "appointment_type",
            "earliest_date",
            "latest_date",
            "earliest_time",
            "latest_time",
            "note",
        ]
        widgets = {
            "earliest_date": DateInput(),
            "latest_date": DateInput(),
            "earliest_time": TimeInput(),
            "latest_time": TimeInput(),
        }
        labels = {
            "therapist": "Therapist (empty: any)",
            "appointment_type": "Type (empty: any)",
            "earliest_date": "From date",
            "latest_date": "To date",
            "earliest_time": "Earliest start",
            "latest_time": "Latest end",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["therapist"].queryset = Therapist.objects.filter(is_active=True).select_related(
            "user"
        )
        for name in ("earliest_date", "latest_date"):
            self.fields[name].validators.append(dates.WAITLIST)

    def clean(self):
        data = super().clean()
        first, last = data.get("earliest_date"), data.get("latest_date")
        if first and last and last < first:
            self.add_error("latest_date", "The end date is before the start date.")
        elif last and last < timezone.localdate():
            self.add_error("latest_date", "That range is already over.")
        start, end = data.get("earliest_time"), data.get("latest_time")
        if start and end and end <= start:
            self.add_error("latest_time", "The latest end must be after the earliest start.")
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
