"""Demo sessions (DOMAIN.md, "Demo cases"): six to eight signed notes for each demo client
with a plan, one a week going back from the latest of their weekly slots already over, with
the plan's therapist. Pain eases and the measurements move towards the milestones, so the
progress page, the milestone statuses and the plan PDFs have a story to tell. Karen stays at
light pressure throughout (warfarin).

The sessions go where the calendar has room, so the rest of each client's story is dated
from them: intake and consents a few days before the initial assessment (a week before the
first session), the plan written and activated after it. The rows the apps below made today
get those dates here.

Idempotent: a client who already has a session note is left alone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clinic.clinic_time import at_local, local, today
from clinic.models import CareTeamMember, Client
from intake.models import Assessment, Consent, HealthHistory
from scheduling.models import Appointment, AppointmentType, Room, WorkingHours
from sessions_log.models import Measurement, SessionNote, TechniqueApplied, TriggerPoint
from sessions_log.services.notes import active_plan_version
from sessions_log.services.progress import milestones_update
from treatment_plans.models import ConflictOverride, Milestone, Technique, TreatmentPlan

# last name -> usual slot (weekday, time), pain before/after per session (oldest first),
# readings per milestone kind, techniques (key, region, pressure, minutes[, only in these
# session numbers]: a plan's techniques are not all used every time), trigger points
# (location, side, seconds), home care and what was observed.
SESSIONS = {
    "Whitfield": {
        "slot": (0, dt.time(9)),
        "pain": [(6, 4), (6, 4), (5, 3), (5, 3), (4, 2), (4, 2), (3, 1)],
        "rom": [55, 58, 61, 63, 66, 68, 70],
        "psfs": [4, 4, 5, 5, 6, 6, 7],
        "techniques": [
            ("swedish", "Neck, shoulders, upper back", "light", 20),
            ("trigger_point", "Right upper trapezius, levator scapulae", "light", 10),
            (
                "myofascial_release",
                "Cervical and upper thoracic fascia",
                "light",
                15,
                {1, 2, 3, 5, 7},
            ),
            (
                "deep_tissue",
                "Right upper trapezius (adapted to light pressure)",
                "light",
                10,
                {4, 5, 6, 7},
            ),
        ],
        "points": [("Upper trapezius", "right", 15), ("Levator scapulae", "right", 12)],
        "home_care": "Chin tucks 3x10 daily; doorway pectoral stretch 3x30 s; break every 45 minutes.",
        "subjective": "Neck ache at the end of the work day; headaches {headaches} times this week.",
        "objective": "Right cervical rotation {rom}°; right upper trapezius guarded, no bruising.",
    },
    "Bell": {
        "slot": (1, dt.time(10)),
        "pain": [(5, 4), (5, 3), (4, 3), (4, 3), (4, 2), (3, 2), (3, 2), (3, 2)],
        "rom": [45, 48, 51, 54, 56, 58, 60, 62],
        "psfs": [2, 2, 3, 3, 4, 4, 5, 6],
        "techniques": [
            ("swedish", "Right forearm, upper arm and shoulder", "moderate", 20),
            (
                "myofascial_release",
                "Right forearm flexors, 5 cm from the incision",
                "light",
                20,
                {3, 4, 5, 6, 7, 8},
            ),
        ],
        "points": [("Flexor digitorum superficialis", "right", 12)],
        "home_care": "Tendon-gliding exercises as the PT taught; scar massage away from the incision.",
        "subjective": "Grip tires after about an hour on site; {headaches} bad evenings this week.",
        "objective": "Right wrist extension {rom}°; scar mobile proximally, adherent distally.",
    },
    "Raman": {
        "slot": (2, dt.time(10)),
        "pain": [(6, 4), (6, 4), (5, 3), (5, 3), (4, 3), (4, 2)],
        "techniques": [
            ("prenatal_postnatal", "Low back, gluteals, hips (side-lying)", "moderate", 40),
            ("swedish", "Upper back and shoulders", "light", 15),
        ],
        "points": [("Gluteus medius", "right", 12)],
        "home_care": "Pillow between the knees when side-lying; pelvic tilts 2x10 morning and evening.",
        "subjective": "Woke {headaches} times a night with hip pain this week.",
        "objective": "Right gluteus medius tender; side-lying with pillows, comfortable throughout.",
    },
    "Haldane": {
        "slot": (3, dt.time(16)),
        "pain": [(3, 2), (3, 2), (2, 1), (2, 1), (1, 0), (0, 0)],
        "rom": [60, 64, 68, 72, 76, 80],
        "techniques": [
            ("sports", "Right hamstrings, gluteals, calves", "firm", 25),
            ("trigger_point", "Right biceps femoris", "moderate", 10),
        ],
        "points": [("Biceps femoris, mid-belly", "right", 15)],
        "home_care": "Eccentric hamstring bridges 3x8; gentle hamstring stretch after runs.",
        "subjective": "Ran {headaches} times this week; tightness at the end of longer runs.",
        "objective": "Right straight-leg raise {rom}°; mid-belly band less tender.",
    },
}

PAST_WEEKS_TRIED = 20  # how far back to look for free weekly slots


@transaction.atomic
def seed(stdout=None) -> None:
    made = 0
    for last_name, spec in SESSIONS.items():
        client = Client.objects.filter(last_name=last_name).first()
        version = active_plan_version(client) if client else None
        if version is None or SessionNote.objects.filter(client=client).exists():
            continue
        made += _seed_client(client, version, spec)
        # Milestone statuses and the plan PDF follow the new readings, as after a signature.
        milestones_update(version=version)
    if stdout:
        stdout.write(f"sessions_log: {made} new signed session notes")


def _seed_client(client, version, spec) -> int:
    therapist = version.plan.therapist.therapist_profile
    appointments = _weekly_appointments(client, therapist, spec["slot"], len(spec["pain"]))
    milestones = list(version.milestones.select_related("rom_norm"))
    for index, appointment in enumerate(appointments):
        _signed_note(appointment, version, spec, index, milestones)
    assessment = _initial_assessment(client, therapist, appointments[0])
    _date_the_story(client, version, assessment, appointments[0])
    return len(appointments)


# --- appointments ----------------------------------------------------------------------------


def _weekly_appointments(client, therapist, slot, count: int) -> list[Appointment]:
    """`count` past appointments, one a week going back from this week, at the usual time (or
    a later hour that day) where it is over, fits working hours and overlaps nothing."""
    weekday, time = slot
    monday = today() - dt.timedelta(days=today().weekday())
    found = []
    for weeks_back in range(PAST_WEEKS_TRIED):
        day = monday - dt.timedelta(weeks=weeks_back) + dt.timedelta(days=weekday)
        appointment = _book(client, therapist, day, time)
        if appointment is not None:
            found.append(appointment)
        if len(found) == count:
            break
    return sorted(found, key=lambda a: a.starts_at)


def _initial_assessment(client, therapist, first_session) -> Appointment:
    """The first visit, a week or more before the first session, on the same weekday; a
    90-minute visit may need an earlier hour than the usual slot."""
    usual = local(first_session.starts_at)
    for weeks_back in range(1, PAST_WEEKS_TRIED):
        day = usual.date() - dt.timedelta(weeks=weeks_back)
        appointment = _book(client, therapist, day, usual.time(), kind="Initial assessment")
        if appointment is not None:
            return appointment
    raise RuntimeError(f"No room for {client}'s initial assessment in the demo calendar")


def _book(client, therapist, day: dt.date, time: dt.time, kind="Treatment") -> Appointment | None:
    kind = AppointmentType.objects.get(name=kind)
    length = dt.timedelta(minutes=kind.duration_minutes)
    room = _usual_room(therapist)
    for hour in [*range(time.hour, time.hour + 4), *range(time.hour - 1, time.hour - 4, -1)]:
        starts_at = at_local(day, dt.time(hour, time.minute))
        if starts_at + length > timezone.now():
            continue  # the clinic's own schedule (clinic/demo.py) has what is to come
        if _free(client, therapist, room, starts_at, starts_at + length):
            return Appointment.objects.create(
                client=client,
                therapist=therapist,
                room=room,
                appointment_type=kind,
                starts_at=starts_at,
                ends_at=starts_at + length,
                status=Appointment.Status.COMPLETED,
            )
    return None


def _usual_room(therapist) -> Room | None:
    last = Appointment.objects.filter(therapist=therapist, room__isnull=False).first()
    return last.room if last else Room.objects.first()


def _free(client, therapist, room, starts_at, ends_at) -> bool:
    local_start, local_end = starts_at.timetz(), ends_at.timetz()
    working = WorkingHours.objects.filter(
        therapist=therapist,
        weekday=starts_at.weekday(),
        start_time__lte=local_start.replace(tzinfo=None),
        end_time__gte=local_end.replace(tzinfo=None),
    ).exists()
    if not working:
        return False
    overlapping = Appointment.objects.overlapping(starts_at, ends_at)
    clash = overlapping.filter(therapist=therapist) | overlapping.filter(client=client)
    if room is not None:
        clash = clash | overlapping.filter(room=room)
    return not clash.exists()


# --- the story's dates ---------------------------------------------------------------------


def _date_the_story(client, version, assessment: Appointment, first_session: Appointment) -> None:
    """Dates what the apps below made today (auto_now_add) where it happened in the story:
    intake and consents three days before the initial assessment, reviewed at it; the plan
    written after it and activated before the first session, which is when it starts."""
    intake_at = assessment.starts_at - dt.timedelta(days=3)
    planned_at = assessment.ends_at + dt.timedelta(hours=1)
    HealthHistory.objects.filter(client=client).update(
        created_at=intake_at, reviewed_at=assessment.starts_at
    )
    Consent.objects.filter(client=client).update(signed_at=intake_at + dt.timedelta(minutes=10))
    CareTeamMember.objects.filter(client=client, sharing_consented_at__isnull=False).update(
        sharing_consented_at=intake_at + dt.timedelta(minutes=10)
    )
    Assessment.objects.filter(client=client, kind=Assessment.Kind.INITIAL).update(
        assessed_on=local(assessment.starts_at).date(), created_at=assessment.ends_at
    )
    TreatmentPlan.objects.filter(pk=version.plan_id).update(created_at=planned_at)
    ConflictOverride.objects.filter(version=version).update(decided_at=planned_at)
    version.plan.versions.update(
        created_at=planned_at,
        activated_at=planned_at + dt.timedelta(minutes=30),
        start_date=local(first_session.starts_at).date(),
    )


# --- notes -------------------------------------------------------------------------------------


def _signed_note(appointment, version, spec, index: int, milestones) -> SessionNote:
    before, after = spec["pain"][index]
    rom = spec.get("rom", [None] * len(spec["pain"]))[index]
    words = {"headaches": max(0, before - 2), "rom": rom}
    note = SessionNote.objects.create(
        appointment=appointment,
        client=appointment.client,
        therapist=version.plan.therapist,
        plan_version=version,
        subjective=spec["subjective"].format(**words),
        objective=spec["objective"].format(**words),
        assessment="Less guarding than last session; responding to the plan.",
        plan_next="Same focus; progress home exercises if tolerated.",
        pain_before=before,
        pain_after=after,
        client_response="Tolerated well, felt looser.",
        home_care=spec["home_care"],
        body_mechanics=version.body_mechanics,
        share_assessment=True,
        signed_at=appointment.ends_at + dt.timedelta(minutes=20),
    )
    if appointment.status != Appointment.Status.COMPLETED:
        Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    TechniqueApplied.objects.bulk_create(_techniques(note, spec, index))
    TriggerPoint.objects.bulk_create(
        TriggerPoint(note=note, location=where, side=side, hold_seconds=seconds)
        for where, side, seconds in spec["points"]
    )
    Measurement.objects.bulk_create(_measurements(note, spec, index, milestones))
    return note


def _techniques(note, spec, index: int) -> list[TechniqueApplied]:
    rows = [(*row, None)[:5] for row in spec["techniques"]]
    catalogue = {t.key: t for t in Technique.objects.filter(key__in=[row[0] for row in rows])}
    return [
        TechniqueApplied(
            note=note,
            technique=catalogue[key],
            body_region=region,
            pressure=pressure,
            minutes=minutes,
        )
        for key, region, pressure, minutes, only in rows
        if only is None or index + 1 in only
    ]


def _measurements(note, spec, index: int, milestones) -> list[Measurement]:
    rows = []
    for milestone in milestones:
        if milestone.kind == Milestone.Kind.ROM and "rom" in spec:
            rows.append(
                Measurement(
                    note=note,
                    kind=Measurement.Kind.ROM,
                    rom_norm=milestone.rom_norm,
                    side=milestone.side,
                    value=Decimal(spec["rom"][index]),
                )
            )
        elif milestone.kind == Milestone.Kind.PSFS and "psfs" in spec:
            rows.append(
                Measurement(
                    note=note,
                    kind=Measurement.Kind.PSFS,
                    activity=milestone.description,
                    value=Decimal(spec["psfs"][index]),
                )
            )
    return rows
