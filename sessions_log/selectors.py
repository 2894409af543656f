"""Reads of session notes: a note as its viewer may see it, the previous note to start from,
and notes awaiting a signature."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from clinic.date_formats import day_short
from clinic.models import Client
from clinic.permissions import Can
from clinic.selectors import ClientIdentity, client_identity
from sessions_log.models import TRIGGER_POINT_HOLD_SECONDS, SessionNote, TechniqueApplied

UNSIGNED_AFTER = dt.timedelta(hours=24)


def previous_note(*, user, client, before) -> SessionNote | None:
    """The client's latest note before `before` (an appointment's start), with its rows."""
    return (
        SessionNote.objects.visible_to(user)
        .filter(client=client, appointment__starts_at__lt=before)
        .prefetch_related("techniques", "trigger_points", "measurements")
        .order_by("-appointment__starts_at")
        .first()
    )


def start_from(note: SessionNote) -> dict:
    """Initial values for a new note copied from `note`: what usually repeats in a routine
    follow-up (techniques, trigger points, home care, the plan), not this session's findings
    or pain scores, which must be asked afresh."""
    return {
        "note": {
            "home_care": note.home_care,
            "body_mechanics": note.body_mechanics,
            "plan_next": note.plan_next,
            "subjective": f"Since last session ({day_short(note.appointment.starts_at)}): ",
        },
        "techniques": [
            {
                "technique": t.technique_id,
                "body_region": t.body_region,
                "position": t.position,
                "pressure": t.pressure,
                "minutes": t.minutes,
                "override_reason": t.override_reason,
            }
            for t in note.techniques.all()
        ],
        "trigger_points": [
            {"location": p.location, "side": p.side, "hold_seconds": p.hold_seconds}
            for p in note.trigger_points.all()
        ],
        "measurements": [
            {"kind": m.kind, "rom_norm": m.rom_norm_id, "side": m.side, "activity": m.activity}
            for m in note.measurements.all()
        ],
    }


def unsigned_overdue(*, user, now=None):
    """The user's own unsigned notes written more than 24 hours ago."""
    now = now or timezone.now()
    return (
        SessionNote.objects.visible_to(user)
        .filter(therapist=user, signed_at__isnull=True, created_at__lt=now - UNSIGNED_AFTER)
        .select_related("client", "appointment")
        .order_by("created_at")
    )


# --- a note as its viewer may see it ------------------------------------------------------
#
# DESIGN.md: clinicians read the whole note; the client their own note's shareable parts
# (techniques, pain, measurements, home care, and the assessment when the therapist shares
# it); a consented physician its progress (techniques, pain, measurements), never SOAP text.
# The page gets a plain object holding only those parts (a template has nothing else to
# print), and the parts a viewer may not see are not even read from the database.

SOAP_TEXT = (
    "subjective",
    "objective",
    "assessment",
    "plan_next",
    "client_response",
    "no_assessment_reason",  # why the session came before an initial assessment
)
ADVICE_TEXT = ("home_care", "body_mechanics")


@dataclass(frozen=True)
class Soap:
    subjective: str
    objective: str
    assessment: str
    plan_next: str
    client_response: str
    no_assessment_reason: str
    share_assessment: bool


@dataclass(frozen=True)
class Advice:
    home_care: str
    body_mechanics: str


@dataclass(frozen=True)
class TechniqueShown:
    name: str
    body_region: str
    position: str  # its label; "" when not recorded
    pressure: str  # its label
    minutes: int
    override_reason: str  # why it was used despite a contraindication; clinicians only


@dataclass(frozen=True)
class MeasurementShown:
    kind: str
    joint: str  # ROM only
    movement: str  # ROM only
    side: str
    activity: str  # PSFS only
    value: Decimal


@dataclass(frozen=True)
class TriggerPointShown:
    location: str
    side: str
    hold_seconds: int

    @property
    def hold_outside_range(self) -> bool:
        low, high = TRIGGER_POINT_HOLD_SECONDS
        return not low <= self.hold_seconds <= high


@dataclass(frozen=True)
class AddendumShown:
    created_at: dt.datetime
    author: str
    text: str


@dataclass(frozen=True)
class NoteShown:
    pk: uuid.UUID
    appointment_id: uuid.UUID
    therapist_id: uuid.UUID
    client: Client | ClientIdentity  # the row for clinicians (alerts); else who it is
    starts_at: dt.datetime
    type_name: str
    therapist_name: str
    signed_at: dt.datetime | None
    pain_before: int
    pain_after: int
    techniques: tuple[TechniqueShown, ...]
    measurements: tuple[MeasurementShown, ...]
    soap: Soap | None  # clinicians only
    trigger_points: tuple[TriggerPointShown, ...]  # clinicians only (else empty)
    addenda: tuple[AddendumShown, ...]  # clinicians only (else empty)
    shared_assessment: str | None  # the client, when the therapist shared the assessment
    advice: Advice | None  # not for physicians

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


def note_for(*, user, note_id) -> SessionNote | None:
    """The note `user` may read (the row rule), with what its page shows. The SOAP text is
    not read for a viewer who may not see it, nor home care for a physician; the client's
    shared assessment is read on its own when it is shared. Build the page's object with
    `note_shown`."""
    can = Can(user)
    notes = SessionNote.objects.visible_to(user).select_related(
        "client", "therapist", "appointment__appointment_type"
    )
    if can.see_clinical_detail:
        return (
            notes.prefetch_related(
                "techniques__technique",
                "trigger_points",
                "measurements__rom_norm",
                "addenda__author",
            )
            .filter(pk=note_id)
            .first()
        )
    hidden = SOAP_TEXT if can.see_home_care else SOAP_TEXT + ADVICE_TEXT
    techniques = TechniqueApplied.objects.select_related("technique").defer("override_reason")
    return (
        notes.defer(*hidden)
        .prefetch_related(Prefetch("techniques", queryset=techniques), "measurements__rom_norm")
        .filter(pk=note_id)
        .first()
    )


def note_shown(note: SessionNote, *, user, whole_record: bool = False) -> NoteShown:
    """`note` (from `note_for`) as `user` may see it. `whole_record`: everything, as a
    right-of-access copy gives it (a client's own note too); load the note as for a clinician.
    """
    can = Can(user)
    if whole_record and not can.export_record:
        raise PermissionError("This role may not receive a client's whole record.")
    detail = can.see_clinical_detail or whole_record
    return NoteShown(
        pk=note.pk,
        appointment_id=note.appointment_id,
        therapist_id=note.therapist_id,
        client=note.client if detail else client_identity(note.client),
        starts_at=note.appointment.starts_at,
        type_name=note.appointment.appointment_type.name,
        therapist_name=note.therapist.get_full_name(),
        signed_at=note.signed_at,
        pain_before=note.pain_before,
        pain_after=note.pain_after,
        techniques=tuple(
            TechniqueShown(
                name=t.technique.name,
                body_region=t.body_region,
                position=t.get_position_display() if t.position else "",
                pressure=t.get_pressure_display(),
                minutes=t.minutes,
                override_reason=t.override_reason if detail else "",
            )
            for t in note.techniques.all()
        ),
        measurements=tuple(
            MeasurementShown(
                kind=m.kind,
                joint=m.rom_norm.joint if m.rom_norm else "",
                movement=m.rom_norm.movement if m.rom_norm else "",
                side=m.side,
                activity=m.activity,
                value=m.value,
            )
            for m in note.measurements.all()
        ),
        soap=_soap(note) if detail else None,
        trigger_points=tuple(
            TriggerPointShown(location=p.location, side=p.side, hold_seconds=p.hold_seconds)
            for p in note.trigger_points.all()
        )
        if detail
        else (),
        addenda=tuple(
            AddendumShown(created_at=a.created_at, author=a.author.get_full_name(), text=a.text)
            for a in note.addenda.all()
        )
        if detail
        else (),
        shared_assessment=(
            note.assessment if can.is_client and note.share_assessment and not detail else None
        ),
        advice=Advice(note.home_care, note.body_mechanics) if can.see_home_care else None,
    )


def _soap(note: SessionNote) -> Soap:
    return Soap(
        **{name: getattr(note, name) for name in SOAP_TEXT},
        share_assessment=note.share_assessment,
    )
