# ruff: noqa: E501  (a table: one case a line)
"""The table of cases (issue 17, "How it is checked"): each condition with work that should
and work that should not warn, written from the rules' sources (treatment_plans/rules_seed.py),
run through the engine (`screen`) and through `manage.py screen_case`, on the seeded rules.

Each case gives, per condition, the severities of its findings (sorted): an empty list means
the condition must not warn for that work."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from treatment_plans import screening

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 12, 4)
C, CL, CA = "contraindicated", "clearance", "caution"


def ago(days: int) -> str:
    return (AS_OF - dt.timedelta(days=days)).isoformat()


def due_at(weeks: int) -> str:
    """A due date that makes the client `weeks` completed weeks pregnant on AS_OF."""
    return (AS_OF + dt.timedelta(days=280 - 7 * weeks - 3)).isoformat()


def case(*items, conditions=(), events=(), due=None, delivered=None, medications=""):
    return {
        "as_of": AS_OF.isoformat(),
        "history": {
            "conditions": list(conditions),
            "medications": medications,
            "pregnancy_due_date": due,
            "delivery_date": delivered,
            "events": [
                {"condition": c, "date": d, "region": r, "side": s} for c, d, r, s in events
            ],
        },
        "plan": [
            dict(zip(("technique", "region", "side", "position", "pressure"), item, strict=False))
            for item in items
        ],
    }


def work(technique, region="", side="", position="", pressure=""):
    return (technique, region, side, position, pressure)


CASES = [
    # Blood thinners: the anticoagulants key (warfarin), antiplatelets, bleeding disorders.
    ("warfarin: cupping", case(work("cupping", "upper_back"), conditions=["anticoagulants"]), {"anticoagulants": [C]}),
    ("warfarin: deep tissue at deep pressure", case(work("deep_tissue", "neck", "", "supine", "deep"), conditions=["anticoagulants"]), {"anticoagulants": [CA, CA]}),
    ("warfarin: light Swedish", case(work("swedish", "upper_back", "", "prone", "light"), conditions=["anticoagulants"]), {"anticoagulants": []}),
    ("antiplatelets: trigger point", case(work("trigger_point", "neck", "", "", "moderate"), conditions=["antiplatelets"]), {"antiplatelets": [CA]}),
    ("antiplatelets: light Swedish", case(work("swedish", "neck", "", "", "light"), conditions=["antiplatelets"]), {"antiplatelets": []}),
    ("bleeding disorder: sports massage", case(work("sports", "thigh", "left"), conditions=["bleeding_disorder"]), {"bleeding_disorder": [CA]}),
    ("bleeding disorder: reflexology", case(work("reflexology", "foot"), conditions=["bleeding_disorder"]), {"bleeding_disorder": []}),
    # Medications by class.
    ("corticosteroids: deep pressure", case(work("swedish", "upper_back", "", "", "deep"), conditions=["corticosteroids"]), {"corticosteroids": [CA]}),
    ("corticosteroids: light pressure", case(work("swedish", "upper_back", "", "", "light"), conditions=["corticosteroids"]), {"corticosteroids": []}),
    ("steroid injection 5 days ago: on the site", case(work("swedish", "shoulder", "right"), events=[("steroid_injection", ago(5), "shoulder", "right")]), {"steroid_injection": [C]}),
    ("steroid injection 5 days ago: the other shoulder", case(work("swedish", "shoulder", "left"), events=[("steroid_injection", ago(5), "shoulder", "right")]), {"steroid_injection": []}),
    ("steroid injection 20 days ago: on the site", case(work("swedish", "shoulder", "right"), events=[("steroid_injection", ago(20), "shoulder", "right")]), {"steroid_injection": []}),
    ("analgesics: deep pressure", case(work("swedish", "lower_back", "", "", "deep"), conditions=["analgesics"]), {"analgesics": [CA]}),
    ("analgesics: moderate pressure", case(work("swedish", "lower_back", "", "", "moderate"), conditions=["analgesics"]), {"analgesics": []}),
    ("muscle relaxants: sports stretching", case(work("sports", "thigh", "right", "", "moderate"), conditions=["muscle_relaxants"]), {"muscle_relaxants": [CA]}),
    ("muscle relaxants: light Swedish", case(work("swedish", "thigh", "right", "", "light"), conditions=["muscle_relaxants"]), {"muscle_relaxants": []}),
    ("antihypertensives: getting up", case(work("swedish", "neck", "", "supine", "light"), conditions=["antihypertensives"]), {"antihypertensives": [CA]}),
    ("bisphosphonates: deep pressure", case(work("swedish", "upper_back", "", "", "deep"), conditions=["bisphosphonates"]), {"bisphosphonates": [CA]}),
    ("bisphosphonates: moderate pressure", case(work("swedish", "upper_back", "", "", "moderate"), conditions=["bisphosphonates"]), {"bisphosphonates": []}),
    ("chemotherapy: deep tissue", case(work("deep_tissue", "upper_back"), conditions=["chemotherapy"]), {"chemotherapy": [CL]}),
    ("chemotherapy: Swedish", case(work("swedish", "upper_back", "", "", "light"), conditions=["chemotherapy"]), {"chemotherapy": []}),
    ("diabetes drugs: any session", case(work("swedish", "upper_back"), conditions=["diabetes_drugs"]), {"diabetes_drugs": [CA]}),
    # Clots and veins: now versus history.
    ("DVT now, left calf: work on the left thigh", case(work("swedish", "thigh", "left", "", "light"), events=[("dvt_current", ago(10), "calf", "left")]), {"dvt_current": [C, CL]}),
    ("DVT now, left calf: work on the right thigh", case(work("swedish", "thigh", "right", "", "light"), events=[("dvt_current", ago(10), "calf", "left")]), {"dvt_current": [CL]}),
    ("DVT now: reflexology", case(work("reflexology", "foot", "right"), conditions=["dvt_current"]), {"dvt_current": [C, C, CL]}),
    ("DVT in the past: deep work on the calf", case(work("deep_tissue", "calf", "left", "prone", "deep"), conditions=["dvt_history"]), {"dvt_history": [CA], "dvt_current": []}),
    ("DVT in the past: light work on the calf", case(work("swedish", "calf", "left", "prone", "light"), conditions=["dvt_history"]), {"dvt_history": [], "dvt_current": []}),
    ("DVT in the past: deep work on the neck", case(work("deep_tissue", "neck", "", "supine", "deep"), conditions=["dvt_history"]), {"dvt_history": []}),
    ("older key dvt screens as a current clot", case(work("swedish", "upper_back"), conditions=["dvt"]), {"dvt_current": [CL]}),
    ("varicose veins: deep tissue on the calf", case(work("deep_tissue", "calf", "right", "", "deep"), conditions=["varicose_veins"]), {"varicose_veins": [C, C]}),
    ("varicose veins: light Swedish on the calf", case(work("swedish", "calf", "right", "", "light"), conditions=["varicose_veins"]), {"varicose_veins": []}),
    ("varicose veins: deep tissue on the back", case(work("deep_tissue", "upper_back", "", "", "deep"), conditions=["varicose_veins"]), {"varicose_veins": []}),
    # Heart and blood pressure.
    ("uncontrolled hypertension: deep tissue", case(work("deep_tissue", "upper_back"), conditions=["uncontrolled_hypertension"]), {"uncontrolled_hypertension": [CL]}),
    ("uncontrolled hypertension: Swedish", case(work("swedish", "upper_back"), conditions=["uncontrolled_hypertension"]), {"uncontrolled_hypertension": []}),
    ("heart failure: lying flat", case(work("swedish", "neck", "", "supine", "light"), conditions=["heart_failure"]), {"heart_failure": [CL, CA]}),
    ("heart failure: seated", case(work("swedish", "neck", "", "seated", "light"), conditions=["heart_failure"]), {"heart_failure": [CL]}),
    ("pacemaker: firm work on the chest", case(work("swedish", "chest", "left", "supine", "moderate"), conditions=["pacemaker"]), {"pacemaker": [C]}),
    ("pacemaker: firm work on the back", case(work("swedish", "upper_back", "", "prone", "moderate"), conditions=["pacemaker"]), {"pacemaker": []}),
    ("aortic aneurysm: firm abdominal work", case(work("swedish", "abdomen", "", "supine", "moderate"), conditions=["abdominal_aortic_aneurysm"]), {"abdominal_aortic_aneurysm": [C]}),
    ("aortic aneurysm: light abdominal work", case(work("swedish", "abdomen", "", "supine", "light"), conditions=["abdominal_aortic_aneurysm"]), {"abdominal_aortic_aneurysm": []}),
    ("carotid disease: deep work on the neck", case(work("deep_tissue", "neck", "left", "supine", "deep"), conditions=["carotid_artery_disease"]), {"carotid_artery_disease": [C]}),
    ("carotid disease: light work on the neck", case(work("swedish", "neck", "left", "supine", "light"), conditions=["carotid_artery_disease"]), {"carotid_artery_disease": []}),
    # Surgery, injury, skin: local, by region, side and days.
    ("surgery 45 days ago, right shoulder: the right shoulder", case(work("swedish", "shoulder", "right"), conditions=["anticoagulants"], events=[("recent_surgery", ago(45), "shoulder", "right")]), {"recent_surgery": [C]}),
    ("surgery 45 days ago, right shoulder: the left shoulder", case(work("swedish", "shoulder", "left"), events=[("recent_surgery", ago(45), "shoulder", "right")]), {"recent_surgery": []}),
    ("surgery 100 days ago: Swedish on the site", case(work("swedish", "shoulder", "right"), events=[("recent_surgery", ago(100), "shoulder", "right")]), {"recent_surgery": []}),
    ("surgery 100 days ago: scar work on the site", case(work("myofascial_release", "shoulder", "right"), events=[("recent_surgery", ago(100), "shoulder", "right")]), {"recent_surgery": [CA]}),
    ("fracture of the right forearm: on it", case(work("swedish", "forearm", "right"), events=[("recent_fracture", ago(30), "forearm", "right")]), {"recent_fracture": [C]}),
    ("fracture of the right forearm: the hand", case(work("swedish", "hand", "right"), events=[("recent_fracture", ago(30), "forearm", "right")]), {"recent_fracture": []}),
    ("acute ankle sprain 2 days ago: on it", case(work("swedish", "ankle", "left", "", "light"), events=[("acute_injury", ago(2), "ankle", "left")]), {"acute_injury": [C]}),
    ("acute ankle sprain 2 days ago: deep on the calf", case(work("deep_tissue", "calf", "left", "", "deep"), events=[("acute_injury", ago(2), "ankle", "left")]), {"acute_injury": [C]}),
    ("ankle sprain 10 days ago: on it", case(work("swedish", "ankle", "left", "", "light"), events=[("acute_injury", ago(10), "ankle", "left")]), {"acute_injury": []}),
    ("open wound, left knee: on it", case(work("swedish", "knee", "left"), events=[("open_wound", ago(3), "knee", "left")]), {"open_wound": [C]}),
    ("open wound, left knee: the right knee", case(work("swedish", "knee", "right"), events=[("open_wound", ago(3), "knee", "left")]), {"open_wound": []}),
    ("contagious skin, right forearm: on it", case(work("swedish", "forearm", "right"), events=[("contagious_skin", ago(2), "forearm", "right")]), {"contagious_skin": [C, CL]}),
    ("contagious skin, right forearm: the left forearm", case(work("swedish", "forearm", "left"), events=[("contagious_skin", ago(2), "forearm", "right")]), {"contagious_skin": [CL]}),
    ("eczema on the upper back: on it", case(work("swedish", "upper_back"), events=[("skin_condition", None, "upper_back", "")]), {"skin_condition": [CA]}),
    ("eczema on the upper back: the calf", case(work("swedish", "calf", "left"), events=[("skin_condition", None, "upper_back", "")]), {"skin_condition": []}),
    ("fever: any work", case(work("swedish", "upper_back", "", "", "light"), conditions=["fever"]), {"fever": [C]}),
    # Bone, cancer now versus history.
    ("osteoporosis: sports massage", case(work("sports", "thigh", "left", "", "moderate"), conditions=["osteoporosis"]), {"osteoporosis": [CA]}),
    ("osteoporosis: light Swedish", case(work("swedish", "upper_back", "", "", "light"), conditions=["osteoporosis"]), {"osteoporosis": []}),
    ("cancer under treatment: deep tissue", case(work("deep_tissue", "upper_back"), conditions=["cancer_current"]), {"cancer_current": [CL]}),
    ("cancer in the past: deep tissue", case(work("deep_tissue", "upper_back"), conditions=["cancer_history"]), {"cancer_history": [CA], "cancer_current": []}),
    ("bone metastases: moderate pressure", case(work("swedish", "lower_back", "", "", "moderate"), conditions=["bone_metastases"]), {"bone_metastases": [C, CL]}),
    ("bone metastases: light pressure", case(work("swedish", "lower_back", "", "", "light"), conditions=["bone_metastases"]), {"bone_metastases": [CL]}),
    ("radiation 10 days ago, left chest: on it", case(work("swedish", "chest", "left", "", "light"), events=[("radiation_site", ago(10), "chest", "left")]), {"radiation_site": [C]}),
    ("radiation 10 days ago, left chest: the right chest", case(work("swedish", "chest", "right", "", "light"), events=[("radiation_site", ago(10), "chest", "left")]), {"radiation_site": []}),
    ("radiation 100 days ago: deep on the field", case(work("deep_tissue", "chest", "left", "", "deep"), events=[("radiation_site", ago(100), "chest", "left")]), {"radiation_site": [CA]}),
    ("lymphedema, left arm: firm work on the left forearm", case(work("swedish", "forearm", "left", "", "moderate"), events=[("lymphedema", None, "upper_arm", "left")]), {"lymphedema": [C, CL]}),
    ("lymphedema, left arm: the right forearm", case(work("swedish", "forearm", "right", "", "moderate"), events=[("lymphedema", None, "upper_arm", "left")]), {"lymphedema": [CL]}),
    ("nodes removed, left axilla: cupping the left upper arm", case(work("cupping", "upper_arm", "left"), events=[("lymph_node_removal", ago(400), "shoulder", "left")]), {"lymph_node_removal": [C]}),
    ("nodes removed, left axilla: cupping the right upper arm", case(work("cupping", "upper_arm", "right"), events=[("lymph_node_removal", ago(400), "shoulder", "left")]), {"lymph_node_removal": []}),
    # Nerves, metabolism, organs.
    ("diabetes: deep on the foot", case(work("swedish", "foot", "left", "", "deep"), conditions=["diabetes"]), {"diabetes": [CA, CA]}),
    ("diabetes: light on the foot", case(work("swedish", "foot", "left", "", "light"), conditions=["diabetes"]), {"diabetes": [CA]}),
    ("neuropathy: deep pressure", case(work("swedish", "foot", "right", "", "deep"), conditions=["neuropathy"]), {"neuropathy": [CA]}),
    ("neuropathy: moderate pressure", case(work("swedish", "foot", "right", "", "moderate"), conditions=["neuropathy"]), {"neuropathy": []}),
    ("epilepsy: any session", case(work("swedish", "neck"), conditions=["epilepsy"]), {"epilepsy": [CA]}),
    ("kidney failure: deep pressure", case(work("swedish", "upper_back", "", "", "deep"), conditions=["kidney_failure"]), {"kidney_failure": [C, CL]}),
    ("kidney failure: light pressure", case(work("swedish", "upper_back", "", "", "light"), conditions=["kidney_failure"]), {"kidney_failure": [CL]}),
    ("liver failure: moderate pressure", case(work("swedish", "upper_back", "", "", "moderate"), conditions=["liver_failure"]), {"liver_failure": [C, CL]}),
    ("liver failure: light pressure", case(work("swedish", "upper_back", "", "", "light"), conditions=["liver_failure"]), {"liver_failure": [CL]}),
    # Pregnancy (weeks from the due date) and after the birth.
    (
        "9 weeks pregnant: prone, abdominal work, reflexology, leg trigger points",
        case(
            work("swedish", "abdomen", "", "prone", "moderate"),
            work("reflexology", "foot", "right", "supine", "moderate"),
            work("trigger_point", "calf", "left", "prone", "deep"),
            due=due_at(9),
        ),
        # abdomen: firm work (C), prone early (CA), first trimester (CA); reflexology: points
        # (CA x2: technique and firm pressure on the foot), first trimester (CA); calf trigger
        # points: deep on the legs (C), trigger points on the legs (C), prone early (CA),
        # first trimester (CA).
        {"pregnancy": [C, C, C, CA, CA, CA, CA, CA, CA, CA]},
    ),
    ("9 weeks pregnant: light Swedish on the back, side-lying", case(work("swedish", "upper_back", "", "side_lying", "light"), due=due_at(9)), {"pregnancy": [CA]}),
    ("24 weeks pregnant: prone", case(work("swedish", "upper_back", "", "prone", "light"), due=due_at(24)), {"pregnancy": [C]}),
    ("24 weeks pregnant: supine", case(work("swedish", "neck", "", "supine", "light"), due=due_at(24)), {"pregnancy": [CA]}),
    ("24 weeks pregnant: side-lying", case(work("prenatal", "lower_back", "", "side_lying", "moderate"), due=due_at(24)), {"pregnancy": []}),
    ("16 weeks pregnant: supine", case(work("swedish", "neck", "", "supine", "light"), due=due_at(16)), {"pregnancy": []}),
    ("28 weeks pregnant: cupping the lower back", case(work("cupping", "lower_back", "", "side_lying"), due=due_at(28)), {"pregnancy": [C]}),
    ("28 weeks pregnant: cupping the upper back", case(work("cupping", "upper_back", "", "side_lying"), due=due_at(28)), {"pregnancy": []}),
    ("no due date: no pregnancy rule", case(work("swedish", "abdomen", "", "prone", "deep")), {"pregnancy": []}),
    ("3 weeks after the birth: deep on the calf", case(work("deep_tissue", "calf", "left", "side_lying", "deep"), delivered=ago(21)), {"postpartum": [CA]}),
    ("9 weeks after the birth: deep on the calf", case(work("deep_tissue", "calf", "left", "side_lying", "deep"), delivered=ago(63)), {"postpartum": []}),
    ("C-section 30 days ago: the abdomen", case(work("swedish", "abdomen", "", "supine", "light"), conditions=["c_section"], delivered=ago(30)), {"c_section": [C]}),
    ("C-section 30 days ago: the upper back", case(work("swedish", "upper_back", "", "side_lying", "light"), conditions=["c_section"], delivered=ago(30)), {"c_section": []}),
    ("C-section 90 days ago: the abdomen", case(work("swedish", "abdomen", "", "supine", "light"), conditions=["c_section"], delivered=ago(90)), {"c_section": []}),
]  # fmt: skip


def severities(findings: list[dict], condition: str) -> list[str]:
    order = screening.SEVERITY_RANK
    return sorted((f["severity"] for f in findings if f["condition"] == condition), key=order.get)


def check(findings: list[dict], expected: dict) -> None:
    for condition, wanted in expected.items():
        assert severities(findings, condition) == sorted(wanted, key=screening.SEVERITY_RANK.get), (
            condition,
            findings,
        )


def test_the_table_is_large_enough_and_covers_every_condition():
    assert len(CASES) >= 40
    named = {condition for _, _, expected in CASES for condition in expected}
    wanted = set(screening.CONDITIONS) | set(screening.MEDICATION_CLASSES) | {"pregnancy"}
    assert wanted - named == set()  # every key of the vocabulary has a case


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_case_through_the_engine(name, data, expected):
    facts, items = screening.parse_case(data)
    findings = [screening.finding_json(f) for f in screening.screen(facts, items)]
    check(findings, expected)


@pytest.mark.parametrize(("name", "data", "expected"), CASES, ids=[c[0] for c in CASES])
def test_case_through_screen_case(name, data, expected):
    out = io.StringIO()
    call_command("screen_case", "-", stdin=io.StringIO(json.dumps(data)), stdout=out)
    result = json.loads(out.getvalue())
    check(result["findings"], expected)
    for finding in result["findings"]:
        assert finding["reason"] and finding["source"]
        assert finding["scope"] in ("general", "local")
