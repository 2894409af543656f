"""The FHIR R4 export (documents/fhir/): valid by the fhir.resources R4 models, every reference
inside the bundle, ids stable across exports, shaped for the viewer (a physician gets no SOAP
text, home care or consents), scoped and audited like the plan PDF, and a constant number of
queries however many sessions."""

from __future__ import annotations

import base64
import hashlib
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEntry, Client, User
from documents.fhir import client_bundle
from documents.fhir.bundle import ICD10CM
from sessions_log.models import SessionNote


def parse(bundle: dict):
    """The bundle read back by the fhir.resources R4 models (raises if it is not valid)."""
    from fhir.resources.bundle import Bundle

    return Bundle.parse_obj(bundle)


def references(node):
    """Every `reference` anywhere in the JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference" and isinstance(value, str):
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def assert_valid_and_closed(bundle: dict) -> None:
    parsed = parse(bundle)
    assert parsed.type == "collection"
    # What the models parse is what we sent: nothing was dropped as unknown.
    assert len(parsed.entry) == len(bundle["entry"])
    full_urls = [entry["fullUrl"] for entry in bundle["entry"]]
    assert len(full_urls) == len(set(full_urls))
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    assert set(references(bundle)) - set(full_urls) == set()


def of_type(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codes(resource: dict, field: str = "code") -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in resource.get(field, {}).get("coding", [])}


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())


def _readers(client: Client) -> list[User]:
    """Everyone who may export this client: the clinic's clinicians, the client, the
    physicians who share their care."""
    readers = list(User.objects.filter(username__in=["admin", "therapist"]))
    if client.user_id:
        readers.append(client.user)
    readers += [
        m.physician.user for m in client.care_team.sharing().select_related("physician__user")
    ]
    return [user for user in readers if user is not None]


@pytest.mark.usefixtures("demo")
def test_every_demo_clients_bundle_is_valid_for_every_reader():
    exported = 0
    for client in Client.objects.all():
        for user in _readers(client):
            assert_valid_and_closed(client_bundle(client, viewer=user))
            exported += 1
    assert exported > Client.objects.count()


@pytest.mark.usefixtures("demo")
def test_the_demo_clients_bundle_holds_her_care():
    client = Client.objects.get(user__username="client")
    therapist = User.objects.get(username="therapist")
    bundle = client_bundle(client, viewer=therapist)
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds >= {
        "Patient",
        "Practitioner",
        "Condition",
        "CarePlan",
        "Goal",
        "Observation",
        "Procedure",
        "Consent",
        "DocumentReference",
    }
    # The reason for care carries its ICD-10-CM code.
    assert any(c[0] == ICD10CM for cond in of_type(bundle, "Condition") for c in codes(cond))
    # Pain is LOINC 72514-3; range of motion is in degrees (UCUM), with laterality.
    observations = of_type(bundle, "Observation")
    assert any(("http://loinc.org", "72514-3") in codes(o) for o in observations)
    rom = [o for o in observations if o.get("valueQuantity", {}).get("code") == "deg"]
    assert rom and all(o["valueQuantity"]["system"] == "http://unitsofmeasure.org" for o in rom)
    assert all(o["bodySite"]["text"] for o in rom)
    # Each activated plan version is a CarePlan with its goals, activities and author.
    for plan in of_type(bundle, "CarePlan"):
        assert plan["goal"] and plan["activity"] and plan["author"]
        timing = plan["activity"][0]["detail"]["scheduledTiming"]["repeat"]
        assert timing["count"] >= 1 and timing["periodUnit"] == "wk"
    # A Procedure per signed note.
    signed = SessionNote.objects.filter(client=client, signed_at__isnull=False).count()
    assert len(of_type(bundle, "Procedure")) == signed
    # The plan PDF's hash is FHIR's: the base64 SHA-1 of the file.
    from documents.models import PlanPdf

    for doc in of_type(bundle, "DocumentReference"):
        attachment = doc["content"][0]["attachment"]
        pdf = PlanPdf.objects.get(pk=doc["identifier"][0]["value"].removeprefix("urn:uuid:"))
        with pdf.file.open("rb") as handle:
            expected = base64.b64encode(hashlib.sha1(handle.read()).digest()).decode()  # noqa: S324
        assert attachment["hash"] == expected
        assert attachment["url"].startswith("http")
        assert attachment["url"].endswith(reverse("plan_pdf_download", kwargs={"pdf_id": pdf.pk}))


@pytest.mark.usefixtures("demo")
def test_ids_are_stable_across_exports():
    client = Client.objects.get(user__username="client")
    therapist = User.objects.get(username="therapist")
    first = client_bundle(client, viewer=therapist)
    second = client_bundle(client, viewer=therapist)
    assert [e["fullUrl"] for e in first["entry"]] == [e["fullUrl"] for e in second["entry"]]
    # The same row is the same resource for every viewer too.
    physician = client.care_team.sharing().get().physician.user
    theirs = {e["fullUrl"] for e in client_bundle(client, viewer=physician)["entry"]}
    assert theirs - {e["fullUrl"] for e in first["entry"]} == set()


@pytest.mark.usefixtures("demo")
def test_a_physicians_bundle_has_no_soap_text_home_care_or_consents():
    client = Client.objects.get(user__username="client")
    physician = client.care_team.sharing().get().physician.user
    therapist = User.objects.get(username="therapist")
    notes = SessionNote.objects.filter(client=client, signed_at__isnull=False)
    private = {
        text
        for note in notes
        for text in (
            note.subjective,
            note.objective,
            note.assessment,
            note.plan_next,
            note.client_response,
            note.home_care,
        )
        if len(text) > 15
    }
    assert private
    theirs = json.dumps(client_bundle(client, viewer=physician), ensure_ascii=False)
    ours = json.dumps(client_bundle(client, viewer=therapist), ensure_ascii=False)
    assert [text for text in private if text not in ours] == []
    assert not [text for text in private if text in theirs]
    # The therapist's written overrides of a contraindication are the clinicians' too.
    from treatment_plans.models import ConflictOverride

    reasons = list(
        ConflictOverride.objects.filter(version__plan__client=client).values_list(
            "reason", flat=True
        )
    )
    assert reasons
    assert all(reason in ours for reason in reasons)
    assert not [reason for reason in reasons if reason in theirs]
    bundle = json.loads(theirs)
    assert of_type(bundle, "Consent") == []
    assert of_type(bundle, "Procedure")  # the sessions themselves are theirs to read
    assert "telecom" not in of_type(bundle, "Patient")[0]  # name and birth date only


def test_a_withdrawn_consent_is_inactive(cast):
    from intake.tests.factories import TreatmentConsentFactory

    consent = TreatmentConsentFactory(client=cast.client, signed_by=cast.therapist)
    consent.revoked_at = timezone.now()
    consent.revoked_by = cast.therapist
    consent.save()
    bundle = client_bundle(cast.client, viewer=cast.therapist)
    assert_valid_and_closed(bundle)
    (resource,) = of_type(bundle, "Consent")
    assert resource["status"] == "inactive"
    assert resource["provision"]["period"]["end"]


# --- the download ---------------------------------------------------------------------------


def test_download_is_fhir_json_not_cached_and_audited(client, cast):
    client.force_login(cast.physician_user)
    url = reverse("fhir_client_bundle", kwargs={"client_id": cast.client.pk})
    before = AuditEntry.objects.count()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "no-store" in response["Cache-Control"]
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="client-{cast.client.pk}.fhir.json"'
    )
    assert_valid_and_closed(json.loads(response.content))
    entry = AuditEntry.objects.order_by("-id").first()
    assert AuditEntry.objects.count() == before + 1
    assert (entry.actor, entry.action, entry.client) == (
        cast.physician_user,
        "download",
        cast.client,
    )


def test_a_revoked_sharing_consent_ends_the_physicians_download(client, cast):
    client.force_login(cast.physician_user)
    url = reverse("fhir_client_bundle", kwargs={"client_id": cast.client.pk})
    assert client.get(url).status_code == 200
    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("therapist", 200),
        ("client_user", 200),
        ("physician_user", 200),
        ("frontdesk", 403),
        ("biller", 403),
        ("client2_user", 404),
        ("physician2_user", 404),
    ],
)
def test_who_may_download(client, cast, role, status):
    client.force_login(getattr(cast, role))
    url = reverse("fhir_client_bundle", kwargs={"client_id": cast.client.pk})
    assert client.get(url).status_code == status


# --- queries ----------------------------------------------------------------------------------


def _care(cast):
    """An activated plan with a technique and a milestone, and an assessment with ROM."""
    from intake.tests.factories import AssessmentFactory, RangeOfMotionFactory
    from treatment_plans.tests.factories import (
        MilestoneFactory,
        PlanTechniqueFactory,
        PlanVersionFactory,
    )

    version = PlanVersionFactory(
        plan__client=cast.client, plan__therapist=cast.therapist, activated_at=timezone.now()
    )
    PlanTechniqueFactory(version=version)
    MilestoneFactory(version=version)
    RangeOfMotionFactory(assessment=AssessmentFactory(client=cast.client))
    return version


def _sessions(cast, version, count: int, *, first_day: int) -> None:
    """`count` signed notes, one a day back from `first_day` days ago, each with a technique
    and a measurement."""
    import datetime as dt

    from intake.tests.factories import rom_norm
    from scheduling.tests.factories import AppointmentFactory
    from sessions_log.models import Measurement, TechniqueApplied
    from sessions_log.tests.factories import SessionNoteFactory
    from treatment_plans.tests.factories import technique

    swedish, norm = technique(), rom_norm()
    therapist = cast.therapist.therapist_profile
    for day in range(first_day, first_day + count):
        starts = timezone.now() - dt.timedelta(days=day)
        note = SessionNoteFactory(
            appointment=AppointmentFactory(
                client=cast.client,
                therapist=therapist,
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=1),
            ),
            plan_version=version,
            signed_at=timezone.now(),
        )
        TechniqueApplied.objects.create(
            note=note, technique=swedish, body_region="neck", pressure="moderate", minutes=20
        )
        Measurement.objects.create(note=note, kind="rom", rom_norm=norm, side="right", value=60)


def _queries(cast, viewer) -> int:
    client_row = Client.objects.get(pk=cast.client.pk)
    with CaptureQueriesContext(connection) as queries:
        bundle = client_bundle(client_row, viewer=viewer)
    assert_valid_and_closed(bundle)
    return len(queries)


@pytest.mark.parametrize("viewer", ["therapist", "physician_user", "client_user"])
def test_queries_do_not_grow_with_sessions(cast, viewer):
    version = _care(cast)
    _sessions(cast, version, 10, first_day=1)
    few = _queries(cast, getattr(cast, viewer))
    _sessions(cast, version, 40, first_day=11)
    many = _queries(cast, getattr(cast, viewer))
    assert SessionNote.objects.filter(client=cast.client).count() == 50
    assert many == few


def test_frequency_is_sessions_every_so_many_weeks():
    from decimal import Decimal

    from documents.fhir.bundle import _Builder
    from treatment_plans.models import PlanVersion

    version = PlanVersion(sessions_per_week=Decimal("1.5"), planned_sessions=8, session_minutes=60)
    repeat = _Builder._timing(version)["repeat"]
    assert (repeat["frequency"], repeat["period"], repeat["periodUnit"]) == (3, 2, "wk")
    assert (repeat["count"], repeat["duration"], repeat["durationUnit"]) == (8, 60, "min")


def test_the_plan_ready_mail_offers_the_fhir_bundle(cast):
    from documents.services import care_team_email
    from treatment_plans.tests.factories import PlanVersionFactory

    version = PlanVersionFactory(
        plan__client=cast.client, plan__therapist=cast.therapist, activated_at=timezone.now()
    )
    body = care_team_email(version, "doctor@example.org").body
    assert reverse("fhir_client_bundle", kwargs={"client_id": cast.client.pk}) in body
    assert "FHIR R4" in body
    assert cast.client.last_name not in body  # still no health information, not even a name
