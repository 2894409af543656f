"""The three appointment types every clinic starts with; the admin edits them afterwards."""

from django.db import migrations

DEFAULTS = [("Initial assessment", 90), ("Treatment", 60), ("Reassessment", 60)]


def create(apps, schema_editor):
    AppointmentType = apps.get_model("scheduling", "AppointmentType")
    for name, minutes in DEFAULTS:
        AppointmentType.objects.get_or_create(name=name, defaults={"duration_minutes": minutes})


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_appointment_no_overlap")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
