"""The techniques catalogue (DOMAIN.md, from the article) and the starting contraindication
rules (DOMAIN.md table). The clinic admin edits both afterwards."""

from django.db import migrations

TECHNIQUES = [
    ("swedish", "Swedish massage", "Long strokes and friction to improve surface circulation."),
    (
        "deep_tissue",
        "Deep tissue massage",
        "Like Swedish massage with more pressure, for circulation deep in the tissue; relieves tension and stress.",
    ),
    (
        "trigger_point",
        "Trigger point therapy",
        "12-15 seconds of pressure on specific points until the tension releases; not rhythmic strokes.",
    ),
    (
        "sports",
        "Sports massage",
        "For athletes and physically demanding jobs, targeting the body's specific needs.",
    ),
    (
        "reflexology",
        "Reflexology",
        "Reflex points in the feet, hands and head to release tension elsewhere in the body.",
    ),
    (
        "myofascial_release",
        "Myofascial release",
        "Work on the connective tissue (fascia) that wraps each muscle.",
    ),
    (
        "prenatal_postnatal",
        "Prenatal and postnatal massage",
        "Prepares for and recovers from labour; side-lying positioning.",
    ),
    ("cupping", "Cupping therapy", "Suction cups stimulate the skin and muscles."),
]

C, CL, CA = "contraindicated", "clearance", "caution"
BLEEDING = "Bleeding risk: light pressure only; bruising is likely with firm or deep work."
RULES = [
    # condition, technique key or None (all), severity, local, reason
    ("dvt", None, C, True, "Deep vein thrombosis: no massage of the affected limb (risk of dislodging a clot); physician clearance before any work."),
    ("dvt", "reflexology", C, False, "Deep vein thrombosis: reflexology is contraindicated."),
    ("dvt", "cupping", C, False, "Deep vein thrombosis: cupping is contraindicated."),
    ("anticoagulants", "deep_tissue", CA, False, BLEEDING),
    ("anticoagulants", "trigger_point", CA, False, BLEEDING),
    ("anticoagulants", "sports", CA, False, BLEEDING),
    ("anticoagulants", "cupping", C, False, "Anticoagulants: avoid cupping (bruising and bleeding under the skin)."),
    ("bleeding_disorder", "deep_tissue", CA, False, BLEEDING),
    ("bleeding_disorder", "trigger_point", CA, False, BLEEDING),
    ("bleeding_disorder", "sports", CA, False, BLEEDING),
    ("bleeding_disorder", "cupping", C, False, "Bleeding disorder: avoid cupping."),
    ("low_platelets", "deep_tissue", CA, False, BLEEDING),
    ("low_platelets", "trigger_point", CA, False, BLEEDING),
    ("low_platelets", "sports", CA, False, BLEEDING),
    ("low_platelets", "cupping", C, False, "Low platelets: avoid cupping."),
    ("pregnancy", "cupping", C, True, "Pregnancy: no cupping on the abdomen or lower back."),
    ("pregnancy", "deep_tissue", CA, True, "Pregnancy: avoid deep pressure on the legs (clot risk); prefer prenatal technique, side-lying."),
    ("high_risk_pregnancy", None, CL, False, "High-risk pregnancy or pre-eclampsia: physician clearance before massage."),
    ("recent_surgery", None, C, True, "Recent surgery: no work on or near the surgical site until cleared."),
    ("recent_surgery", "cupping", C, True, "Recent surgery: no cupping over the area."),
    ("recent_surgery", "myofascial_release", C, True, "Recent surgery: no myofascial release over the area until the tissue has healed."),
    ("fracture", None, C, True, "Healing fracture: no work on the site."),
    ("open_wound", None, C, True, "Open wound or burn: no work on the site."),
    ("infectious_skin", None, C, True, "Infectious skin condition: no contact with the affected area."),
    ("fever_infection", None, C, False, "Fever or acute infection: no massage that day."),
    ("contagious_illness", None, C, False, "Contagious illness: no massage until recovered."),
    ("uncontrolled_hypertension", "deep_tissue", CL, False, "Uncontrolled high blood pressure: physician clearance for deep tissue work."),
    ("uncontrolled_hypertension", "cupping", CL, False, "Uncontrolled high blood pressure: physician clearance for cupping."),
    ("recent_stroke", "deep_tissue", CL, False, "Recent stroke: physician clearance for deep tissue work."),
    ("recent_stroke", "cupping", CL, False, "Recent stroke: physician clearance for cupping."),
    ("cancer_treatment", "deep_tissue", CL, False, "Cancer under treatment: physician clearance for deep tissue work."),
    ("cancer_treatment", "cupping", CL, False, "Cancer under treatment: physician clearance for cupping."),
    ("varicose_veins", "deep_tissue", C, True, "Varicose veins: no deep pressure over them."),
    ("varicose_veins", "cupping", C, True, "Varicose veins: no cupping over them."),
    ("foot_fracture", "reflexology", C, False, "Foot fracture: no reflexology."),
    ("gout_flare", "reflexology", C, False, "Gout flare: no reflexology."),
    ("infectious_foot", "reflexology", C, False, "Infectious foot condition: no reflexology."),
    ("osteoporosis", "deep_tissue", CA, False, "Osteoporosis: moderate pressure; avoid deep work over bony areas."),
    ("osteoporosis", "sports", CA, False, "Osteoporosis: moderate pressure; no forceful stretching."),
]  # fmt: skip


def seed(apps, schema_editor):
    Technique = apps.get_model("treatment_plans", "Technique")
    Rule = apps.get_model("treatment_plans", "ContraindicationRule")
    techniques = {}
    for key, name, description in TECHNIQUES:
        techniques[key], _ = Technique.objects.get_or_create(
            key=key, defaults={"name": name, "description": description}
        )
    for condition, technique, severity, local, reason in RULES:
        Rule.objects.get_or_create(
            condition=condition,
            technique=techniques.get(technique),
            severity=severity,
            defaults={"local": local, "reason": reason},
        )


class Migration(migrations.Migration):
    dependencies = [("treatment_plans", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
