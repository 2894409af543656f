"""The payment methods a clinic starts with (issue 18). They are data, so a card processor is
one more row and its integration, not a schema change."""

from django.db import migrations

METHODS = [
    ("cash", "Cash", "client", ""),
    ("card", "Card (terminal)", "client", ""),
    ("check", "Check", "client", "Check number"),
    ("insurance", "Insurance payment", "insurance", "EOB / remittance reference"),
]


def seed(apps, schema_editor):
    PaymentMethod = apps.get_model("billing", "PaymentMethod")
    for code, name, kind, reference_label in METHODS:
        PaymentMethod.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "reference_label": reference_label}
        )


def unseed(apps, schema_editor):
    apps.get_model("billing", "PaymentMethod").objects.filter(
        code__in=[m[0] for m in METHODS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_charges_and_payments")]

    operations = [migrations.RunPython(seed, unseed)]
