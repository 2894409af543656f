"""Writes of charges (issue 18, item 5): the draft a signed note makes, a biller's edits (each
with its reason), posting, voiding, credit notes, and the no-show fee.

No note, no charge: `charge_draft` (called when a note is signed, inside the signing
transaction) is the only maker of visit charges. Posted charges never change; they are
corrected by a void (the whole charge) or a credit note (part of a line)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Length
from django.utils import timezone

from billing import drafting
from billing.models import (
    AppointmentTypeFee,
    BillingCode,
    Charge,
    ChargeLine,
    ChargeLineEdit,
    ClinicBilling,
    CreditNote,
    Modifier,
    Package,
    PackageUse,
    PayerFee,
    PayerType,
    PaymentAllocation,
    TechniqueBillingCode,
    TherapistBilling,
    UnitRule,
)
from billing.models.money import ZERO, cents
from billing.selectors.authorizations import authorization_of, current_coverage
from clinic import audit
from clinic.clinic_time import local, today
from clinic.permissions import Can
from intake.diagnoses import description as icd_description
from scheduling.models import Appointment
from sessions_log.models import SessionNote
from treatment_plans.contraindications import current_history

POSTED_IS_FINAL = "A posted charge cannot change: void it or issue a credit note"
VOID_IS_FINAL = "A void charge cannot change."
NO_NPI = "Add the therapist's NPI on the billing identity page first"
NO_CLINIC_BILLING = "Add the clinic's billing identity (EIN, NPI, address) first"
UNITS_WITHOUT_MINUTES = "Units without minutes: a timed code needs the note's minutes"
SELF_PAY_ONLY = "A no-show fee is charged to self-pay clients only"
NO_SHOW_FEE_ZERO = "The clinic's no-show fee is 0: set it on the billing identity page first"
MAX_MODIFIERS = 4
NUMBER_TRIES = 5


def _require_bill(actor) -> None:
    if not Can(actor).bill:
        raise PermissionDenied("Only billing staff change charges.")


def service_day(appointment: Appointment) -> dt.date:
    """The date of service: the clinic's calendar day the appointment started on."""
    return local(appointment.starts_at).date()


# --- drafting from a signed note ---------------------------------------------------------------


def note_techniques(note: SessionNote) -> list[drafting.Technique]:
    rows = note.techniques.select_related("technique__billing_code_link__billing_code")
    return [
        drafting.Technique(
            name=row.technique.name,
            code=_code_of(row.technique),
            minutes=row.minutes,
        )
        for row in rows
    ]


def _code_of(technique) -> str | None:
    try:
        return technique.billing_code_link.billing_code.code
    except TechniqueBillingCode.DoesNotExist:
        return None


def note_diagnoses(note: SessionNote) -> list[dict]:
    """The plan's diagnoses in order (at most four), else the health history's ICD-10 code."""
    if note.plan_version_id:
        rows = note.plan_version.plan.diagnoses.order_by("position")[: drafting.MAX_DIAGNOSES]
        found = [{"code": d.code, "description": d.description} for d in rows]
        if found:
            return found
    history = current_history(note.client)
    if history is not None and history.icd10_code:
        code = history.icd10_code.upper()
        return [{"code": code, "description": icd_description(code)}]
    return []


def _codes_for(techniques, payer) -> dict[str, drafting.Code]:
    wanted = {t.code for t in techniques if t.code}
    rows = BillingCode.objects.filter(code__in=wanted)
    payer_fees = {}
    if payer is not None:
        payer_fees = dict(
            PayerFee.objects.filter(payer=payer, billing_code__in=rows).values_list(
                "billing_code__code", "fee"
            )
        )
    return {
        row.code: drafting.Code(
            code=row.code,
            description=row.description,
            timed=row.is_timed,
            fee=payer_fees.get(row.code, row.self_pay_fee),
        )
        for row in rows
    }


def _flat_fee(appointment: Appointment) -> Decimal | None:
    row = AppointmentTypeFee.objects.filter(appointment_type_id=appointment.appointment_type_id)
    return row.values_list("fee", flat=True).first()


def package_for(client, appointment: Appointment, day: dt.date) -> Package | None:
    """A package with a visit left that pays for this visit, locked: one of the appointment's
    type first, then one for any type; the one expiring first, then the oldest."""
    candidates = (
        Package.objects.filter(client=client)
        .filter(Q(appointment_type=appointment.appointment_type_id) | Q(appointment_type=None))
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
        .annotate(used=Count("uses"))
        .filter(used__lt=F("visits"))
        .order_by(
            F("appointment_type").asc(nulls_last=True),
            F("expires_on").asc(nulls_last=True),
            "purchased_on",
            "created_at",
        )
    )
    for package in candidates:
        # Lock it and count again: two signatures at once cannot take its last visit twice.
        locked = Package.objects.select_for_update().get(pk=package.pk)
        if locked.uses.count() < locked.visits:
            return locked
    return None


def _package_of(appointment: Appointment, day: dt.date) -> Package | None:
    """The package already used for this visit, else one with a visit left."""
    use = PackageUse.objects.filter(appointment=appointment).select_related("package").first()
    return use.package if use else package_for(appointment.client, appointment, day)


@transaction.atomic
def charge_draft(*, actor, note: SessionNote) -> Charge:
    """Draft the visit charge of a signed note (once: a second call returns the first)."""
    if not note.is_signed or note.therapist_id != actor.pk:
        raise PermissionDenied("A charge is drafted from its author's signed note only.")
    return _draft_from(note, actor=actor, said="charge drafted from the signed note")


@transaction.atomic
def charge_redraft(*, actor, charge: Charge) -> Charge:
    """Draft a voided visit charge again from its signed note, as it would be drafted today
    (coverage, fees and diagnoses now). Billing staff only; refused while the visit has a
    live charge (a second call returns that one's problem, never a second charge)."""
    if not Can(actor).bill:
        raise PermissionDenied("Only billing staff draft a charge again.")
    charge = _lock_charge(charge)
    if charge.status != Charge.Status.VOID or charge.kind != Charge.Kind.VISIT:
        raise ValidationError("Only a void visit charge can be drafted again.")
    if charge.note_id is None or not charge.note.is_signed:
        raise ValidationError("This charge has no signed note to draft from.")
    live = Charge.objects.live().filter(appointment_id=charge.appointment_id, kind=charge.kind)
    if live.exists():
        raise ValidationError("This visit already has a charge that is not void.")
    return _draft_from(
        charge.note, actor=actor, said=f"charge drafted again from the note, after void {charge.pk}"
    )


def _draft_from(note: SessionNote, *, actor, said: str) -> Charge:
    appointment = Appointment.objects.select_related("client").get(pk=note.appointment_id)
    existing = Charge.objects.live().filter(appointment=appointment, kind=Charge.Kind.VISIT)
    if existing.exists():
        return existing.get()
    day = service_day(appointment)
    coverage = current_coverage(appointment.client, day)
    payer = coverage.payer if coverage else None
    payer_type = coverage.payer_type if coverage else PayerType.SELF_PAY
    rule = payer.unit_rule if payer else UnitRule.CMS
    techniques = note_techniques(note)
    diagnoses = note_diagnoses(note)
    self_pay = payer_type == PayerType.SELF_PAY
    planned = drafting.draft(
        techniques,
        codes=_codes_for(techniques, payer),
        rule=rule,
        commercial=payer_type == PayerType.COMMERCIAL,
        diagnoses=len(diagnoses),
        flat_fee=_flat_fee(appointment) if self_pay else None,
    )
    package = _package_of(appointment, day) if self_pay else None
    try:
        with transaction.atomic():
            charge = Charge.objects.create(
                client=appointment.client,
                appointment=appointment,
                note=note,
                kind=Charge.Kind.VISIT,
                rendering_id=appointment.therapist_id,
                date_of_service=day,
                payer_type=payer_type,
                coverage=coverage,
                authorization=authorization_of(coverage, day),
                package=package,
                unit_rule=rule,
                diagnoses=diagnoses,
            )
    except IntegrityError:  # drafted meanwhile (charge_once_per_appointment)
        return existing.get()
    codes = {
        c.code: c for c in BillingCode.objects.filter(code__in=[x.code for x in planned.lines])
    }
    ChargeLine.objects.bulk_create(
        ChargeLine(
            charge=charge,
            billing_code=codes[line.code],
            description=line.description[:200],
            modifiers=" ".join(line.modifiers),
            timed_minutes=line.timed_minutes,
            units=line.units,
            unit_fee=line.unit_fee,
            amount=line.amount,
            diagnosis_pointers=line.diagnosis_pointers,
            position=position,
        )
        for position, line in enumerate(planned.lines, start=1)
    )
    if package is not None:
        PackageUse.objects.get_or_create(appointment=appointment, defaults={"package": package})
    audit.record(
        actor=actor,
        action="create",
        client=appointment.client,
        target=charge,
        detail=f"{said} ({len(planned.lines)} lines)",
    )
    return charge


# --- a biller's edits --------------------------------------------------------------------------


def _lock_charge(charge: Charge) -> Charge:
    return Charge.objects.select_for_update().get(pk=charge.pk)


def _require_draft(charge: Charge) -> None:
    if charge.status == Charge.Status.POSTED:
        raise ValidationError(POSTED_IS_FINAL)
    if charge.status == Charge.Status.VOID:
        raise ValidationError(VOID_IS_FINAL)


def parse_modifiers(text: str) -> list[str]:
    """'gp, 59' -> ['GP', '59']; each must exist, at most four, none twice."""
    found = [part for part in text.replace(",", " ").upper().split() if part]
    if len(found) > MAX_MODIFIERS:
        raise ValidationError({"modifiers": f"At most {MAX_MODIFIERS} modifiers on a line."})
    if len(set(found)) != len(found):
        raise ValidationError({"modifiers": "A modifier is listed twice."})
    known = set(Modifier.objects.filter(code__in=found).values_list("code", flat=True))
    unknown = [m for m in found if m not in known]
    if unknown:
        raise ValidationError(
            {"modifiers": f"Unknown modifier: {', '.join(unknown)} (the admin adds modifiers)."}
        )
    return found


def check_pointers(pointers: str, diagnoses: list) -> str:
    if not pointers:
        raise ValidationError({"diagnosis_pointers": "Point to at least one diagnosis (e.g. 1)."})
    if len(set(pointers)) != len(pointers):
        raise ValidationError({"diagnosis_pointers": "A diagnosis is pointed to twice."})
    bad = [p for p in pointers if not p.isdigit() or not 1 <= int(p) <= len(diagnoses)]
    if bad:
        have = f"1-{len(diagnoses)}" if diagnoses else "none yet"
        raise ValidationError(
            {"diagnosis_pointers": f"No diagnosis {', '.join(bad)} on this charge ({have})."}
        )
    return pointers


EDITED = ("billing_code", "modifiers", "units", "unit_fee", "diagnosis_pointers")


def _shown(field: str, value) -> str:
    if field == "billing_code":
        return value.code if value else ""
    return "" if value is None else str(value)


@transaction.atomic
def charge_line_edit(
    *,
    actor,
    line: ChargeLine,
    reason: str,
    billing_code: BillingCode | None,
    modifiers: str,
    units: int,
    unit_fee: Decimal,
    diagnosis_pointers: str,
) -> list[ChargeLineEdit]:
    """Change a draft's line; each changed field is kept with its before, after and reason."""
    _require_bill(actor)
    charge = _lock_charge(line.charge)
    _require_draft(charge)
    line = ChargeLine.objects.select_related("billing_code").get(pk=line.pk, charge=charge)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the line changes: the reason is kept."})
    if billing_code is None and line.billing_code_id:
        raise ValidationError({"billing_code": "Choose a code."})
    if billing_code is not None and not billing_code.is_active:
        raise ValidationError({"billing_code": f"{billing_code.code} is no longer billed."})
    if units is None or units < 1:
        raise ValidationError({"units": "At least 1 unit."})
    if billing_code is not None and billing_code.is_timed and not line.timed_minutes:
        raise ValidationError({"units": UNITS_WITHOUT_MINUTES})
    if unit_fee is None or unit_fee < ZERO:
        raise ValidationError({"unit_fee": "A fee cannot be negative."})
    new = {
        "billing_code": billing_code,
        "modifiers": " ".join(parse_modifiers(modifiers)),
        "units": units,
        "unit_fee": cents(unit_fee),
        # A fee line (no code) and a charge still without diagnoses may point to none.
        "diagnosis_pointers": check_pointers(diagnosis_pointers, charge.diagnoses)
        if diagnosis_pointers or (line.billing_code_id and charge.diagnoses)
        else "",
    }
    edits = []
    for field in EDITED:
        before, after = getattr(line, field), new[field]
        if _shown(field, before) == _shown(field, after):
            continue
        edits.append(
            ChargeLineEdit(
                line=line,
                field=field,
                before=_shown(field, before)[:200],
                after=_shown(field, after)[:200],
                reason=reason[:300],
                edited_by=actor,
            )
        )
        setattr(line, field, after)
    if not edits:
        raise ValidationError("Nothing changed on the line.")
    if new["billing_code"] is not None and "billing_code" in {e.field for e in edits}:
        line.description = new["billing_code"].description[:200]
    line.amount = cents(line.units * line.unit_fee)
    line.save()
    ChargeLineEdit.objects.bulk_create(edits)
    changed = ", ".join(f"{e.field} {e.before or '-'} -> {e.after or '-'}" for e in edits)
    audit.record(
        actor=actor,
        action="update",
        client=charge.client,
        target=charge,
        detail=f"charge line {line.position}: {changed}; reason: {reason}",
    )
    return edits


# --- post, void, credit ------------------------------------------------------------------------


def _diagnoses_now(charge: Charge) -> list[dict]:
    """The charge's diagnoses, or, while it has none, those its note's plan has now (the
    remark asks the therapist to add them to the plan; posting then takes them)."""
    if charge.diagnoses or charge.kind != Charge.Kind.VISIT or charge.note_id is None:
        return charge.diagnoses
    return note_diagnoses(charge.note)


def post_problems(charge: Charge) -> list[str]:
    """Why the charge cannot be posted yet (empty: it can)."""
    problems = []
    if charge.kind == Charge.Kind.VISIT and not _diagnoses_now(charge):
        problems.append(drafting.NO_DIAGNOSIS)
    if not charge.lines.exists():
        problems.append("A charge without lines cannot be posted: void it instead.")
    claimed = charge.kind == Charge.Kind.VISIT  # a no-show fee is never on a claim
    if claimed and not TherapistBilling.objects.filter(therapist_id=charge.rendering_id).exists():
        problems.append(NO_NPI)
    if ClinicBilling.current() is None:
        problems.append(NO_CLINIC_BILLING)
    return problems


@transaction.atomic
def charge_post(*, actor, charge: Charge) -> Charge:
    _require_bill(actor)
    charge = _lock_charge(charge)
    _require_draft(charge)
    problems = post_problems(charge)
    if problems:
        raise ValidationError(problems)
    if not charge.diagnoses and charge.kind == Charge.Kind.VISIT:
        _take_plan_diagnoses(actor, charge)
    charge.status = Charge.Status.POSTED
    charge.posted_at = timezone.now()
    charge.posted_by = actor
    charge.save(update_fields=["status", "posted_at", "posted_by"])
    audit.record(
        actor=actor, action="update", client=charge.client, target=charge, detail="charge posted"
    )
    return charge


def _take_plan_diagnoses(actor, charge: Charge) -> None:
    """Copy the diagnoses added to the plan since drafting; lines pointing to none point to
    all of them, as a draft's lines do. Each pointer set is kept as an edit."""
    charge.diagnoses = _diagnoses_now(charge)
    charge.save(update_fields=["diagnoses"])
    every = drafting.pointers(len(charge.diagnoses))
    for line in charge.lines.filter(diagnosis_pointers="").exclude(billing_code=None):
        ChargeLineEdit.objects.create(
            line=line,
            field="diagnosis_pointers",
            before="",
            after=every,
            reason="Diagnoses added to the plan after drafting; taken when posted",
            edited_by=actor,
        )
        line.diagnosis_pointers = every
        line.save(update_fields=["diagnosis_pointers"])


PAID_CANNOT_VOID = (
    "Payments are allocated to this charge: take them back on the payment's page first (the "
    "money becomes credit), or correct the charge with a credit note."
)


@transaction.atomic
def charge_void(*, actor, charge: Charge, reason: str) -> Charge:
    """Void a draft or a posted charge; a package visit it used is given back."""
    _require_bill(actor)
    charge = _lock_charge(charge)
    if charge.status == Charge.Status.VOID:
        raise ValidationError(VOID_IS_FINAL)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the charge is voided: the reason is kept."})
    if PaymentAllocation.objects.filter(line__charge=charge).exists():
        raise ValidationError(PAID_CANNOT_VOID)
    if charge.package_id:
        PackageUse.objects.filter(
            appointment_id=charge.appointment_id, package_id=charge.package_id
        ).delete()
    charge.status = Charge.Status.VOID
    charge.voided_at = timezone.now()
    charge.voided_by = actor
    charge.void_reason = reason[:300]
    charge.save(update_fields=["status", "voided_at", "voided_by", "void_reason"])
    audit.record(
        actor=actor,
        action="update",
        client=charge.client,
        target=charge,
        detail=f"charge voided: {reason}",
    )
    return charge


def next_credit_note_number(year: int) -> str:
    prefix = f"CN-{year}-"
    last = (
        CreditNote.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    return f"{prefix}{int(last.removeprefix(prefix)) + 1 if last else 1:04d}"


@transaction.atomic
def credit_note_issue(*, actor, line: ChargeLine, amount: Decimal, reason: str) -> CreditNote:
    """Take `amount` off a posted charge's line (no more than the line's outstanding)."""
    _require_bill(actor)
    charge = _lock_charge(line.charge)
    if charge.status != Charge.Status.POSTED:
        raise ValidationError("Credit notes are issued on posted charges only.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the credit is given: the reason is kept."})
    if amount is None or amount <= ZERO:
        raise ValidationError({"amount": "A credit is more than 0."})
    outstanding = cents(
        ChargeLine.objects.with_amounts().values_list("outstanding", flat=True).get(pk=line.pk)
    )
    if amount > outstanding:
        raise ValidationError(
            {"amount": f"At most {outstanding}: what is still owed on this line."}
        )
    year = today().year
    for _ in range(NUMBER_TRIES):
        try:
            with transaction.atomic():  # a twin issued the same number: take the next
                note = CreditNote.objects.create(
                    number=next_credit_note_number(year),
                    charge=charge,
                    line=line,
                    amount=cents(amount),
                    reason=reason[:300],
                    created_by=actor,
                )
            break
        except IntegrityError:
            continue
    else:
        raise ValidationError("Credit note numbers are busy: try again.")
    audit.record(
        actor=actor,
        action="create",
        client=charge.client,
        target=note,
        detail=f"credit note {note.number} of {note.amount} on line {line.position}: {reason}",
    )
    return note


# --- no-show fee -------------------------------------------------------------------------------


def is_self_pay_on(client, day: dt.date) -> bool:
    coverage = current_coverage(client, day)
    return coverage is None or coverage.payer_type == PayerType.SELF_PAY


@transaction.atomic
def charge_no_show_fee(*, actor, appointment: Appointment) -> Charge:
    _require_bill(actor)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.NO_SHOW:
        raise ValidationError("Only a no-show carries a no-show fee.")
    day = service_day(appointment)
    if not is_self_pay_on(appointment.client, day):
        raise ValidationError(SELF_PAY_ONLY)
    clinic = ClinicBilling.current()
    fee = clinic.no_show_fee if clinic else ZERO
    if fee <= ZERO:
        raise ValidationError(NO_SHOW_FEE_ZERO)
    live = Charge.objects.live().filter(appointment=appointment, kind=Charge.Kind.NO_SHOW)
    if live.exists():
        raise ValidationError("This no-show already has its fee.")
    charge = Charge.objects.create(
        client_id=appointment.client_id,
        appointment=appointment,
        kind=Charge.Kind.NO_SHOW,
        rendering_id=appointment.therapist_id,
        date_of_service=day,
        payer_type=PayerType.SELF_PAY,
        coverage=current_coverage(appointment.client, day),
        unit_rule=UnitRule.CMS,
    )
    ChargeLine.objects.create(
        charge=charge, description="No-show fee", units=1, unit_fee=fee, amount=fee, position=1
    )
    audit.record(
        actor=actor,
        action="create",
        client=appointment.client,
        target=charge,
        detail=f"no-show fee of {fee} drafted",
    )
    return charge
