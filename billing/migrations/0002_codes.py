"""The codes a medical massage practice bills (issue 18), their kind and a starting self-pay fee
the clinic admin edits; which catalogue technique bills as which code; the usual modifiers.
Descriptors paraphrase the AMA CPT code set as CMS publishes it in the Physician Fee Schedule
(the full descriptors are the AMA's)."""

from decimal import Decimal

from django.db import migrations

SOURCE = "AMA CPT (CMS Physician Fee Schedule, therapy codes list)"

CODES = [
    (
        "97124",
        "Massage, including effleurage, petrissage and/or tapotement, each 15 minutes",
        "timed",
        "30.00",
    ),
    (
        "97140",
        "Manual therapy techniques (e.g. myofascial release, trigger point), each 15 minutes",
        "timed",
        "35.00",
    ),
    ("97112", "Neuromuscular re-education, each 15 minutes", "timed", "35.00"),
    ("97010", "Application of hot or cold packs", "untimed", "10.00"),
]

TECHNIQUE_CODES = {
    "swedish": "97124",
    "deep_tissue": "97124",
    "sports": "97124",
    "prenatal": "97124",
    "trigger_point": "97140",
    "myofascial_release": "97140",
}

MODIFIERS = [
    ("GP", "Services delivered under an outpatient physical therapy plan of care"),
    ("59", "Distinct procedural service (e.g. 97140 beside 97124 on another region)"),
]


def seed(apps, schema_editor):
    BillingCode = apps.get_model("billing", "BillingCode")
    TechniqueBillingCode = apps.get_model("billing", "TechniqueBillingCode")
    Modifier = apps.get_model("billing", "Modifier")
    Technique = apps.get_model("treatment_plans", "Technique")
    codes = {}
    for code, description, kind, fee in CODES:
        codes[code], _ = BillingCode.objects.get_or_create(
            code=code,
            defaults={
                "description": description,
                "kind": kind,
                "self_pay_fee": Decimal(fee),
                "source": SOURCE,
            },
        )
    for technique in Technique.objects.filter(key__in=TECHNIQUE_CODES):
        TechniqueBillingCode.objects.get_or_create(
            technique=technique, defaults={"billing_code": codes[TECHNIQUE_CODES[technique.key]]}
        )
    for code, description in MODIFIERS:
        Modifier.objects.get_or_create(code=code, defaults={"description": description})


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0001_initial"),
        ("treatment_plans", "0005_plan_technique_position_pressure"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
