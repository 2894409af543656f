# ruff: noqa: E501  (a table: one rule a line)
"""The starting contraindication rules (issue 17): where and how, not only what. Each rule
cites its source; the clinic admin edits them afterwards (the admin, ContraindicationRule).

Loaded once by migration 0004. A rule that was already seeded by 0002 under an older key
names it in `legacy` (condition, technique key, severity): that row is given the new shape
(so its overrides and clearance requests keep pointing at it) instead of a new row.

Fields: condition, technique (key or None for every technique), severity, local, regions,
positions, pressures, weeks (pregnancy weeks from, to), days (days since the event from, to),
reason, source.
"""

from __future__ import annotations

C, CL, CA = "contraindicated", "clearance", "caution"

ARM = ["shoulder", "upper_arm", "forearm", "hand"]
LEG = ["hip", "gluteal", "thigh", "knee", "calf", "ankle", "foot"]
LOWER_LEG = ["thigh", "knee", "calf", "ankle", "foot"]
DEEP = ["deep"]
FIRM = ["moderate", "deep"]

WERNER = "Werner R. A Massage Therapist's Guide to Pathology, 7th ed. (2019)"
CARDIO = f"{WERNER}, Cardiovascular System Conditions"
BLOOD = f"{WERNER}, Cardiovascular System Conditions: Blood disorders"
SKIN = f"{WERNER}, Integumentary System Conditions"
MSK = f"{WERNER}, Musculoskeletal System Conditions"
NERVE = f"{WERNER}, Nervous System Conditions"
LYMPH = f"{WERNER}, Lymph and Immune System Conditions"
ENDO = f"{WERNER}, Endocrine System Conditions"
URINARY = f"{WERNER}, Urinary System Conditions"
DIGEST = f"{WERNER}, Digestive System Conditions"
REPRO = f"{WERNER}, Reproductive System Conditions"
CANCER = f"{WERNER}, Cancer"
WALTON = "Walton T. Medical Conditions and Massage Therapy: A Decision Tree Approach (2011)"
PERSAD = "Persad R. Massage Therapy & Medications (2001)"
ACOG = (
    "ACOG Committee Opinion No. 804, Physical Activity and Exercise During Pregnancy and "
    "the Postpartum Period (2020)"
)
STILLERMAN = "Stillerman E. Prenatal Massage (2008)"
OSBORNE = "Osborne C. Pre- and Perinatal Massage Therapy, 2nd ed. (2012)"

BLEEDING = "Bleeding risk: keep pressure light; bruising comes easily with firm or deep work."


def rule(
    condition,
    technique,
    severity,
    reason,
    source,
    *,
    local=False,
    regions=(),
    positions=(),
    pressures=(),
    weeks=(None, None),
    days=(None, None),
    legacy=None,
):
    return {
        "condition": condition,
        "technique": technique,
        "severity": severity,
        "local": local,
        "regions": list(regions),
        "positions": list(positions),
        "pressures": list(pressures),
        "pregnancy_weeks_from": weeks[0],
        "pregnancy_weeks_to": weeks[1],
        "days_from": days[0],
        "days_to": days[1],
        "reason": reason,
        "source": source,
        "legacy": legacy,
    }


def _bleeding(condition: str, label: str, source: str, legacy: bool) -> list[dict]:
    old = (lambda t, s: (condition, t, s)) if legacy else (lambda t, s: None)
    return [
        rule(condition, "deep_tissue", CA, BLEEDING, source, legacy=old("deep_tissue", CA)),
        rule(condition, "trigger_point", CA, BLEEDING, source, legacy=old("trigger_point", CA)),
        rule(condition, "sports", CA, BLEEDING, source, legacy=old("sports", CA)),
        rule(
            condition,
            "cupping",
            C,
            f"{label}: avoid cupping (bruising and bleeding under the skin).",
            source,
            legacy=old("cupping", C),
        ),
        rule(
            condition,
            None,
            CA,
            f"{label}: any technique at deep pressure bruises easily; keep the pressure light.",
            source,
            pressures=DEEP,
        ),
    ]


RULES: list[dict] = [
    # Blood thinners and bleeding.
    *_bleeding("anticoagulants", "Anticoagulants", f"{CARDIO}: Deep vein thrombosis (anticoagulant therapy); {PERSAD}", True),
    *_bleeding("antiplatelets", "Antiplatelets", f"{CARDIO}: Atherosclerosis (antiplatelet therapy); {PERSAD}", False),
    *_bleeding("bleeding_disorder", "Bleeding disorder", f"{BLOOD}: Hemophilia", True),
    *_bleeding("low_platelets", "Low platelets", f"{BLOOD}: Thrombocytopenia", True),
    # Medications.
    rule("corticosteroids", None, CA, "Long-term corticosteroids thin the skin and weaken bone: no deep pressure, no vigorous joint work.", f"{ENDO}: Cushing syndrome (corticosteroid use); {PERSAD}", pressures=DEEP),
    rule("corticosteroids", "cupping", CA, "Long-term corticosteroids: fragile skin bruises and tears under suction; avoid or keep it brief and light.", f"{ENDO}: Cushing syndrome (corticosteroid use); {PERSAD}"),
    rule("steroid_injection", None, C, "A corticosteroid injection in the last 2 weeks: no work on the injection site (the drug must stay where it was put; tissue is weakened).", f"{MSK}: Tendinopathies (corticosteroid injections); {PERSAD}", local=True, days=(0, 14)),
    rule("analgesics", None, CA, "Painkillers dull the client's pain feedback: moderate pressure at most, check in often.", f"{WERNER}, Fundamentals (medications and massage: analgesics); {PERSAD}", pressures=DEEP),
    rule("muscle_relaxants", None, CA, "Muscle relaxants dull protective tone and feedback: no deep pressure, no strong stretching.", f"{WERNER}, Fundamentals (medications and massage: muscle relaxants); {PERSAD}", pressures=DEEP),
    rule("muscle_relaxants", "sports", CA, "Muscle relaxants: no forceful stretching or joint mobilisation; the client cannot guard.", PERSAD),
    rule("antihypertensives", None, CA, "Blood-pressure medication: risk of dizziness on getting up (orthostatic hypotension); let the client sit a while before standing, help them up.", f"{CARDIO}: Hypertension (medications); {PERSAD}"),
    rule("diabetes_drugs", None, CA, "Insulin or diabetes medication: avoid recent injection sites; ask about the last meal and keep a sugary drink at hand (hypoglycaemia after massage).", f"{ENDO}: Diabetes mellitus; {PERSAD}"),
    rule("bisphosphonates", None, CA, "Bisphosphonates mean fragile bone: no deep pressure, no forceful joint work.", f"{MSK}: Osteoporosis (bisphosphonates); {PERSAD}", pressures=DEEP),
    rule("chemotherapy", "deep_tissue", CL, "Chemotherapy: ask the oncology team before deep work (low blood counts, fatigue, bruising).", f"{CANCER}: Cancer treatment (chemotherapy); {WALTON}"),
    rule("chemotherapy", "cupping", CL, "Chemotherapy: ask the oncology team before cupping (low platelets, fragile skin).", f"{CANCER}: Cancer treatment (chemotherapy); {WALTON}"),
    # Clots and veins.
    rule("dvt_current", None, C, "Deep vein thrombosis: no massage of the affected limb (risk of dislodging a clot); physician clearance before any work.", f"{CARDIO}: Deep vein thrombosis", local=True, regions=ARM + LEG, legacy=("dvt", None, C)),
    rule("dvt_current", None, CL, "Deep vein thrombosis under treatment: physician clearance before any massage.", f"{CARDIO}: Deep vein thrombosis"),
    rule("dvt_current", "reflexology", C, "Deep vein thrombosis: reflexology is contraindicated.", f"{CARDIO}: Deep vein thrombosis", legacy=("dvt", "reflexology", C)),
    rule("dvt_current", "cupping", C, "Deep vein thrombosis: cupping is contraindicated.", f"{CARDIO}: Deep vein thrombosis", legacy=("dvt", "cupping", C)),
    rule("dvt_history", None, CA, "A past deep vein thrombosis: no deep work on the legs; ask about new swelling, pain or warmth in a calf and stop if present.", f"{CARDIO}: Deep vein thrombosis", regions=LEG, pressures=DEEP),
    rule("dvt_history", "cupping", CA, "A past deep vein thrombosis: no cupping on the legs.", f"{CARDIO}: Deep vein thrombosis", regions=LEG),
    rule("varicose_veins", "deep_tissue", C, "Varicose veins: no deep pressure over them.", f"{CARDIO}: Varicose veins", local=True, regions=LEG, legacy=("varicose_veins", "deep_tissue", C)),
    rule("varicose_veins", "cupping", C, "Varicose veins: no cupping over them.", f"{CARDIO}: Varicose veins", local=True, regions=LEG, legacy=("varicose_veins", "cupping", C)),
    rule("varicose_veins", None, C, "Varicose veins: light strokes only over and around them, no deep pressure.", f"{CARDIO}: Varicose veins", local=True, regions=LEG, pressures=DEEP),
    # Heart and blood pressure.
    rule("uncontrolled_hypertension", "deep_tissue", CL, "Uncontrolled high blood pressure: physician clearance for deep tissue work.", f"{CARDIO}: Hypertension", legacy=("uncontrolled_hypertension", "deep_tissue", CL)),
    rule("uncontrolled_hypertension", "cupping", CL, "Uncontrolled high blood pressure: physician clearance for cupping.", f"{CARDIO}: Hypertension", legacy=("uncontrolled_hypertension", "cupping", CL)),
    rule("recent_stroke", "deep_tissue", CL, "Recent stroke: physician clearance for deep tissue work.", f"{CARDIO}: Stroke", legacy=("recent_stroke", "deep_tissue", CL)),
    rule("recent_stroke", "cupping", CL, "Recent stroke: physician clearance for cupping.", f"{CARDIO}: Stroke", legacy=("recent_stroke", "cupping", CL)),
    rule("heart_failure", None, CL, "Heart failure: physician clearance before massage; gentle, non-vigorous work only, the fluid load of strong work strains the heart.", f"{CARDIO}: Heart failure"),
    rule("heart_failure", None, CA, "Heart failure: lying flat can bring on breathlessness; position semi-reclined or seated.", f"{CARDIO}: Heart failure", positions=["supine", "prone"]),
    rule("pacemaker", None, C, "Pacemaker or implanted device: no deep pressure over the device (upper left chest).", f"{CARDIO}: Heart disease (pacemakers)", regions=["chest"], pressures=FIRM),
    rule("pacemaker", "cupping", C, "Pacemaker or implanted device: no cupping over or near the device.", f"{CARDIO}: Heart disease (pacemakers)", regions=["chest", "shoulder"]),
    rule("abdominal_aortic_aneurysm", None, C, "Abdominal aortic aneurysm: no deep or firm work on the abdomen.", f"{CARDIO}: Aneurysm", regions=["abdomen"], pressures=FIRM),
    rule("abdominal_aortic_aneurysm", "cupping", C, "Abdominal aortic aneurysm: no cupping on the abdomen.", f"{CARDIO}: Aneurysm", regions=["abdomen"]),
    rule("carotid_artery_disease", None, C, "Carotid or vertebral artery disease: no deep work on the front and sides of the neck (plaque can break loose).", f"{CARDIO}: Atherosclerosis", regions=["neck"], pressures=FIRM),
    # Surgery, injury, skin.
    rule("recent_surgery", None, C, "Recent surgery (within about 8 weeks): no work on or near the surgical site until cleared.", f"{WERNER}, Fundamentals (postoperative situations)", local=True, days=(0, 56), legacy=("recent_surgery", None, C)),
    rule("recent_surgery", "cupping", C, "Recent surgery: no cupping over the area.", f"{WERNER}, Fundamentals (postoperative situations)", local=True, legacy=("recent_surgery", "cupping", C)),
    rule("recent_surgery", "myofascial_release", C, "Recent surgery: no myofascial release over the area until the tissue has healed.", f"{WERNER}, Fundamentals (postoperative situations); {SKIN}: Scar tissue", local=True, days=(0, 56), legacy=("recent_surgery", "myofascial_release", C)),
    rule("recent_surgery", "myofascial_release", CA, "Healing scar: scar work only once the incision is closed and the surgeon agrees; start gently.", f"{SKIN}: Scar tissue", local=True, days=(57, 365)),
    rule("recent_fracture", None, C, "Healing fracture: no work on the site.", f"{MSK}: Fractures", local=True, legacy=("fracture", None, C)),
    rule("foot_fracture", "reflexology", C, "Foot fracture: no reflexology.", f"{MSK}: Fractures", legacy=("foot_fracture", "reflexology", C)),
    rule("acute_injury", None, C, "Acute injury (under 72 hours): no work on the injured area; rest, ice, elevation.", f"{MSK}: Sprains; Strains", local=True, days=(0, 3)),
    rule("acute_injury", None, C, "Acute injury (under 72 hours): no deep pressure near the injury; it can increase bleeding and swelling.", f"{MSK}: Sprains; Strains", pressures=DEEP, local=True, regions=ARM + LEG, days=(0, 3)),
    rule("acute_injury", "cupping", C, "Acute injury (under 72 hours): no cupping or heat near the injury.", f"{MSK}: Sprains; Strains", local=True, regions=ARM + LEG, days=(0, 3)),
    rule("open_wound", None, C, "Open wound or burn: no work on the site.", f"{SKIN}: Wounds and burns", local=True, legacy=("open_wound", None, C)),
    rule("contagious_skin", None, C, "Infectious skin condition: no contact with the affected area.", f"{SKIN}: Skin infections", local=True, legacy=("infectious_skin", None, C)),
    rule("contagious_skin", None, CL, "Infectious skin condition that is spreading or with fever (e.g. cellulitis): no massage until treated.", f"{SKIN}: Cellulitis"),
    rule("skin_condition", None, CA, "Skin condition (eczema, psoriasis, rash): avoid the affected skin when it is broken or inflamed; use a hypoallergenic lubricant.", f"{SKIN}: Eczema; Psoriasis", local=True),
    rule("infectious_foot", "reflexology", C, "Infectious foot condition: no reflexology.", f"{SKIN}: Fungal infections", legacy=("infectious_foot", "reflexology", C)),
    rule("gout_flare", "reflexology", C, "Gout flare: no reflexology.", f"{MSK}: Gout", legacy=("gout_flare", "reflexology", C)),
    rule("fever", None, C, "Fever or acute infection: no massage that day.", f"{WERNER}, Fundamentals (fever)", legacy=("fever_infection", None, C)),
    rule("contagious_illness", None, C, "Contagious illness: no massage until recovered.", f"{WERNER}, Fundamentals (infectious agents)", legacy=("contagious_illness", None, C)),
    # Bone.
    rule("osteoporosis", "deep_tissue", CA, "Osteoporosis: moderate pressure; avoid deep work over bony areas.", f"{MSK}: Osteoporosis", legacy=("osteoporosis", "deep_tissue", CA)),
    rule("osteoporosis", "sports", CA, "Osteoporosis: moderate pressure; no forceful stretching.", f"{MSK}: Osteoporosis", legacy=("osteoporosis", "sports", CA)),
    rule("osteoporosis", None, CA, "Osteoporosis: no deep pressure, especially over the ribs and spine.", f"{MSK}: Osteoporosis", pressures=DEEP),
    # Cancer: current versus history.
    rule("cancer_current", "deep_tissue", CL, "Cancer under treatment: physician clearance for deep tissue work.", f"{CANCER}; {WALTON}", legacy=("cancer_treatment", "deep_tissue", CL)),
    rule("cancer_current", "cupping", CL, "Cancer under treatment: physician clearance for cupping.", f"{CANCER}; {WALTON}", legacy=("cancer_treatment", "cupping", CL)),
    rule("cancer_current", None, CA, "Cancer under treatment: adjust pressure to the client's blood counts, fatigue, ports and lines; no deep pressure without clearance.", f"{CANCER}; {WALTON}", pressures=DEEP),
    rule("cancer_history", None, CA, "A past cancer, treatment finished: ask about lymph node removal, radiation and lasting effects; usually no restriction.", f"{CANCER}; {WALTON}"),
    rule("bone_metastases", None, C, "Bone metastases: no deep or firm pressure, no joint mobilisation (fracture risk).", f"{CANCER}: Metastasis to bone; {WALTON}", pressures=FIRM),
    rule("bone_metastases", None, CL, "Bone metastases: physician clearance before massage.", f"{CANCER}: Metastasis to bone; {WALTON}"),
    rule("radiation_site", None, C, "Radiation field: no work on the treated skin during radiation and for about 6 weeks after (fragile, burned skin).", f"{CANCER}: Cancer treatment (radiation); {WALTON}", local=True, days=(0, 42)),
    rule("radiation_site", None, CA, "Old radiation field: gentle work only, no deep pressure or heat on the treated area.", f"{CANCER}: Cancer treatment (radiation); {WALTON}", local=True, days=(43, None), pressures=DEEP),
    rule("lymphedema", None, C, "Lymphedema: no deep pressure on the affected limb (it adds fluid the lymph cannot clear).", f"{LYMPH}: Lymphedema", local=True, regions=ARM + LEG, pressures=FIRM),
    rule("lymphedema", "cupping", C, "Lymphedema: no cupping or heat on the affected limb.", f"{LYMPH}: Lymphedema", local=True, regions=ARM + LEG),
    rule("lymphedema", None, CL, "Lymphedema: physician clearance; lymph drainage is specialist work.", f"{LYMPH}: Lymphedema"),
    rule("lymph_node_removal", None, C, "Lymph nodes removed: no deep pressure, cupping or heat on the limb drained by them (lymphedema risk).", f"{LYMPH}: Lymphedema (risk after node removal); {WALTON}", local=True, regions=ARM + LEG + ["chest"], pressures=FIRM),
    rule("lymph_node_removal", "cupping", C, "Lymph nodes removed: no cupping on the limb drained by them.", f"{LYMPH}: Lymphedema (risk after node removal); {WALTON}", local=True, regions=ARM + LEG + ["chest"]),
    # Nerves, metabolism, organs.
    rule("diabetes", None, CA, "Diabetes: avoid insulin injection sites from the last days; check sensation before pressure; ask about the last meal (hypoglycaemia).", f"{ENDO}: Diabetes mellitus"),
    rule("diabetes", None, CA, "Diabetes: reduced sensation in the feet and legs is common; light to moderate pressure there, watch the skin.", f"{ENDO}: Diabetes mellitus (peripheral neuropathy)", regions=["calf", "ankle", "foot"], pressures=DEEP),
    rule("neuropathy", None, CA, "Numbness: the client cannot feel too much pressure; light to moderate pressure on numb areas, check the skin.", f"{NERVE}: Peripheral neuropathy", pressures=DEEP),
    rule("epilepsy", None, CA, "Epilepsy: ask about triggers and warning signs; no strong scents or flickering light; know the seizure plan.", f"{NERVE}: Seizure disorders"),
    rule("kidney_failure", None, CL, "Kidney failure: physician clearance; light pressure only (fluid and waste load); avoid a dialysis fistula arm.", f"{URINARY}: Renal failure"),
    rule("kidney_failure", None, C, "Kidney failure: no deep pressure (fluid load, bruising).", f"{URINARY}: Renal failure", pressures=FIRM),
    rule("liver_failure", None, CL, "Liver failure: physician clearance; light pressure only (bruising, fluid load).", f"{DIGEST}: Cirrhosis"),
    rule("liver_failure", None, C, "Liver failure: no deep pressure, no deep abdominal work.", f"{DIGEST}: Cirrhosis", pressures=FIRM),
    # Pregnancy (weeks from the due date).
    rule("pregnancy", None, CA, "First trimester: gentle work; avoid deep abdominal and strong reflex-point work; ask about nausea and how the pregnancy is going.", f"{REPRO}: Pregnancy; {STILLERMAN}", weeks=(0, 13)),
    rule("pregnancy", None, CA, "From about 20 weeks lying flat on the back presses on the vena cava (supine hypotension): position side-lying, or supine with the right hip wedged and for short periods.", f"{ACOG}; {REPRO}: Pregnancy", positions=["supine"], weeks=(20, None)),
    rule("pregnancy", None, C, "From the second trimester, no prone position on a flat table: side-lying (or a pregnancy bolster system that leaves the abdomen unloaded).", f"{REPRO}: Pregnancy; {OSBORNE}", positions=["prone"], weeks=(14, None)),
    rule("pregnancy", None, CA, "Early pregnancy, prone: comfortable for most; stop when the abdomen or breasts are tender; use a pregnancy bolster.", f"{REPRO}: Pregnancy; {OSBORNE}", positions=["prone"], weeks=(0, 13)),
    rule("pregnancy", None, C, "Pregnancy: no deep or firm work on the abdomen; light, gentle strokes only.", f"{REPRO}: Pregnancy; {STILLERMAN}", regions=["abdomen"], pressures=FIRM),
    rule("pregnancy", "deep_tissue", C, "Pregnancy: no deep tissue work on the abdomen.", f"{REPRO}: Pregnancy; {STILLERMAN}", regions=["abdomen"]),
    rule("pregnancy", None, C, "Pregnancy raises the clotting risk: no deep pressure on the legs (calf, thigh); light strokes towards the heart.", f"{REPRO}: Pregnancy; {CARDIO}: Deep vein thrombosis", regions=LOWER_LEG, pressures=DEEP),
    rule("pregnancy", "deep_tissue", CA, "Pregnancy: avoid deep pressure on the legs (clot risk); prefer prenatal technique, side-lying.", f"{REPRO}: Pregnancy", local=True, regions=LOWER_LEG, legacy=("pregnancy", "deep_tissue", CA)),
    rule("pregnancy", "trigger_point", C, "Pregnancy: no trigger-point pressure on the legs (clot risk).", f"{REPRO}: Pregnancy; {CARDIO}: Deep vein thrombosis", regions=LOWER_LEG),
    rule("pregnancy", "reflexology", CA, "Pregnancy: no sustained pressure on the points traditionally avoided (SP6 above the inner ankle, LI4 in the thumb web, the foot's reproductive reflexes); gentle reflexology only.", f"{STILLERMAN}; {OSBORNE}"),
    rule("pregnancy", None, CA, "Pregnancy: no sustained point pressure at SP6 (above the inner ankle), LI4 (thumb web) or the ankle and heel.", f"{STILLERMAN}; {OSBORNE}", regions=["ankle", "foot", "hand"], pressures=FIRM),
    rule("pregnancy", "cupping", C, "Pregnancy: no cupping on the abdomen or lower back.", f"{REPRO}: Pregnancy", regions=["abdomen", "lower_back"], legacy=("pregnancy", "cupping", C)),
    rule("high_risk_pregnancy", None, CL, "High-risk pregnancy or pre-eclampsia: physician clearance before massage.", f"{REPRO}: Pregnancy (pre-eclampsia)", legacy=("high_risk_pregnancy", None, CL)),
    # After the birth (days from the delivery date).
    rule("postpartum", None, CA, "First 6 weeks after the birth: the clotting risk stays high; no deep work on the legs.", f"{REPRO}: Pregnancy (postpartum); {CARDIO}: Deep vein thrombosis; {ACOG}", regions=LOWER_LEG, pressures=DEEP, days=(0, 42)),
    rule("c_section", None, C, "Caesarean section in the last 8 weeks: no work on the abdomen over or around the incision.", f"{REPRO}: Pregnancy (postpartum); {WERNER}, Fundamentals (postoperative situations)", regions=["abdomen"], days=(0, 56)),
    rule("c_section", "cupping", C, "Caesarean section: no cupping on the abdomen until the scar is healed and cleared.", f"{REPRO}: Pregnancy (postpartum); {SKIN}: Scar tissue", regions=["abdomen", "lower_back"], days=(0, 84)),
]  # fmt: skip
