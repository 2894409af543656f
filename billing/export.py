"""The export for the billing service (issue 18, item 8): one CSV line per posted charge line
with a date of service in a range.

Columns (HEADER): the client's UUID (never a name: the billing service matches it to its own
record); `payer_type` as PayerType stores it; `payer` the payer's name (empty for self-pay);
`claim_number` what the payer files the claim under: the claim number for auto / PIP and
workers' compensation, the member id for commercial insurance, empty for self-pay;
`modifiers` as stored (space-separated); `timed_minutes` empty for untimed codes and fees;
`unit_rule` the charge's (cms / per_code); `icd10` the charge's diagnoses the line points to,
in pointer order, joined by `;`; `charge` the line's amount (two places); `rendering_npi` the
rendering therapist's NPI; `billing_npi` the clinic's.

Rows are read in one query (select_related down to the payer and the therapist's NPI) and
written as they are read, so a year of lines costs the same few queries as a day's.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator

from billing.models import Charge, ChargeLine, ClinicBilling, PayerType, TherapistBilling

HEADER = [
    "date_of_service",
    "client_id",
    "payer_type",
    "payer",
    "claim_number",
    "cpt",
    "modifiers",
    "timed_minutes",
    "units",
    "unit_rule",
    "icd10",
    "charge",
    "rendering_npi",
    "billing_npi",
]

# A spreadsheet opening the file runs a cell that starts with one of these as a formula
# (=HYPERLINK(...) sending the neighbouring cells away, or DDE running a command); tab and
# carriage return are read past by some. Text cells the clinic's users typed (payer names,
# claim and member numbers, modifiers) get a leading apostrophe so they stay text (OWASP,
# "CSV injection"). Numbers and dates are written by this module and never start with one.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CHUNK = 500

# The columns `row` reads, and no other: a line brings six related rows, and loading each
# one's every field (timestamps parsed in Python, a coverage's dozen text fields) cost the
# export more than twice its time (bench/billing.py). Reading a field left out here would be
# one more query per line; test_export's query-count tests catch it.
ROW_FIELDS = (
    "modifiers",
    "timed_minutes",
    "units",
    "amount",
    "diagnosis_pointers",
    "billing_code__code",
    "billing_code__kind",
    "charge__date_of_service",
    "charge__client_id",
    "charge__payer_type",
    "charge__unit_rule",
    "charge__diagnoses",
    "charge__coverage__member_id",
    "charge__coverage__claim_number",
    "charge__coverage__payer__name",
    "charge__rendering__billing_identity__npi",
)


def safe_text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def export_lines(user, *, start: dt.date, end: dt.date):
    """The posted charge lines with a date of service in [start, end], oldest first."""
    return (
        ChargeLine.objects.visible_to(user)
        .filter(
            charge__status=Charge.Status.POSTED,
            charge__date_of_service__gte=start,
            charge__date_of_service__lte=end,
        )
        .select_related(
            "billing_code",
            "charge__coverage__payer",
            "charge__rendering__billing_identity",
        )
        .only(*ROW_FIELDS)
        .order_by("charge__date_of_service", "charge__created_at", "charge_id", "position")
    )


def claim_number(charge: Charge) -> str:
    coverage = charge.coverage
    if coverage is None or charge.payer_type == PayerType.SELF_PAY:
        return ""
    if charge.payer_type == PayerType.COMMERCIAL:
        return coverage.member_id
    return coverage.claim_number


def icd10(line: ChargeLine) -> str:
    """The codes of the charge's diagnoses the line points to ("12" -> first and second)."""
    return ";".join(line.charge.pointed_codes(line.diagnosis_pointers))


def _rendering_npi(charge: Charge) -> str:
    try:
        return charge.rendering.billing_identity.npi
    except TherapistBilling.DoesNotExist:
        return ""


def row(line: ChargeLine, *, billing_npi: str) -> list[str]:
    charge, code = line.charge, line.billing_code
    timed = code is not None and code.is_timed and line.timed_minutes is not None
    coverage = charge.coverage
    payer = coverage.payer.name if coverage and coverage.payer else ""
    return [
        charge.date_of_service.isoformat(),
        str(charge.client_id),
        charge.payer_type,
        safe_text(payer if charge.payer_type != PayerType.SELF_PAY else ""),
        safe_text(claim_number(charge)),
        code.code if code else "",
        safe_text(line.modifiers),
        str(line.timed_minutes) if timed else "",
        str(line.units),
        charge.unit_rule,
        safe_text(icd10(line)),
        f"{line.amount:.2f}",
        _rendering_npi(charge),
        billing_npi,
    ]


class _Echo:
    """A file that hands back what is written, so csv.writer makes one line at a time."""

    def write(self, value: str) -> str:
        return value


def csv_lines(user, *, start: dt.date, end: dt.date) -> Iterator[str]:
    """The file, header first, one text line at a time (for a streamed response)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    clinic = ClinicBilling.current()
    billing_npi = clinic.npi if clinic else ""
    for line in export_lines(user, start=start, end=end).iterator(chunk_size=CHUNK):
        yield writer.writerow(row(line, billing_npi=billing_npi))
