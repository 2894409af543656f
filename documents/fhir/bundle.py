"""A client's care as a FHIR R4 (4.0.1) `Bundle` of type `collection`, for one viewer.

Every row is read through `visible_to(viewer)`, and what a role may not see of a row is left
out as the pages leave it out (`Can`, sessions_log/selectors.py): a physician's bundle has no
SOAP text, no home care, no contraindication overrides and no consents (DESIGN.md's access
table), and names only the therapists and that physician, not the rest of the care team. A
whole-record bundle (`whole_record=True`, the right of access) gives a client everything a
clinician's bundle holds of their own record.

Ids are stable: each resource's id is a UUID-5 of the kind of resource and our row's UUID, so
the same note is the same `Procedure` in every export. Every reference is `urn:uuid:<id>`,
the `fullUrl` of an entry in the same bundle. Each resource is built with the `fhir.resources`
R4 models (version 6.4.0, the last whose models are FHIR 4.0.1), so what leaves is valid.

Codes: LOINC 72514-3 for pain (NPRS), LOINC 18776-5 (plan of care note) for the plan PDF,
LOINC 59284-0 (patient consent) for consents, SNOMED CT 7771000 / 24028007 for left / right,
ICD-10-CM for diagnoses that are codes of the classification, UCUM `deg` for degrees; PSFS,
LEFS and range-of-motion movements have no code here and are named in text.

Plan PDFs: FHIR's `Attachment.hash` is the base64 SHA-1 of the data. We keep a SHA-256 (hex)
of each PDF, so the SHA-1 is computed from the stored file when the bundle is made; our
SHA-256 travels as an `identifier` of the DocumentReference.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import TextIO

from django.db.models import Prefetch
from django.urls import reverse

from clinic.links import site_url
from clinic.models import CareTeamMember, Client, User
from clinic.permissions import Can
from clinic.roles import Role, role_of
from documents.models import PlanPdf
from intake import diagnoses
from intake.models import Assessment, Consent, HealthHistory
from intake.models.assessment import Side
from intake.models.consent import ConsentKind
from sessions_log.models import SessionNote, TechniqueApplied
from sessions_log.selectors import ADVICE_TEXT, SOAP_TEXT
from treatment_plans.models import (
    ConflictOverride,
    Milestone,
    PlanDiagnosis,
    PlanVersion,
    TreatmentPlan,
)

FHIR_VERSION = "4.0.1"
# Our namespace for the UUID-5 ids (fixed for ever: changing it changes every id).
NAMESPACE = uuid.UUID("5b0c3f0e-8c1a-5d57-9a4e-6a1f3c9d2e71")

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
RFC3986 = "urn:ietf:rfc:3986"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
# Our own identifier systems: the row's UUID in this clinic's records.
OUR_ID = RFC3986

NPRS = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
# Signed notes read per round trip (with their techniques, measurements and addenda).
NOTES_PER_CHUNK = 100
PLAN_OF_CARE = {"system": LOINC, "code": "18776-5", "display": "Plan of care note"}
PATIENT_CONSENT = {"system": LOINC, "code": "59284-0", "display": "Patient Consent"}
# The SOAP sections as the note page names them (clinicians' and whole-record bundles).
SOAP_LABELS = {
    "subjective": "Subjective",
    "objective": "Objective",
    "assessment": "Assessment",
    "plan_next": "Plan for next time",
    "client_response": "Client response",
    "no_assessment_reason": "Why treated before an initial assessment",
}
LATERALITY = {
    Side.LEFT: {"system": SNOMED, "code": "7771000", "display": "Left"},
    Side.RIGHT: {"system": SNOMED, "code": "24028007", "display": "Right"},
}


def resource_id(kind: str, pk, part: str = "") -> str:
    """The resource's id: the same row (and part of it) gives the same id in every export."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{pk}:{part}"))


def ref(resource_id_: str) -> dict:
    return {"reference": f"urn:uuid:{resource_id_}"}


def _date(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _instant(value: dt.datetime) -> str:
    return value.isoformat()


def _number(value) -> float | int:
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _degrees(value) -> dict:
    return {"value": _number(value), "unit": "deg", "system": UCUM, "code": "deg"}


def _score(value) -> dict:
    return {"value": _number(value), "unit": "{score}", "system": UCUM, "code": "{score}"}


class _Bundle:
    """Hands each resource on as it is made (a resource met twice is handed on once), keeping
    only the ids: a record with hundreds of sessions is never held whole."""

    def __init__(self, emit):
        self.emit = emit
        self.ids: set[str] = set()

    def add(self, resource: dict) -> str:
        if resource["id"] not in self.ids:
            self.ids.add(resource["id"])
            self.emit(resource)
        return resource["id"]

    def __contains__(self, resource_id_: str) -> bool:
        return resource_id_ in self.ids


def client_bundle(client: Client, *, viewer, whole_record: bool = False) -> dict:
    """`client`'s care as `viewer` may see it, as a FHIR R4 Bundle (a JSON-ready dict).

    The caller has found `client` through `Client.objects.visible_to(viewer)`. A constant
    number of queries, whatever the number of sessions or assessments."""
    text = io.StringIO()
    write_client_bundle(text, client, viewer=viewer, whole_record=whole_record)
    return json.loads(text.getvalue())


def write_client_bundle(out: TextIO, client: Client, *, viewer, whole_record=False) -> int:
    """Write the Bundle to `out` as JSON, one entry at a time, each validated by its R4 model
    (`fhir.resources`) as it is written; returns how many entries were written.

    `whole_record`: the record as its subject or a clinician receives it on a right-of-access
    request (documents/record_export.py): SOAP text, addenda and overrides for a client too,
    where the portal shows a summary. Only for viewers who may ask for it (`Can.export_record`).
    """
    from fhir.resources import construct_fhir_element  # heavy: loaded on first export

    can = Can(viewer)
    if not can.see_clinical:
        raise PermissionError("This role may not read clinical records.")
    if whole_record and not can.export_record:
        raise PermissionError("This role may not receive a client's whole record.")
    written = 0

    def emit(resource: dict) -> None:
        nonlocal written
        model = construct_fhir_element(resource["resourceType"], resource)
        entry = {"fullUrl": f"urn:uuid:{model.id}", "resource": json.loads(model.json())}
        out.write("," if written else "")
        out.write(json.dumps(entry, ensure_ascii=False))
        written += 1

    builder = _Builder(client, viewer, can, emit=emit, whole_record=whole_record)
    shell = construct_fhir_element(
        "Bundle",
        {
            "resourceType": "Bundle",
            "id": resource_id("Bundle", client.pk, str(viewer.pk)),
            "meta": {"lastUpdated": _instant(builder.now)},
            "type": "collection",
            "timestamp": _instant(builder.now),
        },
    )
    # The validated shell without its closing brace, then the entries as they are made.
    # `json()` renders FHIR's own forms (dates, decimals).
    out.write(shell.json()[:-1] + ',"entry":[')
    builder.build()
    out.write("]}")
    return written


class _Builder:
    def __init__(self, client: Client, viewer, can: Can, *, emit, whole_record: bool):
        from django.utils import timezone

        self.client = client
        self.viewer = viewer
        self.can = can
        # The whole clinical record (SOAP text, addenda, overrides) rather than a summary.
        self.detail = can.see_clinical_detail or whole_record
        self.role = role_of(viewer)
        self.now = timezone.now()
        self.out = _Bundle(emit)
        self.patient_id = resource_id("Patient", client.pk)
        self.users: dict = {}  # user pk -> Practitioner id, made at the end in one query
        self.condition_ids: list[str] = []

    # --- the whole ---------------------------------------------------------------------------

    def build(self) -> None:
        patient = self._patient()
        physicians = self._care_team()
        primary = self.physician_ids.get(self.client.primary_physician_id)
        if primary:
            patient["generalPractitioner"] = [ref(primary)]
        self.out.add(patient)
        for physician in physicians:
            self.out.add(physician)
        self._reason_for_care()
        versions = self._plans()
        self._assessments()
        self._notes(versions)
        if self.can.see_consents:
            self._consents()
        self._pdfs(versions)
        self._practitioners()

    def _practitioner_ref(self, user_id) -> dict | None:
        if user_id is None:
            return None
        self.users[user_id] = resource_id("Practitioner", user_id, "user")
        return ref(self.users[user_id])

    # --- Patient and the people --------------------------------------------------------------

    def _patient(self) -> dict:
        client = self.client
        patient = {
            "resourceType": "Patient",
            "id": self.patient_id,
            "identifier": [{"system": OUR_ID, "value": f"urn:uuid:{client.pk}"}],
            "active": client.is_active,
            "name": [{"use": "official", "family": client.last_name, "given": [client.first_name]}],
            "birthDate": _date(client.date_of_birth),
        }
        if self.can.see_contacts:
            if client.preferred_name:
                patient["name"].append({"use": "usual", "given": [client.preferred_name]})
            telecom = []
            if client.phone:
                telecom.append({"system": "phone", "value": client.phone})
            if client.email:
                telecom.append({"system": "email", "value": client.email})
            if telecom:
                patient["telecom"] = telecom
            if client.address:
                patient["address"] = [{"text": client.address}]
            if client.emergency_contact_name:
                contact = {
                    "name": {"text": client.emergency_contact_name},
                    "relationship": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                    "code": "C",
                                    "display": "Emergency Contact",
                                }
                            ],
                            **(
                                {"text": client.emergency_contact_relationship}
                                if client.emergency_contact_relationship
                                else {}
                            ),
                        }
                    ],
                }
                if client.emergency_contact_phone:
                    contact["telecom"] = [
                        {"system": "phone", "value": client.emergency_contact_phone}
                    ]
                patient["contact"] = [contact]
        return patient

    def _care_team(self) -> list[dict]:
        """The care team's physicians: all of them for staff and the client; a physician is
        shown only themself (the client shares with each member, not members with each
        other)."""
        members = (
            CareTeamMember.objects.visible_to(self.viewer)
            .filter(client=self.client)
            .select_related("physician")
        )
        if self.role == Role.PHYSICIAN:
            members = members.filter(physician__user=self.viewer)
        self.physician_ids: dict = {}
        physicians = []
        for member in members:
            physician = member.physician
            pid = resource_id("Practitioner", physician.pk, "physician")
            self.physician_ids[physician.pk] = pid
            resource = {
                "resourceType": "Practitioner",
                "id": pid,
                "identifier": [{"system": OUR_ID, "value": f"urn:uuid:{physician.pk}"}],
                "name": [
                    {
                        "family": physician.last_name,
                        "given": [physician.first_name],
                        "prefix": ["Dr."],
                    }
                ],
            }
            telecom = [
                {"system": system, "value": value, "use": "work"}
                for system, value in (
                    ("phone", physician.phone),
                    ("fax", physician.fax),
                    ("email", physician.email),
                )
                if value
            ]
            if telecom:
                resource["telecom"] = telecom
            if physician.specialty:
                resource["qualification"] = [{"code": {"text": physician.specialty}}]
            physicians.append(resource)
        return physicians

    def _practitioners(self) -> None:
        """The clinic's people named anywhere in the bundle (therapists, who activated a plan,
        who assessed), in one query."""
        users = User.objects.filter(pk__in=self.users).select_related("therapist_profile")
        for user in users.order_by("last_name", "first_name", "pk"):
            resource = {
                "resourceType": "Practitioner",
                "id": self.users[user.pk],
                "identifier": [{"system": OUR_ID, "value": f"urn:uuid:{user.pk}"}],
                "name": [{"family": user.last_name, "given": [user.first_name]}],
            }
            profile = getattr(user, "therapist_profile", None)
            if profile is not None and (profile.credentials or profile.license_number):
                qualification = {"code": {"text": profile.credentials or "Licensed therapist"}}
                if profile.license_number:
                    qualification["identifier"] = [{"value": profile.license_number}]
                resource["qualification"] = [qualification]
            self.out.add(resource)

    # --- why they come -----------------------------------------------------------------------

    def _reason_for_care(self) -> None:
        """The health history's diagnosis (its current version), one Condition per client: the
        id stays as the history is revised."""
        history = (
            HealthHistory.objects.visible_to(self.viewer)
            .filter(client=self.client)
            .only(
                "pk",
                "client",
                "created_at",
                "created_by",
                "diagnosis",
                "icd10_code",
                "reason_for_visit",
            )
            .order_by("-version")
            .first()
        )
        if history is None:
            return
        code = {"text": history.diagnosis or history.reason_for_visit}
        icd = (history.icd10_code or "").upper()
        display = diagnoses.description(icd) if icd else ""
        if display:
            code["coding"] = [{"system": ICD10CM, "code": icd, "display": display}]
        cid = resource_id("Condition", self.client.pk, "reason-for-care")
        self.condition_ids.append(cid)
        self.out.add(
            {
                "resourceType": "Condition",
                "id": cid,
                "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
                "category": [
                    {"coding": [{"system": CONDITION_CATEGORY, "code": "problem-list-item"}]}
                ],
                "code": code,
                "subject": ref(self.patient_id),
                "recordedDate": _instant(history.created_at),
                "recorder": self._practitioner_ref(history.created_by_id),
                "note": [{"text": f"Reason for visit: {history.reason_for_visit}"}],
            }
        )

    def _plan_diagnoses(self, plans) -> dict:
        """Each plan's ICD-10-CM codes as Conditions; plan pk -> their ids."""
        by_plan: dict = {}
        rows = (
            PlanDiagnosis.objects.visible_to(self.viewer)
            .filter(plan__in=[p.pk for p in plans])
            .order_by("plan", "position")
        )
        for diagnosis in rows:
            cid = resource_id("Condition", diagnosis.pk, "plan-diagnosis")
            self.out.add(
                {
                    "resourceType": "Condition",
                    "id": cid,
                    "clinicalStatus": {
                        "coding": [{"system": CONDITION_CLINICAL, "code": "active"}]
                    },
                    "category": [
                        {"coding": [{"system": CONDITION_CATEGORY, "code": "encounter-diagnosis"}]}
                    ],
                    "code": {
                        "coding": [
                            {
                                "system": ICD10CM,
                                "code": diagnosis.code,
                                **(
                                    {"display": diagnosis.description}
                                    if diagnosis.description
                                    else {}
                                ),
                            }
                        ],
                        "text": diagnosis.description or diagnosis.code,
                    },
                    "subject": ref(self.patient_id),
                    "recordedDate": _instant(diagnosis.added_at),
                    "recorder": self._practitioner_ref(diagnosis.added_by_id),
                }
            )
            by_plan.setdefault(diagnosis.plan_id, []).append(cid)
        return by_plan

    # --- plans -------------------------------------------------------------------------------

    def _plans(self) -> list[PlanVersion]:
        """A CarePlan per activated version, with its Goals (the health goal, each milestone)."""
        versions = list(
            PlanVersion.objects.visible_to(self.viewer)
            .filter(plan__client=self.client, activated_at__isnull=False)
            .select_related("plan")
            .prefetch_related(
                "techniques__technique",
                Prefetch("milestones", queryset=Milestone.objects.select_related("rom_norm")),
                *(
                    [
                        Prefetch(
                            "overrides",
                            queryset=ConflictOverride.objects.select_related("rule", "technique"),
                        )
                    ]
                    if self.detail
                    else []
                ),
            )
            .order_by("plan__created_at", "number")
        )
        plans = {v.plan_id: v.plan for v in versions}
        diagnoses_of = self._plan_diagnoses(plans.values())
        previous: dict = {}
        for version in versions:
            self._care_plan(
                version, diagnoses_of.get(version.plan_id, []), previous.get(version.plan_id)
            )
            previous[version.plan_id] = version
        return versions

    def _care_plan(self, version: PlanVersion, diagnosis_ids: list[str], replaced) -> None:
        plan = version.plan
        cid = resource_id("CarePlan", version.pk)
        addresses = [ref(c) for c in [*self.condition_ids, *diagnosis_ids]]
        if version.superseded_at is not None:
            status, ended = "revoked", version.superseded_at
        elif plan.status == TreatmentPlan.Status.COMPLETED:
            status, ended = "completed", plan.closed_at
        elif plan.status == TreatmentPlan.Status.DISCONTINUED:
            status, ended = "revoked", plan.closed_at
        else:
            status, ended = "active", None
        goal_ids = [self._health_goal(version, status, addresses)]
        goal_ids += [self._milestone_goal(version, m, addresses) for m in version.milestones.all()]
        timing = self._timing(version)
        activity_status = {"active": "in-progress", "completed": "completed"}.get(status, "stopped")
        activities = [
            {
                "detail": {
                    "code": {"text": t.technique.name},
                    "status": activity_status,
                    "description": f"{t.target_areas}: {t.rationale}",
                    "scheduledTiming": timing,
                    "goal": [ref(g) for g in goal_ids],
                    "performer": [self._practitioner_ref(plan.therapist_id)],
                }
            }
            for t in version.techniques.all()
        ]
        notes = []
        if version.other_treatments:
            notes.append({"text": f"Other treatments: {version.other_treatments}"})
        if self.can.see_home_care:
            if version.home_care:
                notes.append({"text": f"Home care: {version.home_care}"})
            if version.body_mechanics:
                notes.append({"text": f"Body mechanics: {version.body_mechanics}"})
        if self.detail:
            for override in version.overrides.all():
                technique = f" ({override.technique.name})" if override.technique_id else ""
                notes.append(
                    {"text": f"Override of '{override.rule}'{technique}: {override.reason}"}
                )
        care_plan = {
            "resourceType": "CarePlan",
            "id": cid,
            "identifier": [{"system": OUR_ID, "value": f"urn:uuid:{version.pk}"}],
            "status": status,
            "intent": "plan",
            "title": f"Treatment plan, version {version.number}",
            "description": version.health_goal,
            "subject": ref(self.patient_id),
            "period": {
                "start": _date(version.start_date),
                **({"end": _instant(ended)} if ended else {}),
            },
            "created": _instant(version.activated_at),
            "author": self._practitioner_ref(version.activated_by_id or plan.therapist_id),
            "addresses": addresses,
            "goal": [ref(g) for g in goal_ids],
            "activity": activities,
        }
        if replaced is not None:
            care_plan["replaces"] = [ref(resource_id("CarePlan", replaced.pk))]
        if notes:
            care_plan["note"] = notes
        self.out.add(care_plan)

    @staticmethod
    def _timing(version: PlanVersion) -> dict:
        """`sessions_per_week` as FHIR counts it: `frequency` sessions every `period` weeks
        (1.5 a week is 3 every 2 weeks, 0.5 is 1 every 2); `count` the planned sessions."""
        ratio = Fraction(Decimal(version.sessions_per_week)).limit_denominator(10)
        repeat = {
            "frequency": ratio.numerator,
            "period": ratio.denominator,
            "periodUnit": "wk",
            "count": version.planned_sessions,
            "duration": version.session_minutes,
            "durationUnit": "min",
        }
        return {"repeat": repeat}

    def _goal_status(self, care_plan_status: str) -> str:
        return {"active": "active", "completed": "completed"}.get(care_plan_status, "cancelled")

    def _health_goal(self, version: PlanVersion, status: str, addresses) -> str:
        gid = resource_id("Goal", version.pk, "health-goal")
        self.out.add(
            {
                "resourceType": "Goal",
                "id": gid,
                "lifecycleStatus": self._goal_status(status),
                "description": {"text": version.health_goal},
                "subject": ref(self.patient_id),
                "startDate": _date(version.start_date),
                "addresses": addresses,
            }
        )
        return gid

    def _milestone_goal(self, version: PlanVersion, milestone: Milestone, addresses) -> str:
        gid = resource_id("Goal", milestone.pk)
        target: dict = {}
        if milestone.kind == Milestone.Kind.TEXT:
            target["measure"] = {"text": "Described"}
            target["detailString"] = milestone.description
        else:
            if milestone.kind == Milestone.Kind.NPRS:
                target["measure"] = {"coding": [NPRS], "text": milestone.measure_label}
            else:
                target["measure"] = {"text": milestone.measure_label}
            if milestone.target_value is not None:
                unit = _degrees if milestone.kind == Milestone.Kind.ROM else _score
                quantity = unit(milestone.target_value)
                if milestone.comparator:
                    quantity["comparator"] = {"gte": ">=", "lte": "<="}[milestone.comparator]
                target["detailQuantity"] = quantity
        if milestone.by_session:
            # Due by session N: N sessions at the plan's frequency after its start.
            weeks = Decimal(milestone.by_session) / Decimal(version.sessions_per_week)
            target["dueDuration"] = {
                "value": _number(round(weeks, 1)),
                "unit": "wk",
                "system": UCUM,
                "code": "wk",
            }
        lifecycle = {
            Milestone.Status.OPEN: "active",
            Milestone.Status.MET: "completed",
            Milestone.Status.NOT_MET: "completed",
        }[milestone.status]
        achievement = {
            Milestone.Status.OPEN: "in-progress",
            Milestone.Status.MET: "achieved",
            Milestone.Status.NOT_MET: "not-achieved",
        }[milestone.status]
        goal = {
            "resourceType": "Goal",
            "id": gid,
            "lifecycleStatus": lifecycle,
            "achievementStatus": {"coding": [{"system": GOAL_ACHIEVEMENT, "code": achievement}]},
            "description": {"text": milestone.summary},
            "subject": ref(self.patient_id),
            "startDate": _date(version.start_date),
            "target": [target],
            "addresses": addresses,
        }
        if milestone.baseline_value is not None:
            goal["note"] = [{"text": f"Baseline: {_number(milestone.baseline_value)}"}]
        self.out.add(goal)
        return gid

    # --- measurements ------------------------------------------------------------------------

    def _observation(
        self, oid, *, code, when, value, performer=None, category="exam", **more
    ) -> str:
        resource = {
            "resourceType": "Observation",
            "id": oid,
            "status": "final",
            "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
            "code": code,
            "subject": ref(self.patient_id),
            "effectiveDateTime": when,
            **value,
            **more,
        }
        if performer:
            resource["performer"] = [performer]
        return self.out.add(resource)

    def _rom(self, oid, *, joint, movement, side, degrees, when, performer, norm=None, **more):
        site = {"text": f"{joint} ({side})" if side else joint}
        extra = {"bodySite": site}
        if side in LATERALITY:
            extra["component"] = [
                {
                    "code": {
                        "coding": [{"system": SNOMED, "code": "272741003", "display": "Laterality"}]
                    },
                    "valueCodeableConcept": {"coding": [LATERALITY[side]]},
                }
            ]
        if norm is not None:
            extra["referenceRange"] = [
                {
                    "high": _degrees(norm.normal_degrees),
                    "text": f"Normal {norm.normal_degrees}° ({norm.source})",
                }
            ]
        self._observation(
            oid,
            code={"text": f"{joint} {movement.lower()} range of motion"},
            when=when,
            value={"valueQuantity": _degrees(degrees)},
            performer=performer,
            **extra,
            **more,
        )

    def _assessments(self) -> None:
        """NPRS, PSFS and LEFS scores and each range-of-motion reading of every assessment."""
        assessments = (
            Assessment.objects.visible_to(self.viewer)
            .filter(client=self.client)
            .only(
                "pk",
                "client",
                "assessed_by",
                "assessed_on",
                "kind",
                "nprs",
                "psfs_items",
                "lefs_items",
            )
            .prefetch_related("rom__norm")
            .order_by("assessed_on", "created_at")
        )
        for a in assessments:
            when = _date(a.assessed_on)
            by = self._practitioner_ref(a.assessed_by_id)
            if a.nprs is not None:
                self._observation(
                    resource_id("Observation", a.pk, "nprs"),
                    code={"coding": [NPRS], "text": "Pain now (NPRS 0-10)"},
                    when=when,
                    value={"valueInteger": a.nprs},
                    performer=by,
                    category="survey",
                )
            if a.psfs_score is not None:
                self._observation(
                    resource_id("Observation", a.pk, "psfs"),
                    code={"text": "Patient-Specific Functional Scale (PSFS), mean score 0-10"},
                    when=when,
                    value={"valueQuantity": _score(a.psfs_score)},
                    performer=by,
                    category="survey",
                    component=[
                        {"code": {"text": item["activity"]}, "valueQuantity": _score(item["score"])}
                        for item in a.psfs_items
                        if item.get("score") is not None and item.get("activity")
                    ],
                )
            if a.lefs_score is not None:
                self._observation(
                    resource_id("Observation", a.pk, "lefs"),
                    code={"text": "Lower Extremity Functional Scale (LEFS), 0-80"},
                    when=when,
                    value={"valueInteger": a.lefs_score},
                    performer=by,
                    category="survey",
                )
            for r in a.rom.all():
                self._rom(
                    resource_id("Observation", r.pk),
                    joint=r.norm.joint,
                    movement=r.norm.movement,
                    side=r.side,
                    degrees=r.degrees,
                    when=when,
                    performer=by,
                    norm=r.norm,
                )

    # --- sessions ----------------------------------------------------------------------------

    def _notes(self, versions) -> None:
        """A Procedure per signed note (techniques, minutes, body sites), and its pain scores and
        measurements as Observations that are part of it. SOAP text and addenda only for
        clinicians and in a whole record."""
        notes = (
            SessionNote.objects.visible_to(self.viewer)
            .filter(client=self.client, signed_at__isnull=False)
            .select_related("appointment__appointment_type")
            .prefetch_related(
                Prefetch(
                    "techniques", queryset=TechniqueApplied.objects.select_related("technique")
                ),
                "measurements__rom_norm",
            )
            .order_by("appointment__starts_at", "pk")
        )
        if self.detail:
            notes = notes.prefetch_related("addenda__author")
        else:
            hidden = SOAP_TEXT if self.can.see_home_care else SOAP_TEXT + ADVICE_TEXT
            if self.can.is_client:
                hidden = tuple(f for f in hidden if f != "assessment")
            notes = notes.defer(*hidden)
        care_plans = {v.pk for v in versions}
        # In chunks (each with its own prefetch): hundreds of notes are never loaded at once.
        for note in notes.iterator(chunk_size=NOTES_PER_CHUNK):
            self._procedure(note, care_plans)

    def _procedure(self, note: SessionNote, care_plans: set) -> None:
        pid = resource_id("Procedure", note.pk)
        appointment = note.appointment
        by = self._practitioner_ref(note.therapist_id)
        techniques = list(note.techniques.all())
        annotations = [
            {
                "text": ", ".join(
                    part
                    for part in (
                        f"{t.technique.name}: {t.body_region}",
                        t.get_position_display() if t.position else "",
                        f"{t.get_pressure_display().lower()} pressure",
                        f"{t.minutes} min",
                    )
                    if part
                )
            }
            for t in techniques
        ]
        if self.detail:
            for name in SOAP_TEXT:
                text = getattr(note, name)
                if text:
                    annotations.append({"text": f"{SOAP_LABELS.get(name, name)}: {text}"})
            for addendum in note.addenda.all():
                annotations.append(
                    {
                        "authorString": addendum.author.get_full_name(),
                        "time": _instant(addendum.created_at),
                        "text": f"Addendum: {addendum.text}",
                    }
                )
        elif self.can.is_client and note.share_assessment and note.assessment:
            annotations.append({"text": f"Assessment: {note.assessment}"})
        if self.can.see_home_care:
            if note.home_care:
                annotations.append({"text": f"Home care given: {note.home_care}"})
            if note.body_mechanics:
                annotations.append({"text": f"Body-mechanics education: {note.body_mechanics}"})
        minutes = sum(t.minutes for t in techniques)
        procedure = {
            "resourceType": "Procedure",
            "id": pid,
            "identifier": [{"system": OUR_ID, "value": f"urn:uuid:{note.pk}"}],
            "status": "completed",
            "code": {
                "text": f"Medical massage ({appointment.appointment_type.name}), "
                f"{minutes} min of techniques"
            },
            "subject": ref(self.patient_id),
            "performedPeriod": {
                "start": _instant(appointment.starts_at),
                "end": _instant(appointment.ends_at),
            },
            "performer": [{"actor": by}],
            "reasonReference": [ref(c) for c in self.condition_ids],
            "bodySite": [
                {"text": region} for region in dict.fromkeys(t.body_region for t in techniques)
            ],
            "note": annotations,
        }
        if note.plan_version_id in care_plans:
            procedure["basedOn"] = [ref(resource_id("CarePlan", note.plan_version_id))]
        for key in ("reasonReference", "bodySite", "note"):
            if not procedure[key]:
                del procedure[key]
        self.out.add(procedure)
        when = _instant(appointment.starts_at)
        part_of = {"partOf": [ref(pid)]}
        for moment, value in (("before", note.pain_before), ("after", note.pain_after)):
            self._observation(
                resource_id("Observation", note.pk, f"pain-{moment}"),
                code={"coding": [NPRS], "text": f"Pain {moment} the session (NPRS 0-10)"},
                when=when,
                value={"valueInteger": value},
                performer=by,
                category="survey",
                **part_of,
            )
        for m in note.measurements.all():
            if m.kind == m.Kind.ROM and m.rom_norm_id:
                self._rom(
                    resource_id("Observation", m.pk),
                    joint=m.rom_norm.joint,
                    movement=m.rom_norm.movement,
                    side=m.side,
                    degrees=m.value,
                    when=when,
                    performer=by,
                    norm=m.rom_norm,
                    **part_of,
                )
            elif m.kind == m.Kind.PSFS:
                self._observation(
                    resource_id("Observation", m.pk),
                    code={"text": f"PSFS activity score (0-10): {m.activity}"},
                    when=when,
                    value={"valueQuantity": _score(m.value)},
                    performer=by,
                    category="survey",
                    **part_of,
                )

    # --- consents ----------------------------------------------------------------------------

    def _consents(self) -> None:
        """Consent to treatment and to sharing; a withdrawn one is `inactive` (FHIR R4: "the
        consent is terminated or replaced"; `rejected` is a consent the patient declined)."""
        consents = (
            Consent.objects.visible_to(self.viewer)
            .filter(client=self.client)
            .select_related("text", "care_team_member")
            .order_by("signed_at")
        )
        for consent in consents:
            sharing = consent.kind == ConsentKind.SHARING
            provision = {
                "type": "permit",
                "period": {
                    "start": _instant(consent.signed_at),
                    **({"end": _instant(consent.revoked_at)} if consent.revoked_at else {}),
                },
            }
            recipient = (
                self.physician_ids.get(consent.care_team_member.physician_id) if sharing else None
            )
            if recipient:
                provision["actor"] = [
                    {
                        "role": {
                            "coding": [
                                {
                                    "system": PARTICIPATION,
                                    "code": "IRCP",
                                    "display": "information recipient",
                                }
                            ]
                        },
                        "reference": ref(recipient),
                    }
                ]
            self.out.add(
                {
                    "resourceType": "Consent",
                    "id": resource_id("Consent", consent.pk),
                    "identifier": [{"system": OUR_ID, "value": f"urn:uuid:{consent.pk}"}],
                    "status": "active" if consent.is_active else "inactive",
                    "scope": {
                        "coding": [
                            {
                                "system": CONSENT_SCOPE,
                                "code": "patient-privacy",
                                "display": "Privacy Consent",
                            }
                            if sharing
                            else {
                                "system": CONSENT_SCOPE,
                                "code": "treatment",
                                "display": "Treatment",
                            }
                        ]
                    },
                    "category": [{"coding": [PATIENT_CONSENT], "text": consent.get_kind_display()}],
                    "patient": ref(self.patient_id),
                    "dateTime": _instant(consent.signed_at),
                    "performer": [ref(self.patient_id)],
                    "policyRule": {"text": str(consent.text)},
                    "provision": provision,
                }
            )

    # --- plan PDFs ---------------------------------------------------------------------------

    def _pdfs(self, versions) -> None:
        """A DocumentReference per ready plan PDF: the newest of a version is `current`."""
        care_plans = {v.pk: v for v in versions}
        pdfs = (
            PlanPdf.objects.visible_to(self.viewer)
            .filter(version__in=list(care_plans), status=PlanPdf.Status.READY)
            .defer("last_error")
            .order_by("version", "-finished_at", "-requested_at")
        )
        seen: set = set()
        for pdf in pdfs:
            version = care_plans[pdf.version_id]
            current = pdf.version_id not in seen
            seen.add(pdf.version_id)
            attachment = {
                "contentType": "application/pdf",
                # Absolute, as FHIR's `url` is; opening it asks the reader to sign in.
                "url": site_url(reverse("plan_pdf_download", kwargs={"pdf_id": pdf.pk})),
                "title": f"treatment-plan-v{version.number}.pdf",
            }
            if pdf.size is not None:
                attachment["size"] = pdf.size
            sha1 = _sha1(pdf)
            if sha1:
                attachment["hash"] = sha1
            when = pdf.finished_at or pdf.requested_at
            attachment["creation"] = _instant(when)
            resource = {
                "resourceType": "DocumentReference",
                "id": resource_id("DocumentReference", pdf.pk),
                "identifier": [{"system": OUR_ID, "value": f"urn:uuid:{pdf.pk}"}],
                "status": "current" if current else "superseded",
                "docStatus": "final",
                "type": {"coding": [PLAN_OF_CARE], "text": "Treatment plan summary (PDF)"},
                "subject": ref(self.patient_id),
                "date": _instant(when),
                "author": [
                    self._practitioner_ref(version.activated_by_id or version.plan.therapist_id)
                ],
                "description": f"Treatment plan, version {version.number}",
                "content": [{"attachment": attachment}],
                "context": {"related": [ref(resource_id("CarePlan", version.pk))]},
            }
            if pdf.sha256:
                resource["identifier"].append({"system": "urn:clinic:sha256", "value": pdf.sha256})
            self.out.add(resource)


def _sha1(pdf: PlanPdf) -> str:
    """FHIR's `Attachment.hash`: the base64 SHA-1 of the file ("" when it cannot be read)."""
    if not pdf.file:
        return ""
    digest = hashlib.sha1()  # noqa: S324 - FHIR R4 defines the attachment hash as SHA-1
    try:
        with pdf.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 16), b""):
                digest.update(chunk)
    except OSError:
        return ""
    return base64.b64encode(digest.digest()).decode("ascii")
