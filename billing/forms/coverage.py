"""Forms of a client's coverage and its authorizations. They parse and check what a field can
check alone or with its neighbours; the services (billing/services/coverage.py) check again
what depends on other rows (a priority already taken) and write."""

from __future__ import annotations

from django import forms

from billing.models import Authorization, Coverage, Payer, PayerType
from clinic.dates import CALENDAR, DateRange
from clinic.forms import DateInput

# The fields each kind of coverage uses, beyond payer type, priority and dates (the form
# shows them by payer type; the service clears the others).
FIELDS_BY_TYPE = {
    PayerType.SELF_PAY: (),
    PayerType.COMMERCIAL: (
        "payer",
        "member_id",
        "group_number",
        "subscriber_name",
        "subscriber_relation",
        "subscriber_date_of_birth",
    ),
    PayerType.AUTO_PIP: (
        "payer",
        "claim_number",
        "date_of_accident",
        "adjuster_name",
        "adjuster_phone",
    ),
    PayerType.WORKERS_COMP: (
        "payer",
        "claim_number",
        "employer",
        "date_of_injury",
        "case_manager",
    ),
}
TYPED_FIELDS = sorted({name for names in FIELDS_BY_TYPE.values() for name in names})
COMMON_FIELDS = ("payer_type", "priority", "starts_on", "ends_on", "signature_on_file_on")

ACCIDENT = DateRange(
    "The date of accident", years_back=30, too_late="The date of accident cannot be in the future."
)
INJURY = DateRange(
    "The date of injury", years_back=30, too_late="The date of injury cannot be in the future."
)
SUBSCRIBER_BIRTH = DateRange(
    "The subscriber's date of birth",
    years_back=120,
    too_late="The subscriber's date of birth cannot be in the future.",
)
SIGNATURE = DateRange(
    "The signature date", years_back=30, too_late="The signature date cannot be in the future."
)
REQUIRED = {
    "member_id": (
        {PayerType.COMMERCIAL},
        "The member id is required for commercial insurance (it is on the insurance card).",
    ),
    "claim_number": (
        {PayerType.AUTO_PIP, PayerType.WORKERS_COMP},
        "The claim number is required for auto / PIP and workers' compensation.",
    ),
    "date_of_accident": ({PayerType.AUTO_PIP}, "The date of accident is required for auto / PIP."),
    "date_of_injury": (
        {PayerType.WORKERS_COMP},
        "The date of injury is required for workers' compensation.",
    ),
}


class CoverageForm(forms.ModelForm):
    class Meta:
        model = Coverage
        fields = [*COMMON_FIELDS, *TYPED_FIELDS]
        widgets = {
            name: DateInput(format="%Y-%m-%d")
            for name in (
                "starts_on",
                "ends_on",
                "subscriber_date_of_birth",
                "date_of_accident",
                "date_of_injury",
                "signature_on_file_on",
            )
        }
        labels = {
            "payer_type": "Who pays",
            "priority": "Billed in order",
            "starts_on": "Covered from",
            "ends_on": "Covered until",
            "member_id": "Member id",
            "subscriber_name": "Subscriber's name",
            "subscriber_relation": "Client's relation to the subscriber",
            "subscriber_date_of_birth": "Subscriber's date of birth",
            "signature_on_file_on": "Signature on file since",
        }
        help_texts = {
            "priority": "1 is billed first, then 2 (e.g. auto / PIP before commercial).",
            "ends_on": "Leave empty while the coverage lasts.",
            "signature_on_file_on": "The client's signed release and assignment of benefits "
            "(CMS-1500 boxes 12 and 13).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        payers = Payer.objects.filter(is_active=True)
        if self.instance.payer_id:  # an inactive payer stays choosable on its coverage
            payers = Payer.objects.filter(is_active=True) | Payer.objects.filter(
                pk=self.instance.payer_id
            )
        self.fields["payer"].queryset = payers.order_by("name")
        self.fields["payer"].empty_label = "Choose the payer"
        self.fields["payer_type"].choices = PayerType.choices
        for name, validator in (
            ("starts_on", CALENDAR),
            ("ends_on", CALENDAR),
            ("date_of_accident", ACCIDENT),
            ("date_of_injury", INJURY),
            ("subscriber_date_of_birth", SUBSCRIBER_BIRTH),
            ("signature_on_file_on", SIGNATURE),
        ):
            self.fields[name].validators.append(validator)
        for name in TYPED_FIELDS:
            self.fields[name].required = False
        self.fields["subscriber_relation"].required = False

    def clean_subscriber_relation(self):
        return self.cleaned_data.get("subscriber_relation") or Coverage.Relation.SELF

    def clean(self):
        data = super().clean()
        kind = data.get("payer_type")
        if kind is None:
            return data
        payer = data.get("payer")
        if kind == PayerType.SELF_PAY:
            data["payer"] = None  # a payer chosen before switching to self-pay is dropped
        elif payer is None and "payer" not in self.errors:
            self.add_error("payer", "Choose who pays for this coverage.")
        elif payer is not None and payer.kind != kind:
            self.add_error(
                "payer",
                f"{payer} is a {payer.get_kind_display().lower()} payer, not "
                f"{PayerType(kind).label.lower()}: choose a matching payer or change who pays.",
            )
        for name, (kinds, message) in REQUIRED.items():
            if kind in kinds and not data.get(name) and name not in self.errors:
                self.add_error(name, message)
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The coverage cannot end before it starts.")
        return data

    def coverage_data(self) -> dict:
        """The cleaned values, the fields other kinds use left empty."""
        data = self.cleaned_data
        kind = data["payer_type"]
        kept = set(COMMON_FIELDS) | set(FIELDS_BY_TYPE[kind])
        model_blank = {
            name: (None if Coverage._meta.get_field(name).null else "") for name in TYPED_FIELDS
        }
        model_blank["subscriber_relation"] = Coverage.Relation.SELF
        return {
            name: data.get(name) if name in kept else model_blank.get(name)
            for name in (*COMMON_FIELDS, *TYPED_FIELDS)
        }


class CoverageEndForm(forms.Form):
    ends_on = forms.DateField(
        label="Last day covered", widget=DateInput(format="%Y-%m-%d"), validators=[CALENDAR]
    )


class AuthorizationForm(forms.ModelForm):
    class Meta:
        model = Authorization
        fields = ["number", "visits_approved", "starts_on", "ends_on", "note"]
        widgets = {
            "starts_on": DateInput(format="%Y-%m-%d"),
            "ends_on": DateInput(format="%Y-%m-%d"),
        }
        labels = {
            "number": "Authorization number",
            "visits_approved": "Visits approved",
            "starts_on": "Approved from",
            "ends_on": "Approved until",
        }

    def __init__(self, *args, coverage, **kwargs):
        super().__init__(*args, **kwargs)
        self.coverage = coverage
        self.fields["starts_on"].validators.append(CALENDAR)
        self.fields["ends_on"].validators.append(CALENDAR)

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        taken = Authorization.objects.filter(coverage=self.coverage, number__iexact=number)
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if number and taken.exists():
            raise forms.ValidationError(f"This coverage already has authorization {number}.")
        return number

    def validate_unique(self):
        # The coverage is not a form field: the number's uniqueness is checked in clean_number.
        pass

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "The authorization cannot end before it starts.")
        return data

    def authorization_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
