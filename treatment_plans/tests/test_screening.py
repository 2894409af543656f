"""The rule engine's edges, `manage.py screen_case`'s errors and medications, the seeded rules,
the admin's rule form, and the plan screen matching through the engine (issue 17)."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from clinic.clinic_time import today
from intake.screening_facts import Event, Facts, MedicationMatch
from intake.tests.factories import HealthHistoryFactory
from treatment_plans import screening
from treatment_plans.admin import RuleForm
from treatment_plans.contraindications import conflicts_for, facts_of, findings_for, site_region
from treatment_plans.management.commands import screen_case
from treatment_plans.models import ContraindicationRule
from treatment_plans.rules_seed import RULES
from treatment_plans.tests.factories import PlanTechniqueFactory, PlanVersionFactory, technique

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 12, 4)


def run(data) -> dict:
    out = io.StringIO()
    text = data if isinstance(data, str) else json.dumps(data)
    call_command("screen_case", "-", stdin=io.StringIO(text), stdout=out)
    return json.loads(out.getvalue())


def refused(data) -> str:
    with pytest.raises(CommandError) as caught:
        run(data)
    assert caught.value.returncode == 2
    return str(caught.value)


# The engine, on rules written here.


def test_findings_are_ordered_by_severity_then_technique_then_condition():
    rules = [
        screening.Rule("1", "fever", "", "contraindicated"),
        screening.Rule("2", "epilepsy", "", "caution"),
        screening.Rule("3", "bleeding_disorder", "cupping", "caution"),
        screening.Rule("4", "uncontrolled_hypertension", "cupping", "clearance"),
    ]
    facts = Facts(
        as_of=AS_OF,
        conditions=frozenset(
            {"fever", "epilepsy", "bleeding_disorder", "uncontrolled_hypertension"}
        ),
    )
    items = [screening.PlanItem("swedish"), screening.PlanItem("cupping")]
    found = [(f.severity, f.technique, f.condition) for f in screening.screen(facts, items, rules)]
    assert found == [
        ("contraindicated", "cupping", "fever"),
        ("contraindicated", "swedish", "fever"),
        ("clearance", "cupping", "uncontrolled_hypertension"),
        ("caution", "cupping", "bleeding_disorder"),
        ("caution", "cupping", "epilepsy"),
        ("caution", "swedish", "epilepsy"),
    ]


def test_the_rules_are_read_in_one_query(django_assert_num_queries):
    facts = Facts(as_of=AS_OF, conditions=frozenset({"anticoagulants"}))
    with django_assert_num_queries(1):
        findings = screening.screen(facts, [screening.PlanItem("cupping", "upper_back")] * 3)
    assert [f.severity for f in findings] == ["contraindicated"]


def test_a_local_rule_follows_the_event_to_its_limb_and_side_only_when_it_names_the_limb():
    clot = Event("dvt_current", AS_OF - dt.timedelta(days=3), "calf", "left")
    facts = Facts(as_of=AS_OF, events=(clot,))
    limb = screening.Rule("1", "dvt_current", local=True, regions=("thigh", "calf", "foot"))
    site = screening.Rule("2", "dvt_current", local=True)

    def fired(region, side):
        return {
            f.rule_id
            for f in screening.screen(
                facts, [screening.PlanItem("swedish", region, side)], [limb, site]
            )
        }

    assert fired("calf", "left") == {"1", "2"}
    assert fired("foot", "left") == {"1"}
    assert fired("foot", "right") == set()
    assert fired("upper_arm", "left") == set()


def test_a_condition_known_without_a_date_meets_every_day_window():
    rule = screening.Rule("1", "recent_surgery", local=True, days_from=0, days_to=56)
    undated = Facts(as_of=AS_OF, conditions=frozenset({"recent_surgery"}))
    old = Facts(
        as_of=AS_OF,
        events=(Event("recent_surgery", AS_OF - dt.timedelta(days=90), "knee", "left"),),
    )
    item = [screening.PlanItem("swedish", "knee", "left")]
    assert screening.screen(undated, item, [rule])
    assert screening.screen(old, item, [rule]) == []


def test_a_medication_class_is_a_key_the_rules_meet():
    facts = Facts(as_of=AS_OF, medications=(MedicationMatch("Prednisone", "corticosteroids"),))
    [finding] = screening.screen(
        facts, [screening.PlanItem("swedish", "upper_back", pressure="deep")]
    )
    assert finding.condition == "corticosteroids" and finding.severity == "caution"


# manage.py screen_case.


def test_the_issues_example_case_screens():
    result = run(
        {
            "as_of": "2026-12-04",
            "history": {
                "conditions": ["anticoagulants"],
                "medications": "",
                "pregnancy_due_date": None,
                "delivery_date": None,
                "events": [
                    {
                        "condition": "recent_surgery",
                        "date": "2026-10-20",
                        "region": "shoulder",
                        "side": "right",
                    }
                ],
            },
            "plan": [
                {
                    "technique": "deep_tissue",
                    "region": "calf",
                    "side": "left",
                    "position": "prone",
                    "pressure": "deep",
                }
            ],
        }
    )
    assert {(f["condition"], f["severity"]) for f in result["findings"]} == {
        ("anticoagulants", "caution")
    }
    assert result["medications_matched"] == [] and result["pregnancy_weeks"] is None
    assert set(result["findings"][0]) >= {
        "technique",
        "severity",
        "scope",
        "condition",
        "region",
        "reason",
    }


def test_pregnancy_weeks_and_trimester_are_printed():
    due = (AS_OF + dt.timedelta(days=280 - 7 * 9 - 3)).isoformat()
    result = run({"as_of": "2026-12-04", "history": {"pregnancy_due_date": due}, "plan": []})
    assert (result["pregnancy_weeks"], result["trimester"]) == (9, 1)


def test_medications_as_written_feed_the_rules(monkeypatch):
    def lexicon(text):
        return [MedicationMatch("Warfarin", "anticoagulants")] if "warfarin" in text.lower() else []

    monkeypatch.setattr(screen_case, "_matcher", lambda: lexicon)
    result = run(
        {
            "as_of": "2026-12-04",
            "history": {"medications": "Warfarin 5 mg daily"},
            "plan": [{"technique": "cupping", "region": "upper_back"}],
        }
    )
    assert result["medications_matched"] == [{"text": "Warfarin", "class": "anticoagulants"}]
    assert [(f["condition"], f["severity"]) for f in result["findings"]] == [
        ("anticoagulants", "contraindicated")
    ]


def test_the_real_lexicon_matches_warfarin():
    pytest.importorskip(
        "intake.medications", reason="the medication lexicon lands in its own branch"
    )
    result = run(
        {"history": {"medications": "Warfarin 5 mg daily"}, "plan": [{"technique": "cupping"}]}
    )
    assert {"text": "Warfarin", "class": "anticoagulants"} in [
        {"text": m["text"].title(), "class": m["class"]} for m in result["medications_matched"]
    ]


@pytest.mark.parametrize(
    ("case", "named"),
    [
        (
            {"history": {"conditions": ["anticoagulants", "dragon_pox"]}},
            "history.conditions[1]: unknown condition key “dragon_pox”",
        ),
        ({"histroy": {}}, "case: unknown key “histroy”"),
        ({"history": {"conditions": "fever"}}, "history.conditions: expected a list"),
        (
            {"history": {"pregnancy_due_date": "next spring"}},
            "history.pregnancy_due_date: “next spring” is not a date",
        ),
        (
            {"history": {"events": [{"condition": "recent_surgery", "region": "elbow"}]}},
            "history.events[0].region: unknown region key “elbow”",
        ),
        (
            {"history": {"events": [{"date": "2026-10-20"}]}},
            "history.events[0]: missing key “condition”",
        ),
        (
            {"plan": [{"technique": "hot_stones"}]},
            "plan[0].technique: unknown technique key “hot_stones”",
        ),
        ({"plan": [{"technique": "swedish", "pressur": "deep"}]}, "plan[0]: unknown key “pressur”"),
        (
            {"plan": [{"technique": "swedish", "position": "standing"}]},
            "plan[0].position: unknown position key “standing”",
        ),
        (
            {"plan": [{"technique": "swedish", "side": "middle"}]},
            "plan[0].side: unknown side key “middle”",
        ),
        ({"plan": {"technique": "swedish"}}, "plan: expected a list"),
        ([1, 2], "case: expected an object"),
        ("{not json", "-: not JSON"),
    ],
)
def test_a_malformed_case_names_what_is_wrong(case, named):
    assert named in refused(case)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="nowhere.json: cannot read it") as caught:
        call_command("screen_case", str(tmp_path / "nowhere.json"))
    assert caught.value.returncode == 2


def test_a_case_file_is_read(tmp_path):
    path = tmp_path / "case.json"
    path.write_text(
        json.dumps({"history": {"conditions": ["fever"]}, "plan": [{"technique": "swedish"}]})
    )
    out = io.StringIO()
    call_command("screen_case", str(path), stdout=out)
    assert [f["condition"] for f in json.loads(out.getvalue())["findings"]] == ["fever"]


def test_the_exit_status_of_a_malformed_case_is_2():
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "manage.py", "screen_case", "-"],
        input="{not json",
        capture_output=True,
        text=True,
        cwd=root,
        env={"DJANGO_SETTINGS_MODULE": "clinic.settings_test", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "-: not JSON" in done.stderr


# The seeded rules.


def test_every_seeded_rule_cites_a_source_and_gives_a_reason():
    rules = ContraindicationRule.objects.all()
    assert rules.count() >= 45 and len(RULES) >= 45
    assert not rules.filter(source="").exists()
    assert not rules.filter(reason="").exists()
    for rule in rules:
        rule.full_clean()  # keys, regions, positions, pressures, windows


def test_the_older_rules_took_the_new_shape_and_keys():
    conditions = set(ContraindicationRule.objects.values_list("condition", flat=True))
    assert {"dvt", "fracture", "fever_infection", "infectious_skin", "cancer_treatment"}.isdisjoint(
        conditions
    )
    cupping = ContraindicationRule.objects.get(condition="pregnancy", technique__key="cupping")
    assert cupping.regions == ["abdomen", "lower_back"] and cupping.severity == "contraindicated"


# The admin's form.


def _form(**changes):
    data = {
        "condition": "recent_surgery",
        "technique": "",
        "severity": "contraindicated",
        "local": "on",
        "regions": [],
        "positions": [],
        "pressures": [],
        "reason": "No work on the site.",
        "source": "Werner R., 7th ed. (2019), Fundamentals",
        "is_active": "on",
    }
    data.update(changes)
    return RuleForm(data=data)


def test_the_admin_form_saves_a_rule_on_where_and_how():
    form = _form(regions=["knee", "calf"], pressures=["deep"], days_from="0", days_to="56")
    assert form.is_valid(), form.errors
    rule = form.save()
    assert rule.regions == ["knee", "calf"] and rule.pressures == ["deep"] and rule.days_to == 56


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"source": ""}, "source", "required"),
        ({"regions": ["elbow"]}, "regions", "Select a valid choice"),
        ({"positions": ["standing"]}, "positions", "Select a valid choice"),
        (
            {"pregnancy_weeks_from": "20"},
            "pregnancy_weeks_from",
            "apply to the pregnancy condition",
        ),
        (
            {"condition": "pregnancy", "pregnancy_weeks_from": "20", "pregnancy_weeks_to": "14"},
            "pregnancy_weeks_to",
            "comes after the first",
        ),
        ({"days_from": "30", "days_to": "7"}, "days_to", "comes after the first"),
        ({"condition": "dragon_pox"}, "condition", "Select a valid choice"),
    ],
)
def test_the_admin_form_says_what_is_wrong_by_field(changes, field, message):
    form = _form(**changes)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field]), form.errors


def test_the_admin_pages_open(client, cast):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    admin_client = client
    rule = ContraindicationRule.objects.filter(condition="pregnancy").first()
    assert (
        admin_client.get(
            reverse("admin:treatment_plans_contraindicationrule_changelist")
        ).status_code
        == 200
    )
    page = admin_client.get(
        reverse("admin:treatment_plans_contraindicationrule_change", args=[rule.pk])
    )
    assert page.status_code == 200 and b"side lying" in page.content


# The plan screen, through the engine.


def test_site_region_reads_a_free_text_site():
    assert site_region("right forearm (volar)") == ("forearm", "right")
    assert site_region("Left knee") == ("knee", "left")
    assert site_region("somewhere") == ("", "")


def test_the_plan_screen_uses_the_due_date_and_the_surgery_site(cast):
    history = HealthHistoryFactory(
        client=cast.client,
        conditions=["pregnancy", "recent_surgery"],
        pregnancy_due_date=today() + dt.timedelta(weeks=10),
        recent_surgery_date=today() - dt.timedelta(days=20),
        recent_surgery_site="left knee",
    )
    facts = facts_of(history)
    assert facts.pregnancy_weeks == 30
    assert facts.events == (
        Event("recent_surgery", today() - dt.timedelta(days=20), "knee", "left"),
    )
    version = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    # Target areas that name no body region: every region rule may apply.
    cupping = PlanTechniqueFactory(
        version=version, technique=technique("cupping"), target_areas="As the session needs"
    )
    PlanTechniqueFactory(
        version=version, technique=technique("swedish"), target_areas="As the session needs"
    )
    found = {(c.subject, c.rule.condition, c.severity) for c in conflicts_for(version)}
    assert ("Cupping therapy", "pregnancy", "contraindicated") in found  # abdomen, lower back
    assert ("All techniques", "recent_surgery", "contraindicated") in found  # on the knee
    # Position and pressure rules wait for the table: a plan that names neither.
    assert not {c for c in found if c[0] == "All techniques" and c[1] == "pregnancy"}

    # A plan that says where: cupping on the upper back is not cupping on the abdomen.
    cupping.target_areas = "Upper back"
    cupping.save()
    found = {(c.subject, c.rule.condition, c.severity) for c in conflicts_for(version)}
    assert ("Cupping therapy", "pregnancy", "contraindicated") not in found


def test_work_at_the_table_is_screened_on_the_current_history(cast):
    HealthHistoryFactory(
        client=cast.client,
        conditions=["pregnancy"],
        pregnancy_due_date=today() + dt.timedelta(weeks=10),
    )
    prone = findings_for(cast.client, [screening.PlanItem("swedish", "upper_back", "", "prone")])
    side_lying = findings_for(
        cast.client, [screening.PlanItem("swedish", "upper_back", "", "side_lying", "light")]
    )
    assert [(f.condition, f.severity) for f in prone] == [("pregnancy", "contraindicated")]
    assert side_lying == []
