"""The date fields of the export and the reports (issue 18). They only parse and check: a
missing or impossible date, a range that ends before it starts, or an export longer than a
year is a message at its field, never a 500."""

from __future__ import annotations

import datetime as dt

from django import forms

from clinic.clinic_time import today
from clinic.dates import DateRange
from clinic.forms import DateInput

# Dates of service worth asking about: far-off years would only break date arithmetic.
SERVICE_DATE = DateRange("A date of service", years_back=30, years_ahead=1)
# The billing service takes at most a year (a leap year's 366 days) in one file.
MAX_EXPORT_DAYS = 366


def _date_field(label: str, *, required: bool) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(attrs={"class": "form-control"}, format="%Y-%m-%d"),
        validators=[SERVICE_DATE],
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": f"Enter the {label.lower()} (YYYY-MM-DD).",
            "invalid": "Enter a real date as YYYY-MM-DD.",
        },
    )


class DateRangeForm(forms.Form):
    """`from` and `to` (inclusive), as the URL names them: `from` is a Python keyword, so the
    fields are added by name rather than declared."""

    required = True
    max_days: int | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from"] = _date_field("First date", required=self.required)
        self.fields["to"] = _date_field("Last date", required=self.required)

    def clean(self):
        data = super().clean()
        start, end = self.defaulted(data.get("from"), data.get("to"))
        if start and end:
            if start > end:
                self.add_error("to", "The last date is before the first date.")
            elif self.max_days and (end - start).days + 1 > self.max_days:
                self.add_error(
                    "to",
                    f"At most {self.max_days} days in one export; this range has "
                    f"{(end - start).days + 1}. Export it in parts.",
                )
        return data

    def defaulted(self, start, end) -> tuple[dt.date | None, dt.date | None]:
        return start, end

    def range(self) -> tuple[dt.date, dt.date]:
        return self.defaulted(self.cleaned_data.get("from"), self.cleaned_data.get("to"))


class ExportForm(DateRangeForm):
    max_days = MAX_EXPORT_DAYS


class RevenueRangeForm(DateRangeForm):
    """Optional: an empty field means this year's first or last day."""

    required = False

    def defaulted(self, start, end):
        year = today().year
        if "from" in self.errors or "to" in self.errors:
            return start, end
        return start or dt.date(year, 1, 1), end or dt.date(year, 12, 31)


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label="Aging as of",
        required=False,
        widget=DateInput(attrs={"class": "form-control"}, format="%Y-%m-%d"),
        validators=[SERVICE_DATE],
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter a real date as YYYY-MM-DD."},
    )

    def day(self) -> dt.date:
        return self.cleaned_data.get("as_of") or today()
