"""Forms of the calendars, the free-slot finder and the therapist's hours page. They parse
and check input only; the services in `clinic.services.resources` do the writing."""

from __future__ import annotations

from django import forms

from clinic import dates
from clinic.models import AppointmentType, Client, Therapist, WorkingHours
from clinic.services.resources import Interval, interval_overlaps

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
