"""Demo intake data (DOMAIN.md, "Demo cases"): health histories, consents and a first
assessment for the demo clients. Idempotent: keyed on the client and version 1."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from clinic.clinic_time import today
from clinic.models import CareTeamMember, Client, User
from intake.models import (
    Assessment,
    Consent,
    ConsentText,
    HealthHistory,
    MuscleTest,
    RangeOfMotion,
    RomNorm,
    SpecialTest,
)

HISTORIES = {
    "Whitfield": dict(
        reason_for_visit="Chronic neck and upper-back pain from desk work, with tension headaches "
        "most afternoons.",
        client_goals="Get through a full work day without neck pain.",
        occupation="Office manager",
        activities="Walking, gardening at weekends",
        diagnosis="Cervicalgia with tension-type headache",
        icd10_code="M54.2",
        medications="Warfarin 5 mg daily (atrial fibrillation)\nMetoprolol 25 mg",
        allergies="Lavender oil",
        conditions=["anticoagulants"],
        injuries_and_surgeries=[
            {"kind": "injury", "what": "Whiplash, car accident", "date": "2016-05-10"}
        ],
        pain_description="Dull ache at the base of the skull and between the shoulder blades, "
        "worse after long hours at the screen.",
        pain_regions={"back.neck": 6, "back.shoulder.right": 5, "back.upper_back": 4},
    ),
    "Bell": dict(
        reason_for_visit="Regain use of the right hand after flexor-tendon repair of the forearm.",
        client_goals="Grip my tools through a full work day.",
        occupation="Carpenter",
        activities="Cycling",
        diagnosis="Repair of flexor tendons, right forearm; scar adhesion",
        icd10_code="S56.921D",
        medications="",
        allergies="",
        conditions=["recent_surgery"],
        recent_surgery_site="right forearm (volar)",
        injuries_and_surgeries=[
            {"kind": "surgery", "what": "Flexor-tendon repair, right forearm", "date": ""}
        ],
        pain_description="Stiff and sore forearm, tight scar, weak grip.",
        pain_regions={"front.forearm.right": 5, "front.hand.right": 3},
    ),
    "Raman": dict(
        reason_for_visit="Low back and hip pain in the third trimester.",
        client_goals="Sleep through the night without hip pain.",
        occupation="Teacher",
        conditions=["pregnancy"],
        pain_description="Aching low back and right hip, worse lying down.",
        pain_regions={"back.low_back": 6, "back.glute.right": 5},
    ),
    "Haldane": dict(
        reason_for_visit="Right hamstring strain three weeks ago while sprinting.",
        client_goals="Run 10 km pain-free.",
        occupation="Software developer",
        activities="Running (amateur, 30 km a week)",
        diagnosis="Hamstring strain, grade I",
        icd10_code="S76.311D",
        conditions=[],
        pain_description="Tight, pulling pain at the back of the right thigh when striding out.",
        pain_regions={"back.thigh.right": 4},
    ),
}


@transaction.atomic
def seed(stdout=None) -> None:
    therapist = User.objects.get(username="therapist")
    therapist2 = User.objects.get(username="therapist2")
    clients = {c.last_name: c for c in Client.objects.filter(last_name__in=HISTORIES)}
    made = 0
    for last_name, answers in HISTORIES.items():
        client = clients[last_name]
        made += _history(client, answers, therapist if last_name != "Bell" else therapist2)
        _treatment_consent(client)
    for member in CareTeamMember.objects.filter(client__in=clients.values()):
        _sharing_consent(member)
    _assessments(clients, therapist, therapist2)
    if stdout:
        stdout.write(f"intake: {made} new health histories, consents and assessments")


def _history(client, answers, reviewer) -> int:
    if HealthHistory.objects.filter(client=client).exists():
        return 0
    extra = {}
    # As the story has it (DOMAIN.md, demo cases): Priya is 28 weeks pregnant today (due in
    # 12 weeks: 40 weeks from the last period); Marcus came ten weeks after his repair, about
    # ten weeks ago (sessions_log/demo.py).
    if "pregnancy" in answers.get("conditions", []):
        extra["pregnancy_due_date"] = today() + dt.timedelta(weeks=12)
    if "recent_surgery" in answers.get("conditions", []):
        extra["recent_surgery_date"] = today() - dt.timedelta(weeks=19)
    author = client.user or reviewer
    HealthHistory.objects.create(
        client=client,
        version=1,
        created_by=author,
        reviewed_by=reviewer,
        reviewed_at=timezone.now(),
        referring_physician=client.primary_physician,
        **answers,
        **extra,
    )
    return 1


def _signer(client):
    return client.user or User.objects.get(username="therapist")


def _treatment_consent(client) -> None:
    if Consent.objects.filter(client=client, kind="treatment", revoked_at__isnull=True).exists():
        return
    Consent.objects.create(
        client=client,
        kind="treatment",
        text=_latest_text("treatment"),
        signed_name=f"{client.first_name} {client.last_name}",
        signed_by=_signer(client),
        ip_address="127.0.0.1",
    )


def _sharing_consent(member) -> None:
    if not member.is_sharing or member.consents.filter(revoked_at__isnull=True).exists():
        return
    client = member.client
    Consent.objects.create(
        client=client,
        kind="sharing",
        care_team_member=member,
        text=_latest_text("sharing"),
        signed_name=f"{client.first_name} {client.last_name}",
        signed_by=_signer(client),
        ip_address="127.0.0.1",
    )


def _latest_text(kind) -> ConsentText:
    return ConsentText.objects.filter(kind=kind).order_by("-published_at").first()


# client last name -> (therapist, nprs, psfs items, rom [(joint, movement, left, right)], mmt, tests)
ASSESSMENTS = {
    "Whitfield": (
        "therapist",
        6,
        [
            {"activity": "Computer work", "score": 4},
            {"activity": "Driving", "score": 6},
            {"activity": "Gardening", "score": 5},
        ],
        [("Cervical spine", "Rotation", 72, 55), ("Cervical spine", "Lateral flexion", 40, 32)],
        [("Upper trapezius", 4, 4), ("Deep neck flexors", 4, 3)],
        [("Spurling's test", "right", "negative", "")],
        "Forward head posture, elevated right shoulder, rounded shoulders.",
        "Right upper trapezius and levator scapulae hypertonic; deep neck flexors weak.",
    ),
    "Bell": (
        "therapist2",
        5,
        [
            {"activity": "Using a hammer", "score": 2},
            {"activity": "Carrying lumber", "score": 3},
            {"activity": "Writing", "score": 6},
        ],
        [("Wrist", "Extension", 70, 45), ("Wrist", "Flexion", 78, 60)],
        [("Flexor digitorum superficialis", 5, 3)],
        [("Phalen's test", "right", "negative", "")],
        "Guarded right upper limb; scar on volar forearm, adherent at the distal end.",
        "Right wrist extension limited by flexor tightness; grip weaker on the right.",
    ),
    "Raman": (
        "therapist",
        6,
        [
            {"activity": "Sleeping through the night", "score": 3},
            {"activity": "Standing to cook", "score": 5},
            {"activity": "Walking 20 minutes", "score": 6},
        ],
        [("Hip", "Flexion", 110, 100)],
        [("Gluteus medius", 4, 4)],
        [],
        "Increased lumbar lordosis; weight shifted onto the left leg in standing.",
        "Hip flexors and lumbar extensors tight; gluteals weak, right more than left.",
    ),
    "Haldane": (
        "therapist",
        3,
        [
            {"activity": "Running 5 km", "score": 4},
            {"activity": "Stairs", "score": 8},
            {"activity": "Sitting at desk", "score": 7},
        ],
        [("Hip", "Flexion", 85, 60)],
        [("Hamstrings", 5, 4)],
        [("Straight leg raise", "right", "positive", "Pulling at mid-thigh, no neural signs")],
        "Slight anterior pelvic tilt.",
        "Right hamstring shortened and tender at mid-belly.",
    ),
}


def _assessments(clients, therapist, therapist2) -> None:
    users = {"therapist": therapist, "therapist2": therapist2}
    for last_name, spec in ASSESSMENTS.items():
        client = clients[last_name]
        if Assessment.objects.filter(client=client).exists():
            continue
        who, nprs, psfs, rom, mmt, tests, posture, imbalances = spec
        assessment = Assessment.objects.create(
            client=client,
            assessed_by=users[who],
            assessed_on=today() - dt.timedelta(weeks=8, days=1),
            posture_findings=posture,
            muscular_imbalances=imbalances,
            nprs=nprs,
            psfs_items=psfs,
            pain_regions=HISTORIES[last_name]["pain_regions"],
        )
        for joint, movement, left, right in rom:
            norm = RomNorm.objects.get(joint=joint, movement=movement)
            RangeOfMotion.objects.create(
                assessment=assessment, norm=norm, side="left", degrees=left
            )
            RangeOfMotion.objects.create(
                assessment=assessment, norm=norm, side="right", degrees=right
            )
        for muscle, left, right in mmt:
            MuscleTest.objects.create(assessment=assessment, muscle=muscle, side="left", grade=left)
            MuscleTest.objects.create(
                assessment=assessment, muscle=muscle, side="right", grade=right
            )
        for name, side, result, note in tests:
            SpecialTest.objects.create(
                assessment=assessment, name=name, side=side, result=result, note=note
            )
