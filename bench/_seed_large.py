"""Seeds a clinic of a given size straight through the models (no services) for
bench/large_clinic.py: the large clinic (10,000 clients, 20 therapists, ~200,000 appointments,
100,000 signed notes) and, with the same shapes, a tiny one for the query-count column.

Rows with fixed ids (uuid5) are the pages' targets, so every database finds its own:
therapist 0, the "heavy" client (two sessions a week with therapist 0 for the whole period,
one active plan holding every signed note), and the physician with ~200 consented patients.
Big tables go in with PostgreSQL COPY; everything runs in one transaction, so a half-seeded
database never looks seeded.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

NS = uuid.UUID("8d5f2b7e-4c1a-4f0e-9b7d-2f6a1c3e5b90")
PASSWORD = "bench-pass-2026-long"  # noqa: S105 - scratch database only


def fixed_id(name: str) -> uuid.UUID:
    return uuid.uuid5(NS, name)


HEAVY_CLIENT = fixed_id("client-heavy")
HEAVY_PLAN = fixed_id("plan-heavy")
THERAPIST0 = fixed_id("therapist-0")
MARKER_USER = "bench-seeded"  # created last: present only after a complete seed


@dataclass(frozen=True)
class Scale:
    clients: int
    therapists: int
    weeks_past: int
    weeks_ahead: int
    notes: int
    plans: int
    physician_patients: int
    client_users: int


LARGE = Scale(10_000, 20, 104, 15, 100_000, 3_000, 200, 20)
SMALL = Scale(40, 2, 4, 1, 120, 12, 3, 3)
SLOTS = range(7, 21)  # hourly starts 07:00..20:00, two shifts 07-14 and 14-21, Mon-Sat
WORKDAYS = range(6)

FIRST = [
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jonas",
    "Karen",
    "Liam",
    "Maria",
    "Noah",
    "Olga",
    "Pavel",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Will",
    "Xenia",
    "Yusuf",
    "Zoe",
]
LAST_A = [
    "Lind",
    "Berg",
    "Hol",
    "Ander",
    "Nils",
    "Whit",
    "Mor",
    "Carl",
    "Ols",
    "Peder",
    "Eck",
    "Stro",
    "Hag",
    "Fal",
    "Dahl",
]
LAST_B = [
    "son",
    "qvist",
    "field",
    "man",
    "gren",
    "strom",
    "berg",
    "ton",
    "wood",
    "ley",
    "ford",
    "by",
    "dal",
]
REGIONS = ["neck", "upper back", "lower back", "right shoulder", "left shoulder", "hip", "calf"]


def copy_rows(model, objs) -> None:
    """COPY model instances into their table (auto_now fields filled like save() would)."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields]
    cols = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {model._meta.db_table} ({cols}) FROM STDIN") as copy:
            for obj in objs:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )


def is_seeded() -> bool:
    from clinic.models import User

    return User.objects.filter(username=MARKER_USER).exists()


def seed(scale: Scale, log=print) -> None:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from clinic.models import CareTeamMember, Client, Physician, Therapist, User
    from clinic.roles import Role
    from intake.models import RomNorm
    from scheduling.models import Appointment, AppointmentType, Room, WorkingHours
    from sessions_log.models import Measurement, SessionNote, TechniqueApplied
    from treatment_plans.models import (
        Milestone,
        PlanTechnique,
        PlanVersion,
        Technique,
        TreatmentPlan,
    )

    rng = random.Random(2026)
    tz = ZoneInfo(settings.TIME_ZONE)
    password = make_password(PASSWORD)
    now = dt.datetime.now(dt.UTC)
    today = now.astimezone(tz).date()

    def user(username, role, first, last, uid=None):
        return User(
            id=uid or fixed_id(f"user-{username}"),
            username=username,
            role=role,
            first_name=first,
            last_name=last,
            password=password,
            email=f"{username}@bench.example",
        )

    with transaction.atomic():
        staff = [
            user("bench-admin", Role.ADMIN, "Ada", "Admin"),
            user("bench-desk", Role.FRONT_DESK, "Dana", "Desk"),
        ]
        t_users = [
            user(f"bench-therapist-{n:02d}", Role.THERAPIST, rng.choice(FIRST), f"Therapist{n:02d}")
            for n in range(scale.therapists)
        ]
        phys_user = user("bench-physician", Role.PHYSICIAN, "Helen", "Benchmark")
        c_users = [
            user(f"bench-client-{n:02d}", Role.CLIENT, "", "") for n in range(scale.client_users)
        ]
        User.objects.bulk_create([*staff, *t_users, phys_user, *c_users])
        therapists = [
            Therapist(
                id=THERAPIST0 if n == 0 else fixed_id(f"therapist-{n}"), user=u, credentials="LMT"
            )
            for n, u in enumerate(t_users)
        ]
        Therapist.objects.bulk_create(therapists)
        WorkingHours.objects.bulk_create(
            WorkingHours(therapist=t, weekday=d, start_time=dt.time(a), end_time=dt.time(b))
            for t in therapists
            for d in WORKDAYS
            for a, b in ((7, 14), (14, 21))
        )
        rooms = [Room(name=f"Bench room {n + 1}") for n in range(scale.therapists)]
        Room.objects.bulk_create(rooms)
        physician = Physician(
            user=phys_user,
            first_name="Helen",
            last_name="Benchmark",
            specialty="Family medicine",
            email="helen@bench.example",
        )
        others = [
            Physician(
                first_name=rng.choice(FIRST), last_name=f"Doctor{n}", specialty="Orthopaedics"
            )
            for n in range(max(5, scale.clients // 200))
        ]
        Physician.objects.bulk_create([physician, *others])

        # Clients: client k belongs to therapist k % therapists; client 0 is the heavy one.
        clients = []
        for k in range(scale.clients):
            phone = f"555-{rng.randrange(10_000):04d}"
            clients.append(
                Client(
                    id=HEAVY_CLIENT if k == 0 else fixed_id(f"client-{k}"),
                    user=c_users[k] if k < len(c_users) else None,
                    first_name=rng.choice(FIRST),
                    last_name=rng.choice(LAST_A) + rng.choice(LAST_B),
                    date_of_birth=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25_000)),
                    phone=phone,
                    phone_digits=phone.replace("-", ""),
                    email=f"client{k}@mail.example",
                    referral_source="Website",
                )
            )
        copy_rows(Client, clients)
        log(f"  {len(clients)} clients")
        by_therapist = [clients[t :: scale.therapists] for t in range(scale.therapists)]

        # Care team: the physician with sharing consent for `physician_patients` clients (all
        # with an active plan), other physicians without consent for every 4th client.
        patient_ids = {c.pk for c in clients[1 : scale.physician_patients + 1]}
        team = [
            CareTeamMember(
                client=c,
                physician=physician,
                relationship="primary_care",
                sharing_consented_at=now - dt.timedelta(days=400),
            )
            for c in clients
            if c.pk in patient_ids
        ]
        team += [
            CareTeamMember(client=c, physician=rng.choice(others), relationship="specialist")
            for c in clients[::4]
            if c.pk not in patient_ids
        ]
        copy_rows(CareTeamMember, team)

        # Active plans: the heavy client, the physician's patients, then every nth client.
        techniques = list(Technique.objects.filter(is_active=True))
        rotation = RomNorm.objects.get(joint="Cervical spine", movement="Rotation")
        planned = [clients[0], *[c for c in clients if c.pk in patient_ids]]
        step = max(1, scale.clients // scale.plans)
        planned += [c for c in clients[::step] if c.pk not in patient_ids and c is not clients[0]]
        planned = planned[: scale.plans]
        plans, versions, plan_techs, milestones = [], [], [], []
        version_of, start_of = {}, {}
        t_user_of = {}
        for t, group in enumerate(by_therapist):
            for c in group:
                t_user_of[c.pk] = t_users[t]
        for c in planned:
            heavy = c is clients[0]
            start = today - dt.timedelta(weeks=scale.weeks_past if heavy else rng.randrange(4, 52))
            plan = TreatmentPlan(
                id=HEAVY_PLAN if heavy else uuid.uuid4(),
                client=c,
                therapist=t_user_of[c.pk],
                status="active",
            )
            v = PlanVersion(
                plan=plan,
                number=1,
                created_by=plan.therapist,
                activated_at=dt.datetime.combine(start, dt.time(9), tz),
                activated_by=plan.therapist,
                health_goal=(
                    "Turn the head to reverse the car and work at the computer without neck pain"
                ),
                clinical_reason="Chronic mechanical neck pain",
                start_date=start,
                sessions_per_week=Decimal(2 if heavy else 1),
                planned_sessions=2 * scale.weeks_past if heavy else rng.randrange(8, 25),
                session_minutes=60,
                review_dates=[str(start + dt.timedelta(weeks=6))],
                home_care="Chin tucks 3 x 10 daily",
            )
            plans.append(plan)
            versions.append(v)
            version_of[c.pk], start_of[c.pk] = v, start
            for order, tech in enumerate(rng.sample(techniques, 3)):
                plan_techs.append(
                    PlanTechnique(
                        version=v,
                        technique=tech,
                        order=order,
                        target_areas="neck, upper trapezius",
                        rationale="Reduce tone and improve rotation",
                    )
                )
            milestones += [
                Milestone(
                    version=v,
                    kind="nprs",
                    comparator="lte",
                    target_value=3,
                    baseline_value=7,
                    by_session=8,
                    order=0,
                ),
                Milestone(
                    version=v,
                    kind="rom",
                    rom_norm=rotation,
                    side="right",
                    comparator="gte",
                    target_value=70,
                    baseline_value=50,
                    by_session=6,
                    order=1,
                ),
                Milestone(
                    version=v,
                    kind="psfs",
                    description="Computer work",
                    comparator="gte",
                    target_value=7,
                    baseline_value=3,
                    order=2,
                ),
            ]
        for model, rows in (
            (TreatmentPlan, plans),
            (PlanVersion, versions),
            (PlanTechnique, plan_techs),
            (Milestone, milestones),
        ):
            copy_rows(model, rows)
        log(f"  {len(plans)} active plans")

        # Appointments: a full grid, hourly 07:00-21:00 Mon-Sat for every therapist.
        types = {t.name: t for t in AppointmentType.objects.all()}
        treatment, reassessment = types["Treatment"], types["Reassessment"]
        monday = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=scale.weeks_past)
        days = [
            monday + dt.timedelta(days=7 * w + d)
            for w in range(scale.weeks_past + scale.weeks_ahead)
            for d in WORKDAYS
        ]
        appts = []
        for t, therapist in enumerate(therapists):
            group = by_therapist[t]
            regulars = group[1:] if t == 0 else group
            for day in days:
                for hour in SLOTS:
                    starts = dt.datetime.combine(day, dt.time(hour), tz)
                    heavy = t == 0 and hour == 7 and day.weekday() in (0, 3)
                    client = clients[0] if heavy else rng.choice(regulars)
                    appts.append(
                        Appointment(
                            client=client,
                            therapist=therapist,
                            room=rooms[t],
                            appointment_type=reassessment if rng.random() < 0.05 else treatment,
                            starts_at=starts,
                            ends_at=starts + dt.timedelta(hours=1),
                            status="booked",
                            created_by=staff[1],
                        )
                    )
        past = [a for a in appts if a.ends_at < now]
        heavy_past = [a for a in past if a.client_id == HEAVY_CLIENT]
        others_past = [a for a in past if a.client_id != HEAVY_CLIENT]
        with_note = set(map(id, heavy_past))
        with_note |= set(map(id, rng.sample(others_past, scale.notes - len(heavy_past))))
        for a in past:
            if id(a) in with_note:
                a.status = "completed"
            else:
                a.status = rng.choices(["completed", "cancelled", "no_show"], [4, 4, 2])[0]
                if a.status == "cancelled":
                    a.cancel_reason, a.cancelled_at = "Client called", a.starts_at
        copy_rows(Appointment, appts)
        log(f"  {len(appts)} appointments over {len(days)} working days")

        notes, applied, measures = [], [], []
        for a in past:
            if id(a) not in with_note:
                continue
            v = version_of.get(a.client_id)
            in_plan = v is not None and a.starts_at.date() >= start_of[a.client_id]
            before = rng.randrange(3, 9)
            note = SessionNote(
                appointment=a,
                client_id=a.client_id,
                therapist=t_user_of[a.client_id],
                plan_version=v if in_plan else None,
                signed_at=a.ends_at + dt.timedelta(hours=1),
                subjective="Neck stiff after long days at the computer.",
                objective="Hypertonic upper trapezius, right rotation limited.",
                assessment="Responding to treatment.",
                plan_next="Continue as planned.",
                pain_before=before,
                pain_after=max(0, before - rng.randrange(0, 4)),
                home_care="Chin tucks",
                body_mechanics="Screen at eye level",
            )
            notes.append(note)
            for tech in rng.sample(techniques, rng.randrange(1, 4)):
                applied.append(
                    TechniqueApplied(
                        note=note,
                        technique=tech,
                        body_region=rng.choice(REGIONS),
                        pressure=rng.choice(["light", "moderate", "firm"]),
                        minutes=rng.randrange(5, 25),
                    )
                )
            if in_plan:
                measures.append(
                    Measurement(
                        note=note,
                        kind="rom",
                        rom_norm=rotation,
                        side="right",
                        value=rng.randrange(50, 80),
                    )
                )
                measures.append(
                    Measurement(
                        note=note, kind="psfs", activity="Computer work", value=rng.randrange(3, 9)
                    )
                )
        copy_rows(SessionNote, notes)
        copy_rows(TechniqueApplied, applied)
        copy_rows(Measurement, measures)
        log(f"  {len(notes)} signed notes, {len(applied)} techniques, {len(measures)} measurements")
        User.objects.create(username=MARKER_USER, role=Role.ADMIN, is_active=False)
