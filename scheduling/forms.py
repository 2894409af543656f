"""Forms of scheduling: booking, moving and cancelling, the waitlist, the calendars, the
free-slot finder and the therapist's hours page. They parse and check input only; the
services in `scheduling.services` do the writing."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.formats import date_format

from clinic import dates, text_limits
from clinic.forms import DateInput, TimeInput
from clinic.models import Client, Therapist
from scheduling.models import AppointmentType, Room, WaitlistEntry, WorkingHours
from scheduling.services.resources import Interval, interval_overlaps

DATE_WIDGET = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ScheduleDateForm(forms.Form):
    date = forms.DateField(
        label="Go to date", required=False, widget=DATE_WIDGET, validators=[dates.CALENDAR]
    )


class FreeSlotForm(forms.Form):
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(is_active=True).select_related("user"),
        empty_label="Choose a therapist",
    )
    type = forms.ModelChoiceField(
        label="Appointment type",
        queryset=AppointmentType.objects.filter(is_active=True),
        empty_label="Choose a type",
    )
    date = forms.DateField(
        label="From", required=False, widget=DATE_WIDGET, validators=[dates.BOOKING]
    )
    # An id, never a name, travels in the URL; it is carried through to the booking form.
    client = forms.ModelChoiceField(
        queryset=Client.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.visible_to(user)


class WorkingHoursForm(forms.Form):
    weekday = forms.TypedChoiceField(
        choices=[("", "Choose a day"), *WorkingHours.WEEKDAYS], coerce=int
    )
    start_time = forms.TimeField(label="From", widget=TIME_WIDGET)
    end_time = forms.TimeField(label="To", widget=TIME_WIDGET)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and start >= end:
            self.add_error("end_time", "The end must be after the start.")
        return data

    def interval(self) -> Interval:
        data = self.cleaned_data
        return Interval(data["weekday"], data["start_time"], data["end_time"])


class BaseWorkingHoursFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove"

    def kept_forms(self) -> list[WorkingHoursForm]:
        """Filled-in rows not marked for deletion; blank spare rows have no cleaned data."""
        return [
            form
            for form in self.forms
            if form.is_valid() and form.cleaned_data and not self._should_delete_form(form)
        ]

    def clean(self):
        # Checked even when another row has an error, so every problem shows at once.
        kept = self.kept_forms()
        intervals = [form.interval() for form in kept]
        clashes = interval_overlaps(intervals)
        for earlier, later in clashes:
            kept[later].add_error("start_time", f"Overlaps {intervals[earlier]}.")
        if clashes:
            raise forms.ValidationError(
                "Two intervals on the same day overlap. Change or remove one of them."
            )

    def intervals(self) -> list[Interval]:
        return [form.interval() for form in self.kept_forms()]


WorkingHoursFormSet = forms.formset_factory(
    WorkingHoursForm, formset=BaseWorkingHoursFormSet, extra=3, can_delete=True
)


def hours_initial(hours) -> list[dict]:
    return [
        {"weekday": h.weekday, "start_time": h.start_time, "end_time": h.end_time} for h in hours
    ]


class TimeOffForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="From", widget=DATETIME_WIDGET, validators=[dates.TIME_OFF]
    )
    ends_at = forms.DateTimeField(
        label="Until", widget=DATETIME_WIDGET, validators=[dates.TIME_OFF]
    )
    reason = forms.CharField(
        max_length=120, required=False, help_text="Shown to staff only, e.g. Course or Holiday."
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and start >= end:
            self.add_error("ends_at", "The end must be after the start.")
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
        from scheduling.services.appointments import Slot

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


# --- new clients' requests for a first appointment (the public page) and the front desk's answer


class BookingRequestForm(forms.Form):
    """The public page's form. Dates and phone characters follow the registration form's rules
    (clinic/dates.py, clinic/text_limits.py). `website` is a honeypot: hidden from people and
    screen readers, so only a robot fills it in."""

    TIMES = [
        ("weekday mornings", "Weekday mornings"),
        ("weekday afternoons", "Weekday afternoons"),
        ("weekday evenings", "Weekday evenings"),
        ("Saturdays", "Saturdays"),
    ]

    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80)
    date_of_birth = forms.DateField(widget=DateInput(), validators=[dates.BIRTH_DATE])
    email = forms.EmailField(max_length=254, label="E-mail")
    phone = forms.CharField(
        max_length=40,
        required=False,
        label="Phone (optional)",
        validators=[text_limits.phone_characters],
    )
    reason = forms.CharField(
        max_length=200,
        label="Why you would like to come, in a sentence",
        help_text="At most 200 characters. Please keep medical details for your health "
        "history form, which you fill in securely once we have registered you.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    times = forms.MultipleChoiceField(
        choices=TIMES,
        required=False,
        label="Times that suit you",
        widget=forms.CheckboxSelectMultiple,
    )
    times_other = forms.CharField(
        max_length=150, required=False, label="Other times, or times to avoid (optional)"
    )
    website = forms.CharField(required=False, label="Leave this field empty")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update(tabindex="-1", autocomplete="off")
        text_limits.friendly_form_limits(self)

    @property
    def is_robot(self) -> bool:
        return bool(self.data.get("website", "").strip())

    def request_data(self) -> dict:
        """The cleaned data as BookingRequest's fields."""
        data = self.cleaned_data
        times = [label for value, label in self.TIMES if value in data["times"]]
        if data["times_other"]:
            times.append(data["times_other"])
        return {
            **{name: data[name] for name in ("first_name", "last_name", "date_of_birth")},
            "email": data["email"],
            "phone": data["phone"],
            "reason": data["reason"],
            "preferred_times": "; ".join(times),
        }


class BookingRequestApproveForm(forms.Form):
    confirm_not_duplicate = forms.BooleanField(
        required=False,
        label="This is a different person with the same name and date of birth",
    )


class DuplicateChoiceField(forms.ModelChoiceField):
    """Possible duplicates share a name and a birth date: each is told apart by its contacts
    and the day it was registered."""

    def label_from_instance(self, client):
        contact = client.email or client.phone or "no e-mail or phone"
        return f"{client}, {contact}, registered {date_format(client.created_at, 'j M Y')}"


class BookingRequestLinkForm(forms.Form):
    client = DuplicateChoiceField(queryset=Client.objects.none(), widget=forms.RadioSelect)

    def __init__(self, *args, duplicates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = duplicates
        self.fields["client"].label = "The client this request is from"


class BookingRequestDeclineForm(forms.Form):
    message = forms.CharField(
        max_length=500,
        label="Message to the requester",
        help_text="Mailed to the requester as written: no health detail, please.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        text_limits.friendly_form_limits(self)


# --- clients booking online (issue 20) ------------------------------------------------------


def _bounded(label: str, low: int, high: int, unit: str, **kwargs) -> forms.IntegerField:
    """A whole number in [low, high] whose error names the field, the range and the unit."""
    message = f"{label} must be a whole number from {low} to {high} {unit}."
    return forms.IntegerField(
        label=f"{label} ({unit})",
        min_value=low,
        max_value=high,
        error_messages={
            "min_value": message,
            "max_value": message,
            "invalid": message,
            "required": f"Enter {label.lower()} ({low} to {high} {unit}).",
        },
        **kwargs,
    )


class OnlineRulesForm(forms.Form):
    """The admin's online booking rules and, per active type, who may book it online."""

    enabled = forms.BooleanField(
        label="Clients may book and move appointments in the portal",
        required=False,
        help_text="Cancelling in the portal, up to the cancel window below, is always open.",
    )
    min_notice_hours = _bounded(
        "Minimum notice", 0, 720, "hours", help_text="A booking starts at least this long from now."
    )
    horizon_days = _bounded(
        "How far ahead", 1, 366, "days", help_text="A booking starts at most this many days ahead."
    )
    max_upcoming = _bounded(
        "Most upcoming bookings", 1, 20, "appointments", help_text="Per client, at any time."
    )
    choose_therapist = forms.BooleanField(
        label="Clients may choose their therapist (otherwise: whoever is free)", required=False
    )
    cancel_hours = _bounded(
        "Cancel online up to", 0, 720, "hours", help_text="Hours before the appointment."
    )
    move_hours = _bounded(
        "Move online up to", 0, 720, "hours", help_text="Hours before the appointment."
    )
    offer_hours = _bounded(
        "A waitlist offer stays open for",
        1,
        168,
        "hours",
        help_text="How long a client has to claim a freed time offered to them.",
    )

    def __init__(self, *args, types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.types = list(types)
        for appointment_type in self.types:
            self.fields[self.type_field(appointment_type)] = forms.ChoiceField(
                label=f"Who may book “{appointment_type.name}” online",
                choices=AppointmentType.OnlineFor.choices,
                required=False,
                initial=appointment_type.online_for,
            )

    @staticmethod
    def type_field(appointment_type) -> str:
        return f"online_for_{appointment_type.pk.hex}"

    def online_for(self) -> dict:
        return {t: self.cleaned_data[self.type_field(t)] for t in self.types}


class OnlineTimeForm(forms.Form):
    """A time chosen in the portal: the UTC instant the page offered (never a wall-clock
    text, which a daylight saving night makes ambiguous)."""

    start = forms.CharField(
        max_length=40,
        error_messages={
            "required": "Choose one of the times shown.",
            "max_length": "Choose one of the times shown.",
        },
    )

    def clean_start(self):
        import datetime as dt

        try:
            moment = dt.datetime.fromisoformat(self.cleaned_data["start"])
        except ValueError:
            raise forms.ValidationError("Choose one of the times shown.") from None
        if moment.tzinfo is None:
            raise forms.ValidationError("Choose one of the times shown.")
        return moment.astimezone(dt.UTC)


class OnlineBookingForm(OnlineTimeForm):
    type = forms.ModelChoiceField(
        queryset=AppointmentType.objects.filter(is_active=True).exclude(online_for=""),
        error_messages={"invalid_choice": "Choose one of the appointment types shown."},
    )
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.filter(is_active=True),
        required=False,
        error_messages={"invalid_choice": "Choose one of the therapists shown."},
    )
