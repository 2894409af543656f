"""A superbill's content: a client's posted charges over a date range with the CMS-1500 data
elements an insurer needs to reimburse them (issue 18, item 7). Read by documents/ to render
the PDF; nothing here knows about HTML or files.

What is on it, by CMS-1500 box:
- 2, 3, 5: the patient (name, date of birth, address);
- 1, 1a, 4, 7, 11: the insured (payer, member id or the claim number for auto / PIP and
  workers' compensation, subscriber, group number);
- 12, 13: "Signature on file" when the coverage records the client's signature;
- 21: up to four diagnosis codes A-D. Each charge carries its own list (copied from the plan
  when drafted); over a range, the codes are taken in first-seen order (by date of service,
  then by their position on the charge) up to four, and every line's pointers are re-pointed
  to the letters of that merged list. A code past the fourth is left off the lines and named
  in `omitted_diagnoses`, so the superbill says so rather than dropping it silently;
- 24A-24J: the lines (date of service, place of service, CPT, modifiers, pointers as letters,
  units, charge, the rendering provider's NPI);
- 25, 33: the billing provider (the clinic's name, address, EIN, NPI, taxonomy);
- 28, 29: total charges and amount paid (`Charge.objects.with_amounts()`, the one definition).

Only posted charges are listed: a draft is not billed yet, a void never was.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch

from billing.models import Charge, ChargeLine, ClinicBilling, Coverage, PayerType
from billing.models.charges import MAX_DIAGNOSES
from billing.models.money import ZERO
from clinic.models import Client
from intake import diagnoses as icd

LETTERS = "ABCD"


@dataclass(frozen=True)
class Patient:
    name: str
    date_of_birth: dt.date
    address: str


@dataclass(frozen=True)
class Insured:
    payer_type: str  # PayerType value
    payer_type_label: str
    payer_name: str
    subscriber_name: str
    subscriber_relation: str
    member_id: str
    group_number: str
    # Auto / PIP and workers' compensation: the claim number stands for the member id.
    claim_number: str
    date_of_accident: dt.date | None
    date_of_injury: dt.date | None
    employer: str

    @property
    def uses_claim_number(self) -> bool:
        return self.payer_type in (PayerType.AUTO_PIP, PayerType.WORKERS_COMP)

    @property
    def insured_id(self) -> str:
        """Box 1a: the member id, or the claim number for auto / PIP and workers' comp."""
        return self.claim_number if self.uses_claim_number else self.member_id


@dataclass(frozen=True)
class Diagnosis:
    letter: str
    code: str
    description: str


@dataclass(frozen=True)
class Line:
    date_of_service: dt.date
    place_of_service: str
    cpt: str
    description: str
    modifiers: str
    pointers: str  # letters, e.g. "AB"
    units: int
    charge: Decimal
    rendering_name: str
    rendering_npi: str


@dataclass(frozen=True)
class BillingProvider:
    name: str
    address: str
    city: str
    state: str
    postal_code: str
    phone: str
    ein: str
    npi: str
    taxonomy: str
    place_of_service: str


@dataclass(frozen=True)
class Superbill:
    date_from: dt.date
    date_to: dt.date
    patient: Patient
    insured: Insured | None  # None: self-pay, no insurer to name
    diagnoses: list[Diagnosis]
    lines: list[Line]
    total_charges: Decimal
    total_credited: Decimal
    total_paid: Decimal
    balance: Decimal
    billing_provider: BillingProvider | None  # None: the clinic's billing identity is not set
    signature_on_file: bool
    signature_on_file_on: dt.date | None
    omitted_diagnoses: list[str] = field(default_factory=list)

    @property
    def dates_of_service(self) -> list[dt.date]:
        return sorted({line.date_of_service for line in self.lines})


def superbill_data(client: Client, date_from: dt.date, date_to: dt.date) -> Superbill:
    """The superbill of `client`'s posted charges with a date of service in [from, to].
    A fixed number of queries whatever the number of charges."""
    charges = list(
        Charge.objects.filter(
            client=client,
            status=Charge.Status.POSTED,
            date_of_service__gte=date_from,
            date_of_service__lte=date_to,
        )
        .with_amounts()
        .select_related("rendering__user", "rendering__billing_identity", "coverage__payer")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ChargeLine.objects.select_related("billing_code").order_by("position"),
            )
        )
        .order_by("date_of_service", "created_at")
    )
    clinic = ClinicBilling.current()
    place = clinic.place_of_service if clinic else ""
    merged, omitted = merge_diagnoses([charge.diagnoses for charge in charges])
    letter_of = {code: LETTERS[i] for i, (code, _) in enumerate(merged)}
    lines = [
        _line(charge, line, place, letter_of) for charge in charges for line in charge.lines.all()
    ]
    totals = _totals(charges)
    coverage = _coverage(client, charges, date_to)
    return Superbill(
        date_from=date_from,
        date_to=date_to,
        patient=Patient(
            name=f"{client.first_name} {client.last_name}",
            date_of_birth=client.date_of_birth,
            address=client.address,
        ),
        insured=_insured(client, coverage),
        diagnoses=[
            Diagnosis(letter=LETTERS[i], code=code, description=text)
            for i, (code, text) in enumerate(merged)
        ],
        lines=lines,
        billing_provider=billing_provider_of(clinic),
        signature_on_file=bool(coverage and coverage.signature_on_file_on),
        signature_on_file_on=coverage.signature_on_file_on if coverage else None,
        omitted_diagnoses=omitted,
        **totals,
    )


def merge_diagnoses(lists: list[list]) -> tuple[list[tuple[str, str]], list[str]]:
    """The charges' diagnosis lists merged in first-seen order: up to four (code,
    description) pairs, and the codes that did not fit."""
    merged: dict[str, str] = {}
    omitted: list[str] = []
    for entries in lists:
        for code, text in _entries(entries):
            if code in merged or code in omitted:
                continue
            if len(merged) < MAX_DIAGNOSES:
                merged[code] = text or icd.description(code)
            else:
                omitted.append(code)
    return list(merged.items()), omitted


def _entries(entries) -> list[tuple[str, str]]:
    """A charge's `diagnoses` ({"code", "description"} each) as (code, description)."""
    return [(entry["code"], entry.get("description", "")) for entry in entries or []]


def repoint(pointers: str, charge_codes: list[str], letter_of: dict[str, str]) -> str:
    """A line's pointers (positions 1-4 in its charge's list) as letters of the merged list."""
    letters = []
    for digit in pointers or "":
        if not digit.isdigit() or not 1 <= int(digit) <= len(charge_codes):
            continue
        letter = letter_of.get(charge_codes[int(digit) - 1])
        if letter and letter not in letters:
            letters.append(letter)
    return "".join(letters)


def _line(charge: Charge, line: ChargeLine, place: str, letter_of: dict[str, str]) -> Line:
    identity = getattr(charge.rendering, "billing_identity", None)
    codes = [code for code, _ in _entries(charge.diagnoses)]
    return Line(
        date_of_service=charge.date_of_service,
        place_of_service=place,
        cpt=line.cpt,
        description=line.description,
        modifiers=line.modifiers,
        pointers=repoint(line.diagnosis_pointers, codes, letter_of),
        units=line.units,
        charge=line.amount,
        rendering_name=charge.rendering.user.get_full_name(),
        rendering_npi=identity.npi if identity else "",
    )


def _totals(charges: list[Charge]) -> dict:
    def total(name: str) -> Decimal:
        return sum((getattr(charge, name) for charge in charges), ZERO)

    return {
        "total_charges": total("total"),
        "total_credited": total("credited"),
        "total_paid": total("paid"),
        "balance": total("outstanding"),
    }


def _coverage(client: Client, charges: list[Charge], day: dt.date) -> Coverage | None:
    """The coverage the charges were billed to (the first that names one), else the client's
    first coverage current on the range's last day."""
    for charge in charges:
        if charge.coverage_id:
            return charge.coverage
    return (
        Coverage.objects.filter(client=client)
        .current_on(day)
        .select_related("payer")
        .order_by("priority", "starts_on")
        .first()
    )


def _insured(client: Client, coverage: Coverage | None) -> Insured | None:
    if coverage is None or coverage.payer_type == PayerType.SELF_PAY:
        return None
    return Insured(
        payer_type=coverage.payer_type,
        payer_type_label=coverage.get_payer_type_display(),
        payer_name=coverage.payer.name if coverage.payer else "",
        subscriber_name=coverage.subscriber_name or f"{client.first_name} {client.last_name}",
        subscriber_relation=coverage.get_subscriber_relation_display(),
        member_id=coverage.member_id,
        group_number=coverage.group_number,
        claim_number=coverage.claim_number,
        date_of_accident=coverage.date_of_accident,
        date_of_injury=coverage.date_of_injury,
        employer=coverage.employer,
    )


def billing_provider_of(clinic: ClinicBilling | None) -> BillingProvider | None:
    if clinic is None:
        return None
    return BillingProvider(
        name=clinic.legal_name,
        address=clinic.address,
        city=clinic.city,
        state=clinic.state,
        postal_code=clinic.postal_code,
        phone=clinic.phone,
        ein=clinic.ein,
        npi=clinic.npi,
        taxonomy=clinic.taxonomy,
        place_of_service=clinic.place_of_service,
    )


def posted_charge_count(client: Client, date_from: dt.date, date_to: dt.date) -> int:
    """How many posted charges the range holds (a request for an empty range is refused)."""
    return Charge.objects.filter(
        client=client,
        status=Charge.Status.POSTED,
        date_of_service__gte=date_from,
        date_of_service__lte=date_to,
    ).count()
