"""The facts screening is matched against, as the health history gives them (issue 17): the
vocabulary (history told apart from now, older keys still read), the events, the medications
as written, pregnancy and post-partum."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from intake import conditions
from intake.models import HealthHistory
from intake.screening_facts import (
    Event,
    Facts,
    MedicationMatch,
    facts_for,
    postpartum_summary,
    pregnancy_summary,
)
from intake.tests.factories import HealthHistoryFactory

_ISSUE_KEYS_TEXT = (
    "anticoagulants antiplatelets corticosteroids bleeding_disorder dvt_current dvt_history "
    "varicose_veins uncontrolled_hypertension heart_failure pacemaker recent_surgery "
    "recent_fracture acute_injury osteoporosis cancer_current cancer_history bone_metastases "
    "radiation_site lymphedema lymph_node_removal diabetes neuropathy epilepsy fever "
    "contagious_skin skin_condition open_wound abdominal_aortic_aneurysm carotid_artery_disease "
    "kidney_failure liver_failure steroid_injection postpartum c_section"
)
ISSUE_KEYS = _ISSUE_KEYS_TEXT.split()

# Keys stored histories and the seeded rules use, with the label they were given.
OLD_KEYS = {
    "anticoagulants": "Takes anticoagulants / blood thinners (e.g. warfarin)",
    "bleeding_disorder": "Bleeding disorder (e.g. haemophilia)",
    "low_platelets": "Low platelet count",
    "dvt": "Deep vein thrombosis or active blood clot, now or in the past",
    "varicose_veins": "Varicose veins",
    "uncontrolled_hypertension": "High blood pressure that is not controlled",
    "recent_stroke": "Stroke in the last 12 months",
    "heart_condition": "Heart condition or pacemaker",
    "pregnancy": "Currently pregnant",
    "high_risk_pregnancy": "High-risk pregnancy or pre-eclampsia",
    "recent_surgery": "Surgery in the last 6 months",
    "fracture": "Fracture that is still healing",
    "foot_fracture": "Fracture of the foot",
    "open_wound": "Open wound or burn",
    "infectious_skin": "Infectious skin condition (e.g. cellulitis, ringworm)",
    "skin_condition": "Other skin condition (e.g. eczema, psoriasis, rash)",
    "infectious_foot": "Infectious foot condition (e.g. athlete's foot, plantar warts)",
    "cancer_treatment": "Cancer currently under treatment",
    "osteoporosis": "Osteoporosis",
    "fever_infection": "Fever or acute infection today",
    "gout_flare": "Gout flare at present",
    "diabetes": "Diabetes",
    "neuropathy": "Numbness or loss of sensation (neuropathy)",
    "epilepsy": "Epilepsy or seizures",
    "contagious_illness": "Contagious illness (e.g. flu, COVID-19)",
}

TODAY = dt.date(2026, 12, 4)


# --- the vocabulary ------------------------------------------------------------------------------


def test_every_key_the_issue_names_is_offered_with_a_plain_label():
    offered = {c.key: c for c in conditions.OFFERED}
    for key in ISSUE_KEYS:
        assert key in offered, key
        assert offered[key].label and "_" not in offered[key].label, key


def test_older_keys_keep_their_meaning_and_those_split_or_renamed_leave_the_form():
    for key, text in OLD_KEYS.items():
        assert conditions.label(key) == text, key
    retired = {c.key for c in conditions.CONDITIONS if not c.offered}
    assert retired == {
        "dvt", "cancer_treatment", "heart_condition", "fracture", "infectious_skin",
        "fever_infection",
    }  # fmt: skip
    assert conditions.read_as(["dvt", "cancer_treatment", "diabetes"]) == {
        "dvt", "dvt_current", "cancer_treatment", "cancer_current", "diabetes"}  # fmt: skip
    assert conditions.read_as(["heart_condition"]) >= {"heart_failure", "pacemaker"}
    for condition in conditions.CONDITIONS:
        assert set(condition.read_as) <= conditions.KEYS, condition.key


def test_the_form_offers_an_older_key_only_to_a_history_that_holds_it():
    assert "dvt" not in {c.key for c in conditions.offered_for()}
    assert "dvt" in {c.key for c in conditions.offered_for(["dvt"])}
    groups = dict(conditions.grouped(["dvt"]))
    assert "dvt" in [c.key for c in groups["Blood and circulation"]]


# --- the events ---------------------------------------------------------------------------------


def _event(**change):
    return {"condition": "recent_surgery", "date": "2026-10-20", "region": "shoulder",
            "side": "right", **change}  # fmt: skip


@pytest.mark.parametrize(
    "events,message",
    [
        ([_event(condition="surgery")], "unknown condition"),
        ([_event(date="2999-01-01")], "in the future"),
        ([_event(date="20 Oct")], "not a date"),
        ([_event(region="elbow")], "unknown body region"),
        ([_event(side="both")], "left, right or empty"),
        ([{"condition": "recent_surgery"}], "needs exactly"),
        ({"condition": "recent_surgery"}, "a list"),
    ],
)
def test_an_event_out_of_the_vocabulary_is_refused(cast, events, message):
    history = HealthHistory(client=cast.client, version=1, created_by=cast.therapist,
                            reason_for_visit="x", events=events)  # fmt: skip
    with pytest.raises(ValidationError, match=message):
        history.full_clean()


def test_valid_events_and_classes_pass_and_unknown_classes_do_not(cast):
    history = HealthHistory(client=cast.client, version=1, created_by=cast.therapist,
                            reason_for_visit="x", events=[_event(), _event(region="", side="",
                            date="")], medication_classes=["anticoagulants"])  # fmt: skip
    history.full_clean()
    history.medication_classes = ["blood_thinners"]
    with pytest.raises(ValidationError, match="Unknown medication classes: blood_thinners"):
        history.full_clean()


# --- facts_for ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_facts_gather_the_checklist_the_classes_the_events_and_the_medications():
    history = HealthHistoryFactory(
        conditions=["dvt", "diabetes"],
        medication_classes=["corticosteroids"],
        medications="Warfarin 5 mg daily\nAspirin 81 mg",
        recent_surgery_date=dt.date(2026, 10, 20),
        recent_surgery_site="right shoulder (rotator cuff)",
        events=[
            _event(condition="steroid_injection", date="2026-11-30", region="knee", side="left")
        ],  # fmt: skip
        pregnancy_due_date=dt.date(2027, 2, 26),
        delivery_date=None,
    )
    facts = facts_for(history, as_of=TODAY)
    assert facts.as_of == TODAY
    assert facts.conditions == {"dvt", "dvt_current", "diabetes", "corticosteroids"}
    assert facts.events == (
        Event("recent_surgery", dt.date(2026, 10, 20), "shoulder", "right"),
        Event("steroid_injection", dt.date(2026, 11, 30), "knee", "left"),
    )
    assert facts.medications == (
        MedicationMatch("Warfarin", "anticoagulants"),
        MedicationMatch("Aspirin", "antiplatelets"),
        MedicationMatch("Aspirin", "analgesics"),
    )
    assert facts.pregnancy_due_date == dt.date(2027, 2, 26) and facts.delivery_date is None
    assert facts.pregnancy_weeks == 28 and facts.trimester == 3
    assert {"anticoagulants", "steroid_injection", "recent_surgery", "pregnancy"} <= facts.keys


@pytest.mark.django_db
@pytest.mark.parametrize(
    "site,region,side",
    [
        ("right forearm (volar)", "forearm", "right"),
        ("Left KNEE", "knee", "left"),
        ("lower back", "lower_back", ""),
        ("knee and hip", "", ""),  # two regions: none guessed
        ("arthroscopy", "", ""),
        ("", "", ""),
    ],
)
def test_the_surgery_recorded_before_events_is_an_event(site, region, side):
    history = HealthHistoryFactory(recent_surgery_date=dt.date(2026, 9, 1),
                                   recent_surgery_site=site)  # fmt: skip
    (event,) = facts_for(history, as_of=TODAY).events
    assert event == Event("recent_surgery", dt.date(2026, 9, 1), region, side)


@pytest.mark.django_db
def test_a_history_without_dates_or_medications_gives_bare_facts():
    facts = facts_for(HealthHistoryFactory(), as_of=TODAY)
    assert facts == Facts(as_of=TODAY)
    assert facts_for(None, as_of=TODAY) == Facts(as_of=TODAY)


@pytest.mark.parametrize(
    "days_to_due,text",
    [
        (280 - 9 * 7, "9 weeks (1st trimester)"),
        (280 - 13 * 7 - 6, "13 weeks (1st trimester)"),
        (280 - 14 * 7, "14 weeks (2nd trimester)"),
        (280 - 27 * 7 - 6, "27 weeks (2nd trimester)"),
        (280 - 28 * 7, "28 weeks (3rd trimester)"),
        (0, "40 weeks (3rd trimester)"),
        (-29, ""),  # more than 4 weeks past the due date: no longer counted as pregnant
        (300, ""),
    ],
)
def test_weeks_and_trimester_of_a_pregnancy(days_to_due, text):
    facts = Facts(as_of=TODAY, pregnancy_due_date=TODAY + dt.timedelta(days=days_to_due))
    assert pregnancy_summary(facts) == text


@pytest.mark.parametrize(
    "days_since,text",
    [(0, "0 days after delivery"), (1, "1 day after delivery"), (7, "1 week after delivery"),
     (6 * 7 + 3, "6 weeks after delivery"), (365, "52 weeks after delivery"), (366, ""),
     (-1, "")],
)  # fmt: skip
def test_weeks_since_a_birth(days_since, text):
    facts = Facts(as_of=TODAY, delivery_date=TODAY - dt.timedelta(days=days_since))
    assert postpartum_summary(facts) == text
