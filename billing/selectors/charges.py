"""Reads of charges for their pages (issue 18, item 5): the billing worklist, one charge with
its lines, edits and credit notes, the remarks a biller reads before posting, the therapist's
own codes, and the no-shows that may carry a fee.

Remarks are not stored: they are recomputed from the charge and its note each time
(`charge_remarks`), so a fixed diagnosis or an edited line makes its remark go away."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate

from billing import drafting
from billing.models import Charge, ChargeLine, ChargeLineEdit, Coverage, CreditNote, PayerType
from clinic.clinic_time import clinic_tz
from clinic.permissions import Can
from scheduling.models import Appointment
from sessions_log.models import TechniqueApplied

NOTE_TECHNIQUES = Prefetch(
    "note__techniques",
    queryset=TechniqueApplied.objects.select_related("technique__billing_code_link__billing_code"),
)
LINES = Prefetch(
    "lines", queryset=ChargeLine.objects.select_related("billing_code").order_by("position")
)


def _technique(row: TechniqueApplied) -> tuple[drafting.Technique, drafting.Code | None]:
    link = getattr(row.technique, "billing_code_link", None)
    code = link.billing_code if link is not None else None
    technique = drafting.Technique(
        name=row.technique.name, code=code.code if code else None, minutes=row.minutes
    )
    info = (
        drafting.Code(code.code, code.description, code.is_timed, code.self_pay_fee)
        if code
        else None
    )
    return technique, info


def charge_remarks(charge: Charge) -> list[str]:
    """What a biller should read before posting: techniques that bill as no code, timed codes
    whose minutes made no unit, a missing diagnosis, no line at all. Uses prefetched
    `note__techniques` and `lines` when the caller has them (the worklist)."""
    remarks: list[str] = []
    if charge.kind != Charge.Kind.VISIT:
        return remarks
    if charge.note_id:
        pairs = [_technique(row) for row in charge.note.techniques.all()]
        techniques = [technique for technique, _ in pairs]
        codes = {info.code: info for _, info in pairs if info is not None}
        remarks += drafting.uncoded_remarks(techniques)
        remarks += drafting.dropped_remarks(techniques, codes=codes, rule=charge.unit_rule)
    if not charge.diagnoses:
        remarks.append(drafting.NO_DIAGNOSIS)
    if not list(charge.lines.all()):
        remarks.append(drafting.NO_LINES)
    return remarks


# --- the worklist ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorklistFilter:
    status: str = Charge.Status.DRAFT
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    payer_type: str = ""


def worklist(user, wanted: WorklistFilter) -> QuerySet:
    """Charges for billing staff, filtered; each with its amounts, and what its remarks need,
    in a fixed number of queries whatever the number of rows."""
    charges = Charge.objects.visible_to(user).filter(status=wanted.status)
    if wanted.date_from:
        charges = charges.filter(date_of_service__gte=wanted.date_from)
    if wanted.date_to:
        charges = charges.filter(date_of_service__lte=wanted.date_to)
    if wanted.payer_type:
        charges = charges.filter(payer_type=wanted.payer_type)
    return (
        charges.with_amounts()
        .select_related("client", "rendering__user", "coverage__payer", "note")
        .prefetch_related(LINES, NOTE_TECHNIQUES)
        .order_by("date_of_service", "created_at")
    )


def with_remarks(charges) -> list[Charge]:
    rows = list(charges)
    for charge in rows:
        charge.remarks = charge_remarks(charge)
    return rows


# --- one charge --------------------------------------------------------------------------------


def charge_for_page(user, charge_id) -> QuerySet:
    """The queryset a charge page takes its charge from (`get_object_or_404`)."""
    return (
        Charge.objects.visible_to(user)
        .with_amounts()
        .select_related(
            "client",
            "rendering__user",
            "coverage__payer",
            "authorization",
            "package",
            "note",
            "posted_by",
            "voided_by",
        )
        .prefetch_related(NOTE_TECHNIQUES)
    )


def charge_detail(user, charge: Charge) -> dict:
    lines = list(
        ChargeLine.objects.visible_to(user)
        .filter(charge=charge)
        .with_amounts()
        .select_related("billing_code")
        .order_by("position")
    )
    for line in lines:
        line.pointed = [
            charge.diagnoses[int(p) - 1]["code"]
            for p in line.diagnosis_pointers
            if p.isdigit() and 0 < int(p) <= len(charge.diagnoses)
        ]
    bills = Can(user).bill
    successor = _live_charge_of_visit(charge) if charge.status == Charge.Status.VOID else None
    return {
        "charge": charge,
        "lines": lines,
        "diagnoses": list(enumerate(charge.diagnoses, start=1)),
        "remarks": charge_remarks(charge),
        "edits": list(
            ChargeLineEdit.objects.filter(line__charge=charge)
            .select_related("line", "edited_by")
            .order_by("edited_at")
        )
        if bills
        else [],
        "credit_notes": list(
            CreditNote.objects.visible_to(user)
            .filter(charge=charge)
            .select_related("line", "created_by")
        )
        if bills
        else [],
        "replaced_by": successor,
        # A void visit charge with a note, whose visit no live charge bills: offer to draft
        # it again (billing/services/charges.py `charge_redraft` checks the same).
        "redraft": bills
        and charge.status == Charge.Status.VOID
        and charge.kind == Charge.Kind.VISIT
        and charge.note_id is not None
        and successor is None,
    }


def _live_charge_of_visit(charge: Charge) -> Charge | None:
    """The charge that now bills the voided charge's visit, if any."""
    if charge.appointment_id is None:
        return None
    return (
        Charge.objects.live()
        .filter(appointment_id=charge.appointment_id, kind=charge.kind)
        .only("pk", "status")
        .first()
    )


# --- the therapist's own codes -----------------------------------------------------------------


def my_charges(user) -> QuerySet:
    """The charges drafted from the therapist's own notes (any status): codes, minutes and
    units; no money."""
    return (
        Charge.objects.visible_to(user)
        .filter(rendering__user=user, kind=Charge.Kind.VISIT)
        .select_related("client")
        .prefetch_related(LINES)
        .order_by("-date_of_service", "-created_at")
    )


# --- no-shows ----------------------------------------------------------------------------------


def no_shows_for_fee(user) -> QuerySet:
    """No-show appointments of clients paying themselves that day (a self-pay coverage or none),
    with no live no-show charge. Billing staff only: appointments are otherwise read through
    the schedule's own rule, which leaves billing staff out, so the role is checked here."""
    if not Can(user).bill:
        return Appointment.objects.none()
    # The coverage billed first on the day of the appointment (the clinic's calendar day).
    first = (
        Coverage.objects.filter(client=OuterRef("client"), starts_on__lte=OuterRef("day"))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("day")))
        .order_by("priority", "starts_on")
        .values("payer_type")[:1]
    )
    charged = Charge.objects.live().filter(appointment=OuterRef("pk"), kind=Charge.Kind.NO_SHOW)
    return (
        Appointment.objects.filter(status=Appointment.Status.NO_SHOW)
        .annotate(day=TruncDate("starts_at", tzinfo=clinic_tz()))
        .annotate(payer_type=Subquery(first))
        .filter(Q(payer_type__isnull=True) | Q(payer_type=PayerType.SELF_PAY))
        .exclude(Exists(charged))
        .select_related("client", "therapist__user", "appointment_type")
        .order_by("-starts_at")
    )


def on_days(no_shows: QuerySet, date_from, date_to) -> QuerySet:
    """`no_shows_for_fee` narrowed to the clinic's calendar days from `date_from` to `date_to`
    (either may be None: open)."""
    if date_from:
        no_shows = no_shows.filter(day__gte=date_from)
    if date_to:
        no_shows = no_shows.filter(day__lte=date_to)
    return no_shows


def appointments_for_billing(user) -> QuerySet:
    """Any appointment, for billing staff acting on one (a no-show's fee): the service says
    why one does not qualify, rather than a bare 404."""
    if not Can(user).bill:
        return Appointment.objects.none()
    return Appointment.objects.select_related("client")
