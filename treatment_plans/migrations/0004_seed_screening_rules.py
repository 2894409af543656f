"""The rules on where and how (issue 17, treatment_plans/rules_seed.py): the rules 0002 seeded
take the new shape and their sources (their overrides and clearance requests keep pointing at
them; the older condition keys become the new vocabulary's), and the new rules are added."""

from django.db import migrations

FIELDS = (
    "condition",
    "severity",
    "local",
    "regions",
    "positions",
    "pressures",
    "pregnancy_weeks_from",
    "pregnancy_weeks_to",
    "days_from",
    "days_to",
    "reason",
    "source",
)


def seed(apps, schema_editor):
    from treatment_plans.rules_seed import RULES

    Technique = apps.get_model("treatment_plans", "Technique")
    Rule = apps.get_model("treatment_plans", "ContraindicationRule")
    techniques = {t.key: t for t in Technique.objects.all()}
    for spec in RULES:
        values = {name: spec[name] for name in FIELDS}
        technique = techniques.get(spec["technique"]) if spec["technique"] else None
        if spec["technique"] and technique is None:
            continue  # the clinic removed that technique
        row = None
        if spec["legacy"]:
            condition, old_technique, severity = spec["legacy"]
            row = (
                Rule.objects.filter(
                    condition=condition,
                    technique__key=old_technique,
                    severity=severity,
                    source="",
                ).first()
                if old_technique
                else Rule.objects.filter(
                    condition=condition, technique=None, severity=severity, source=""
                ).first()
            )
        if row is None:
            Rule.objects.create(technique=technique, **values)
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.save()


class Migration(migrations.Migration):
    dependencies = [("treatment_plans", "0003_rule_where_and_how")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
