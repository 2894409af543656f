"""The health-history conditions checklist. Each flag has a stable key: contraindication rules
(treatment_plans) and health alerts refer to these keys, so never rename one.

Covers every flag of the contraindication table in DOMAIN.md, plus common screening items."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Condition:
    key: str
    label: str
    group: str
    alert: bool = True  # shown as a health alert at the top of clinical pages
    detail_field: str = ""  # the version field that holds its date or site, if any


CONDITIONS: tuple[Condition, ...] = (
    Condition("anticoagulants", "Takes anticoagulants / blood thinners (e.g. warfarin)", "Blood and circulation"),
    Condition("bleeding_disorder", "Bleeding disorder (e.g. haemophilia)", "Blood and circulation"),
    Condition("low_platelets", "Low platelet count", "Blood and circulation"),
    Condition("dvt", "Deep vein thrombosis or active blood clot, now or in the past", "Blood and circulation"),
    Condition("varicose_veins", "Varicose veins", "Blood and circulation"),
    Condition("uncontrolled_hypertension", "High blood pressure that is not controlled", "Heart and blood pressure"),
    Condition("recent_stroke", "Stroke in the last 12 months", "Heart and blood pressure"),
    Condition("heart_condition", "Heart condition or pacemaker", "Heart and blood pressure"),
    Condition("pregnancy", "Currently pregnant", "Pregnancy", detail_field="pregnancy_due_date"),
    Condition("high_risk_pregnancy", "High-risk pregnancy or pre-eclampsia", "Pregnancy"),
    Condition("recent_surgery", "Surgery in the last 6 months", "Injuries and surgery", detail_field="recent_surgery_date"),
    Condition("fracture", "Fracture that is still healing", "Injuries and surgery"),
    Condition("foot_fracture", "Fracture of the foot", "Injuries and surgery"),
    Condition("open_wound", "Open wound or burn", "Skin"),
    Condition("infectious_skin", "Infectious skin condition (e.g. cellulitis, ringworm)", "Skin"),
    Condition("skin_condition", "Other skin condition (e.g. eczema, psoriasis, rash)", "Skin"),
    Condition("infectious_foot", "Infectious foot condition (e.g. athlete's foot, plantar warts)", "Skin"),
    Condition("cancer_treatment", "Cancer currently under treatment", "Other conditions"),
    Condition("osteoporosis", "Osteoporosis", "Other conditions"),
    Condition("fever_infection", "Fever or acute infection today", "Other conditions"),
    Condition("gout_flare", "Gout flare at present", "Other conditions"),
    Condition("diabetes", "Diabetes", "Other conditions"),
    Condition("neuropathy", "Numbness or loss of sensation (neuropathy)", "Other conditions"),
    Condition("epilepsy", "Epilepsy or seizures", "Other conditions"),
    Condition("contagious_illness", "Contagious illness (e.g. flu, COVID-19)", "Other conditions"),
)  # fmt: skip

BY_KEY = {condition.key: condition for condition in CONDITIONS}
KEYS = frozenset(BY_KEY)


def label(key: str) -> str:
    """What a person reads for a condition key ("recent_surgery": "Surgery in the last 6
    months"); a key no longer in the checklist prints as stored rather than vanishing."""
    condition = BY_KEY.get(key)
    return condition.label if condition else key


def grouped() -> list[tuple[str, list[Condition]]]:
    groups: dict[str, list[Condition]] = {}
    for condition in CONDITIONS:
        groups.setdefault(condition.group, []).append(condition)
    return list(groups.items())
