"""The health-history conditions checklist. Each flag has a stable key: contraindication rules
(treatment_plans) and health alerts refer to these keys, so never rename one.

Covers every flag of the contraindication table in DOMAIN.md, plus common screening items and
the vocabulary of issue 17 (history told apart from now: `dvt_current` / `dvt_history`,
`cancer_current` / `cancer_history`).

A key replaced by newer, more precise ones (`dvt`: "now or in the past") stays here with its
old meaning, so stored histories and rules that name it keep working, but is no longer
offered on the form (`offered=False`); `read_as` names the keys screening also reads it as
(intake/screening_facts.py, `facts_for`), erring on the side of the stricter one."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Condition:
    key: str
    label: str
    group: str
    alert: bool = True  # shown as a health alert at the top of clinical pages
    detail_field: str = ""  # the version field that holds its date or site, if any
    offered: bool = True  # ticked on the form; False for a key kept only for old histories
    read_as: tuple[str, ...] = ()  # the newer keys an old key is also screened as
    located: bool = False  # may be recorded with a date and a body region (history events)


CONDITIONS: tuple[Condition, ...] = (
    Condition("anticoagulants", "Takes anticoagulants / blood thinners (e.g. warfarin)", "Blood and circulation"),
    Condition("antiplatelets", "Takes antiplatelet medicine (e.g. clopidogrel, daily aspirin)", "Blood and circulation"),
    Condition("bleeding_disorder", "Bleeding disorder (e.g. haemophilia)", "Blood and circulation"),
    Condition("low_platelets", "Low platelet count", "Blood and circulation"),
    Condition("dvt", "Deep vein thrombosis or active blood clot, now or in the past", "Blood and circulation", offered=False, read_as=("dvt_current",), located=True),
    Condition("dvt_current", "Blood clot in a deep vein (DVT) now, or still being treated", "Blood and circulation", located=True),
    Condition("dvt_history", "Blood clot in a deep vein (DVT) in the past, now resolved", "Blood and circulation", located=True),
    Condition("varicose_veins", "Varicose veins", "Blood and circulation", located=True),
    Condition("uncontrolled_hypertension", "High blood pressure that is not controlled", "Heart and blood pressure"),
    Condition("recent_stroke", "Stroke in the last 12 months", "Heart and blood pressure"),
    Condition("heart_condition", "Heart condition or pacemaker", "Heart and blood pressure", offered=False, read_as=("heart_failure", "pacemaker")),
    Condition("heart_failure", "Heart failure (the heart does not pump well)", "Heart and blood pressure"),
    Condition("pacemaker", "Pacemaker or implanted defibrillator", "Heart and blood pressure", located=True),
    Condition("abdominal_aortic_aneurysm", "Abdominal aortic aneurysm (a bulge in the main artery of the belly)", "Heart and blood pressure"),
    Condition("carotid_artery_disease", "Narrowed arteries in the neck (carotid or vertebral artery disease)", "Heart and blood pressure"),
    Condition("pregnancy", "Currently pregnant", "Pregnancy", detail_field="pregnancy_due_date"),
    Condition("high_risk_pregnancy", "High-risk pregnancy or pre-eclampsia", "Pregnancy"),
    Condition("postpartum", "Gave birth in the last 12 months", "Pregnancy", detail_field="delivery_date"),
    Condition("c_section", "The last birth was by caesarean section (C-section)", "Pregnancy", detail_field="delivery_date"),
    Condition("recent_surgery", "Surgery in the last 6 months", "Injuries and surgery", detail_field="recent_surgery_date", located=True),
    Condition("fracture", "Fracture that is still healing", "Injuries and surgery", offered=False, read_as=("recent_fracture",), located=True),
    Condition("recent_fracture", "Broken bone that is still healing", "Injuries and surgery", located=True),
    Condition("foot_fracture", "Fracture of the foot", "Injuries and surgery"),
    Condition("acute_injury", "Injury in the last 3 days (sprain, strain, bruise, swelling)", "Injuries and surgery", located=True),
    Condition("steroid_injection", "Cortisone (steroid) injection into a joint or tendon recently", "Injuries and surgery", located=True),
    Condition("open_wound", "Open wound or burn", "Skin", located=True),
    Condition("infectious_skin", "Infectious skin condition (e.g. cellulitis, ringworm)", "Skin", offered=False, read_as=("contagious_skin",), located=True),
    Condition("contagious_skin", "Infectious skin condition (e.g. cellulitis, ringworm, scabies, impetigo)", "Skin", located=True),
    Condition("skin_condition", "Other skin condition (e.g. eczema, psoriasis, rash)", "Skin", located=True),
    Condition("infectious_foot", "Infectious foot condition (e.g. athlete's foot, plantar warts)", "Skin"),
    Condition("cancer_treatment", "Cancer currently under treatment", "Cancer", offered=False, read_as=("cancer_current",)),
    Condition("cancer_current", "Cancer now (under treatment, or not yet treated)", "Cancer"),
    Condition("cancer_history", "Cancer in the past (treatment finished)", "Cancer"),
    Condition("bone_metastases", "Cancer that has spread to the bones (bone metastases)", "Cancer", located=True),
    Condition("radiation_site", "Radiation therapy (radiotherapy), now or in the past", "Cancer", located=True),
    Condition("lymph_node_removal", "Lymph nodes removed (e.g. in the armpit after breast cancer)", "Cancer", located=True),
    Condition("lymphedema", "Lymphedema (lasting swelling of an arm or leg)", "Cancer", located=True),
    Condition("corticosteroids", "Takes steroid tablets (e.g. prednisone)", "Other conditions"),
    Condition("osteoporosis", "Osteoporosis", "Other conditions"),
    Condition("fever_infection", "Fever or acute infection today", "Other conditions", offered=False, read_as=("fever",)),
    Condition("fever", "Fever or acute infection today", "Other conditions"),
    Condition("gout_flare", "Gout flare at present", "Other conditions"),
    Condition("diabetes", "Diabetes", "Other conditions"),
    Condition("neuropathy", "Numbness or loss of sensation (neuropathy)", "Other conditions"),
    Condition("epilepsy", "Epilepsy or seizures", "Other conditions"),
    Condition("kidney_failure", "Kidney failure or dialysis", "Other conditions"),
    Condition("liver_failure", "Liver failure or cirrhosis", "Other conditions"),
    Condition("contagious_illness", "Contagious illness (e.g. flu, COVID-19)", "Other conditions"),
)  # fmt: skip

BY_KEY = {condition.key: condition for condition in CONDITIONS}
KEYS = frozenset(BY_KEY)
# What the form offers; an older key shows only on a history that holds it (`offered_for`).
OFFERED = tuple(condition for condition in CONDITIONS if condition.offered)
# The conditions a history event (a date and a body region) may record, in checklist order.
LOCATED = tuple(condition for condition in CONDITIONS if condition.located and condition.offered)


def label(key: str) -> str:
    """What a person reads for a condition key ("recent_surgery": "Surgery in the last 6
    months"); a key no longer in the checklist prints as stored rather than vanishing."""
    condition = BY_KEY.get(key)
    return condition.label if condition else key


def read_as(keys) -> frozenset[str]:
    """The keys with the newer keys their older ones are also screened as ("dvt" also reads
    as "dvt_current"); unknown keys are kept as they are."""
    found = set(keys)
    for key in keys:
        condition = BY_KEY.get(key)
        if condition is not None:
            found.update(condition.read_as)
    return frozenset(found)


def offered_for(keys=()) -> list[Condition]:
    """The form's checklist: every offered condition, plus an older key this history still
    holds (so a new version neither hides nor silently drops it)."""
    held = set(keys or ())
    return [c for c in CONDITIONS if c.offered or c.key in held]


def grouped(keys=()) -> list[tuple[str, list[Condition]]]:
    groups: dict[str, list[Condition]] = {}
    for condition in offered_for(keys):
        groups.setdefault(condition.group, []).append(condition)
    return list(groups.items())
