"""Writes of session notes: save a draft, sign (which locks it), and add addenda.

Gates: no note without a health history and a consent to treatment; none before the client's
initial assessment unless the note says why; a technique with an unresolved contraindication
needs an override reason written in the note."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.clinic_time import local
from clinic.date_formats import day, day_time
from clinic.roles import CLINICAL_WRITERS, role_of
from intake.selectors import missing_for_care
from scheduling.models import Appointment
from sessions_log.models import (
    TRIGGER_POINT_HOLD_SECONDS,
    Addendum,
    Measurement,
    SessionNote,
    TechniqueApplied,
    TriggerPoint,
)
from sessions_log.signals import note_signed
from treatment_plans.contraindications import (
    answered_clearances,
    clearance_awaited_for,
    findings_for,
    pending_clearances,
    site_region,
)
from treatment_plans.models import ClearanceRequest, PlanVersion, Severity, Technique
from treatment_plans.screening import Finding, PlanItem
from treatment_plans.services.plans import has_initial_assessment

NOTE_FIELDS = (
    "subjective",
    "objective",
    "assessment",
    "plan_next",
    "share_assessment",
    "pain_before",
    "pain_after",
    "client_response",
    "home_care",
    "body_mechanics",
)
ALREADY_SIGNED = (
    "This note is already signed and locked, so nothing was saved from this form. To correct "
    "or add to it, add an addendum to the signed note."
)

NO_ASSESSMENT = (
    "The client has no initial assessment on or before this session: record it first "
    "(mobility, range of motion, imbalances), or write here why you treat without it."
)
BEFORE_ASSESSMENT = "before an initial assessment, with a written reason"

NOT_STARTED = (
    "A note is signed from the appointment's start time ({start}). "
    "Nothing was signed; save it as a draft until then."
)


def _require_therapist(actor) -> None:
    if role_of(actor) not in CLINICAL_WRITERS:
        raise PermissionDenied("Only therapists write session notes.")


def active_plan_version(client) -> PlanVersion | None:
    return (
        PlanVersion.objects.filter(
            plan__client=client,
            activated_at__isnull=False,
            superseded_at__isnull=True,
            plan__status="active",
        )
        .order_by("-activated_at")
        .first()
    )


def note_problems(*, actor, appointment: Appointment) -> list[str]:
    """Why this therapist cannot write this appointment's note (empty: they can)."""
    problems = [f"The client still needs {m.what}." for m in missing_for_care(appointment.client)]
    if not appointment.takes_note:
        problems.append(f"The appointment is {appointment.get_status_display().lower()}.")
    if appointment.therapist.user_id != actor.pk:
        problems.append(
            f"This appointment is {appointment.therapist.user.get_full_name()}'s; only the "
            "treating therapist writes its note."
        )
    return problems


def assessed_before(appointment: Appointment) -> bool:
    """Whether the client has an initial assessment dated on or before the session's day."""
    return has_initial_assessment(appointment.client_id, on=local(appointment.starts_at).date())


# The note's pressures in the rules' words: "firm" is screened as deep, the safer reading.
SCREENED_PRESSURE = {"light": "light", "moderate": "moderate", "firm": "deep", "deep": "deep"}


def table_item(row: dict) -> PlanItem:
    """What screening reads of one technique row of a note: the technique, where (region and
    side read from the body-chart label), in which position, at which pressure."""
    region, side = site_region(row.get("body_region") or "")
    return PlanItem(
        technique=row["technique"].key,
        region=region,
        side=side,
        position=row.get("position") or "",
        pressure=SCREENED_PRESSURE.get(row.get("pressure") or "", ""),
    )


def unresolved_rules(
    client, version: PlanVersion | None, row: dict, findings: list[Finding] | None = None
) -> list[Finding]:
    """What contraindicates this work at the table (technique, region, side, position and
    pressure, on the client's current health history) and the plan has not overridden: the
    note must say why it was still done. `findings`: the row's, when already screened."""
    technique = row["technique"]
    if findings is None:
        findings = findings_for(client, [table_item(row)])
    findings = [f for f in findings if f.severity == Severity.CONTRAINDICATED]
    if version is None:
        return findings
    overridden = {(str(o.rule_id), o.technique_id) for o in version.overrides.all()}
    return [
        finding
        for finding in findings
        if (finding.rule_id, technique.pk if finding.rule_technique else None) not in overridden
    ]


def table_row(*, technique_id: str, body_region: str, position: str, pressure: str):
    """A technique row as the note form's script sends it, or None for no known technique."""
    try:
        technique = Technique.objects.filter(is_active=True).get(pk=technique_id)
    except (Technique.DoesNotExist, ValidationError, ValueError):
        return None
    return {
        "technique": technique,
        "body_region": body_region,
        "position": position,
        "pressure": pressure,
    }


def table_findings(appointment, row: dict) -> list[dict]:
    """What this row meets at the table for the appointment's client, most severe first; each
    says whether the note will need a written reason for it (a contraindication the plan has
    not overridden)."""
    client = appointment.client
    findings = findings_for(client, [table_item(row)])
    version = active_plan_version(client)
    needing = {f.rule_id for f in unresolved_rules(client, version, row, findings)}
    return [
        {
            "severity": finding.severity,
            "label": Severity(finding.severity).label,
            "reason": finding.reason,
            "needs_reason": finding.rule_id in needing,
        }
        for finding in findings
    ]


def table_remarks(client, techniques: list[dict], trigger_points: list[dict]) -> list[str]:
    """What the therapist should see about the work just recorded, without being stopped: the
    cautions and clearance warnings that apply to it at the table (technique, region, position,
    pressure), and trigger points held outside 12-15 s. Contraindications are not here: the
    note cannot be saved without a reason for them."""
    remarks = []
    for row in techniques:
        for finding in findings_for(client, [table_item(row)]):
            if finding.severity == Severity.CONTRAINDICATED:
                continue
            where = ", ".join(p for p in (row.get("body_region"), row.get("pressure")) if p)
            label = Severity(finding.severity).label
            remarks.append(f"{row['technique'].name} ({where}): {label}. {finding.reason}")
    answered = answered_clearances(client)
    for row in techniques:
        answer = clearance_awaited_for(answered, row["technique"])
        if answer and answer.status == ClearanceRequest.Status.RESTRICTED:
            remarks.append(
                f"{row['technique'].name}: {answer.care_team_member.physician} approved it with "
                f"restrictions: {answer.response}"
            )
    low, high = TRIGGER_POINT_HOLD_SECONDS
    for point in trigger_points:
        seconds = point.get("hold_seconds")
        if seconds is not None and not low <= seconds <= high:
            remarks.append(
                f"Trigger point {point.get('location')}: held {seconds} s; trigger-point therapy "
                f"holds {low}-{high} s until the tension releases."
            )
    return list(dict.fromkeys(remarks))


def _declined(answered: dict, technique):
    answer = clearance_awaited_for(answered, technique)
    return answer if answer and answer.status == ClearanceRequest.Status.DECLINED else None


def _check_techniques(client, version, techniques: list[dict]) -> None:
    errors = []
    pending = pending_clearances(client)
    answered = answered_clearances(client)
    for row in techniques:
        if row.get("override_reason"):
            continue  # the note says why it was used
        technique = row["technique"]
        if found := unresolved_rules(client, version, row):
            reason = found[0].reason.rstrip(".")
            errors.append(
                f"{technique.name}: the client's health history contraindicates it and "
                f"the plan has no override ({reason}). Write why it was used, or remove it."
            )
        elif declined := _declined(answered, technique):
            errors.append(
                f"{technique.name}: {declined.care_team_member.physician} declined clearance "
                f"on {day(declined.responded_at)}. Write why it was used, or remove it."
            )
        elif asked := clearance_awaited_for(pending, technique):
            errors.append(
                f"{technique.name} is waiting for {asked.care_team_member.physician}'s "
                "clearance. Write why it was used before the answer, or remove it."
            )
    if errors:
        raise ValidationError({"techniques": errors})


@transaction.atomic
def note_save(
    *,
    actor,
    appointment: Appointment,
    data: dict,
    techniques: list[dict],
    trigger_points: list[dict],
    measurements: list[dict],
) -> SessionNote:
    """Create or update the appointment's unsigned note (its author only)."""
    _require_therapist(actor)
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("client", "therapist__user")
        .get(pk=appointment.pk)
    )
    problems = note_problems(actor=actor, appointment=appointment)
    if problems:
        raise ValidationError(problems)
    note = SessionNote.objects.select_for_update().filter(appointment=appointment).first()
    if note is not None and note.is_signed:
        raise ValidationError(ALREADY_SIGNED)
    assessed = assessed_before(appointment)
    reason = (data.get("no_assessment_reason") or "").strip()
    if not assessed and not reason:
        raise ValidationError({"no_assessment_reason": NO_ASSESSMENT})
    version = active_plan_version(appointment.client)
    _check_techniques(appointment.client, version, techniques)
    created = note is None
    note = note or SessionNote(appointment=appointment, client=appointment.client, therapist=actor)
    note.plan_version = version
    for name in NOTE_FIELDS:
        setattr(note, name, data.get(name, getattr(note, name)))
    note.no_assessment_reason = "" if assessed else reason
    note.full_clean(exclude=["appointment", "client", "therapist", "plan_version"])
    note.save()
    _replace_rows(note, techniques, trigger_points, measurements)
    audit.record(
        actor=actor,
        action="create" if created else "update",
        client=note.client,
        target=note,
        detail="session note (draft)" + ("" if assessed else f", {BEFORE_ASSESSMENT}"),
    )
    return note


def _replace_rows(note, techniques, trigger_points, measurements) -> None:
    note.techniques.all().delete()
    note.trigger_points.all().delete()
    note.measurements.all().delete()
    TechniqueApplied.objects.bulk_create(TechniqueApplied(note=note, **row) for row in techniques)
    TriggerPoint.objects.bulk_create(TriggerPoint(note=note, **row) for row in trigger_points)
    Measurement.objects.bulk_create(Measurement(note=note, **row) for row in measurements)


@transaction.atomic
def note_save_and_sign(
    *,
    actor,
    appointment: Appointment,
    data: dict,
    techniques: list[dict],
    trigger_points: list[dict],
    measurements: list[dict],
) -> SessionNote:
    """Save the note and sign it in one transaction: the appointment stays locked from the save
    to the signature, so a second submit (a double click, another tab) waits, then finds the
    note signed and is told so; it cannot slip its own text in between."""
    note = note_save(
        actor=actor,
        appointment=appointment,
        data=data,
        techniques=techniques,
        trigger_points=trigger_points,
        measurements=measurements,
    )
    return note_sign(actor=actor, note=note)


def _lock_note(note: SessionNote) -> SessionNote:
    """Lock the note's appointment, then the note. Every service here takes the two in this
    order (note_save locks the appointment before it reads the note). Taken the other way
    round, a sign and a save of the same note could each hold one row and wait for the other:
    a deadlock, which PostgreSQL breaks by failing one of them."""
    Appointment.objects.select_for_update().filter(pk=note.appointment_id).exists()
    return SessionNote.objects.select_for_update().select_related("appointment").get(pk=note.pk)


@transaction.atomic
def note_sign(*, actor, note: SessionNote) -> SessionNote:
    """Sign and lock. The appointment is marked completed, and the plan's milestones and PDF
    follow the new measurements."""
    note = _lock_note(note)
    if note.therapist_id != actor.pk:
        raise PermissionDenied("Only the note's author signs it.")
    if note.is_signed:
        raise ValidationError(ALREADY_SIGNED)
    _require_started(note.appointment)
    note.signed_at = timezone.now()
    note.save(update_fields=["signed_at", "updated_at"])
    appointment = note.appointment
    if appointment.status in (Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN):
        appointment.status = Appointment.Status.COMPLETED
        appointment.save(update_fields=["status", "updated_at"])
    audit.record(actor=actor, action="sign", client=note.client, target=note, detail="session note")
    if note.plan_version_id:
        _progress_changed(note.plan_version)
    note_signed.send(sender=SessionNote, note=note)
    return note


def sign_opens_at(appointment: Appointment):
    """When the note can be signed: not before the session, since signing completes the
    appointment, counts toward the plan and becomes the note the next visit starts from."""
    return appointment.starts_at


def _require_started(appointment: Appointment) -> None:
    if sign_opens_at(appointment) > timezone.now():
        raise ValidationError(NOT_STARTED.format(start=day_time(appointment.starts_at)))


def _progress_changed(version: PlanVersion) -> None:
    from sessions_log.services.progress import milestones_update

    milestones_update(version=version)


@transaction.atomic
def addendum_add(*, actor, note: SessionNote, text: str) -> Addendum:
    _require_therapist(actor)
    note = _lock_note(note)  # a second submit of the same addendum waits here, then finds it
    if not note.is_signed:
        raise ValidationError("The note is not signed yet: edit it directly.")
    text = text.strip()
    if not text:
        raise ValidationError({"text": "Write the correction or addition."})
    if note.addenda.filter(author=actor, text=text).exists():
        # Addenda are permanent: a double submit must not leave the same correction twice.
        raise ValidationError("This addendum is already on the note; it was not added again.")
    addendum = Addendum.objects.create(note=note, author=actor, text=text)
    audit.record(actor=actor, action="update", client=note.client, target=note, detail="addendum")
    return addendum
