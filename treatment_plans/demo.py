"""Demo plans (DOMAIN.md, "Demo cases"): an active plan for each demo client, made through the
same services a therapist uses, so warnings, overrides and PDFs are real. Karen's plan keeps
its overridden deep-tissue warning. Created once: a client with a plan is left as it is."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from clinic.clinic_time import today
from clinic.models import Client, User
from intake.models import RomNorm
from treatment_plans.contraindications import conflicts_for
from treatment_plans.models import Technique, TreatmentPlan
from treatment_plans.services import plans as services
from treatment_plans.services.diagnoses import plan_diagnosis_add


def _rom(joint, movement, side, baseline, target, by_session=None):
    return {
        "kind": "rom",
        "rom_norm": RomNorm.objects.get(joint=joint, movement=movement),
        "side": side,
        "comparator": "gte",
        "baseline_value": baseline,
        "target_value": target,
        "by_session": by_session,
        "description": "",
    }


def _score(kind, comparator, baseline, target, description="", by_session=None):
    return {
        "kind": kind,
        "comparator": comparator,
        "baseline_value": baseline,
        "target_value": target,
        "description": description,
        "by_session": by_session,
        "rom_norm": None,
        "side": "",
    }


PLANS = {
    "Whitfield": {
        "therapist": "therapist",
        "data": {
            "health_goal": "Get through a full work day without neck pain.",
            "clinical_reason": "Chronic cervicalgia and tension-type headaches from desk work.",
            "referral": "Dr. Helen Cho, family medicine: cervicalgia (M54.2)",
            "sessions_per_week": 1,
            "planned_sessions": 8,
            "session_minutes": 60,
            "other_treatments": "Continue warfarin as prescribed; INR checks with Dr. Cho.",
            "home_care": "Chin tucks 3x10 daily; doorway pectoral stretch 3x30 s; upper-trapezius stretch.",
            "body_mechanics": "Screen top at eye level, elbows at 90°, a break every 45 minutes.",
        },
        "techniques": [
            (
                "swedish",
                "Neck, shoulders, upper back",
                "Warm the tissue and improve surface circulation before focused work.",
            ),
            (
                "trigger_point",
                "Upper trapezius, levator scapulae (light pressure)",
                "Release active trigger points that refer pain to the head.",
            ),
            (
                "myofascial_release",
                "Cervical and upper thoracic fascia",
                "Ease restriction behind the forward-head posture.",
            ),
            (
                "deep_tissue",
                "Upper trapezius, adapted to light pressure",
                "Address the hypertonic upper trapezius; pressure kept light because of warfarin.",
            ),
        ],
        "milestones": [
            _rom("Cervical spine", "Rotation", "right", 55, 70, by_session=6),
            _score("nprs", "lte", 6, 3),
            _score("psfs", "gte", 4, 7, description="Computer work"),
        ],
        "overrides": {
            "deep_tissue": "Deep-tissue technique used at light pressure only on the upper trapezius; "
            "client on warfarin with stable INR (Dr. Cho informed); stop if bruising appears.",
        },
    },
    "Bell": {
        "therapist": "therapist2",
        "data": {
            "health_goal": "Grip my tools through a full work day.",
            "clinical_reason": "Ten weeks after flexor-tendon repair of the right forearm; scar adhesion.",
            "referral": "Dr. Samuel Adeyemi, hand surgery: flexor-tendon repair (S56.921D)",
            "sessions_per_week": 1,
            "planned_sessions": 8,
            "session_minutes": 60,
            "other_treatments": "Hand therapy with the physical therapist twice a week.",
            "home_care": "Scar massage away from the incision, tendon-gliding exercises as taught by the PT.",
            "body_mechanics": "Neutral wrist when lifting; build grip gradually with padded handles.",
        },
        "techniques": [
            (
                "swedish",
                "Right forearm, upper arm and shoulder",
                "Reduce guarding and improve circulation in the forearm.",
            ),
            (
                "myofascial_release",
                "Forearm flexor fascia, away from the incision",
                "Restore glide of the flexor compartment; scar mobilisation once cleared.",
            ),
        ],
        "milestones": [
            _rom("Wrist", "Extension", "right", 45, 65),
            _score("psfs", "gte", 2, 7, description="Using a hammer"),
        ],
        "overrides": {
            "*": "Work stays at least 5 cm away from the healed incision until Dr. Adeyemi clears "
            "scar mobilisation; no work over the repair site.",
            "myofascial_release": "Myofascial release on the proximal forearm only, away from "
            "the repair; the incision is closed and healed (10 weeks post-op).",
        },
    },
    "Raman": {
        "therapist": "therapist",
        "data": {
            "health_goal": "Sleep through the night without hip pain.",
            "clinical_reason": "Pregnancy-related low back and hip pain since the second trimester.",
            "sessions_per_week": 1,
            "planned_sessions": 6,
            "session_minutes": 60,
            "other_treatments": "Prenatal care with her midwife.",
            "home_care": "Pillow between the knees when side-lying; pelvic tilts.",
            "body_mechanics": "Log-roll to get out of bed; avoid standing on one leg to dress.",
        },
        "techniques": [
            (
                "prenatal_postnatal",
                "Low back, gluteals, hips (side-lying)",
                "Ease pregnancy-related low back and hip pain safely, side-lying.",
            ),
            ("swedish", "Upper back and shoulders", "General relaxation and circulation."),
        ],
        "milestones": [
            _score("nprs", "lte", 6, 2),
            _score(
                "text", "gte", None, None, description="Sleeps 6 hours without waking from hip pain"
            ),
        ],
        "overrides": {},
    },
    "Haldane": {
        "therapist": "therapist",
        "data": {
            "health_goal": "Run 10 km pain-free.",
            "clinical_reason": "Grade I right hamstring strain, three weeks old.",
            "referral": "Self-referred (running club)",
            "sessions_per_week": 1,
            "planned_sessions": 6,
            "session_minutes": 60,
            "other_treatments": "Graded return-to-run programme.",
            "home_care": "Eccentric hamstring bridges; gentle hamstring stretch after runs.",
            "body_mechanics": "Shorter stride at first; warm up before speed work.",
        },
        "techniques": [
            (
                "sports",
                "Right hamstrings, gluteals, calves",
                "Prepare the tissue for a graded return to running.",
            ),
            ("trigger_point", "Right biceps femoris", "Release the tender band at mid-belly."),
        ],
        "milestones": [_rom("Hip", "Flexion", "right", 60, 80), _score("nprs", "lte", 3, 0)],
        "overrides": {},
    },
}


# The ICD-10-CM codes each plan treats, in claim order (issue 18; billable, as
# intake/diagnoses.py checks): the health history's code first.
DIAGNOSES = {
    "Whitfield": ["M54.2", "G44.209"],  # cervicalgia; tension-type headache
    "Bell": ["S56.921D"],  # right forearm flexor tendon laceration, subsequent encounter
    "Raman": ["O26.893", "M54.50"],  # pregnancy-related condition, 3rd trimester; low back pain
    "Haldane": ["S76.311D"],  # right posterior thigh (hamstring) strain, subsequent encounter
}


@transaction.atomic
def seed(stdout=None) -> None:
    made = 0
    for last_name, spec in PLANS.items():
        client = Client.objects.get(
            last_name=last_name, user__isnull=last_name not in {"Whitfield", "Bell"}
        )
        plan = TreatmentPlan.objects.filter(client=client).first()
        if plan is None:
            plan = _make_plan(client, spec)
            made += 1
        if not plan.diagnoses.exists():
            for code in DIAGNOSES[last_name]:
                plan_diagnosis_add(actor=plan.therapist, plan=plan, code=code)
    if stdout:
        stdout.write(f"treatment_plans: {made} new active plans")


def _make_plan(client, spec) -> TreatmentPlan:
    therapist = User.objects.get(username=spec["therapist"])
    data = {
        **spec["data"],
        "start_date": today() - dt.timedelta(weeks=8),
        "referral": spec["data"].get("referral", ""),
    }
    techniques = [
        {"technique": Technique.objects.get(key=key), "target_areas": areas, "rationale": why}
        for key, areas, why in spec["techniques"]
    ]
    plan = services.plan_create(
        actor=therapist,
        client=client,
        data=data,
        techniques=techniques,
        milestones=spec["milestones"],
    )
    version = plan.versions.get()
    for conflict in conflicts_for(version):
        key = conflict.technique.key if conflict.technique else "*"
        if key in spec["overrides"]:
            services.conflict_override(
                actor=therapist,
                version=version,
                conflict_key=conflict.key,
                reason=spec["overrides"][key],
            )
    services.plan_activate(actor=therapist, version=version)
    return plan
