"""Reference data every clinic starts with: range-of-motion norms (DOMAIN.md) with their
sources, and version 1 of the consent texts."""

from django.db import migrations

UPPER = "Norkin & White, Measurement of Joint Motion, App. A (AAOS)"
LOWER = "Washington State DSHS form 13-585A"
NORMS = [
    # joint, movement, degrees, source, bilateral
    ("Cervical spine", "Flexion", 50, LOWER, False),
    ("Cervical spine", "Extension", 60, LOWER, False),
    ("Cervical spine", "Lateral flexion", 45, LOWER, True),
    ("Cervical spine", "Rotation", 80, LOWER, True),
    ("Thoracolumbar spine", "Flexion", 90, LOWER, False),
    ("Thoracolumbar spine", "Extension", 25, LOWER, False),
    ("Thoracolumbar spine", "Lateral flexion", 25, LOWER, True),
    ("Shoulder", "Flexion", 180, UPPER, True),
    ("Shoulder", "Extension", 60, UPPER, True),
    ("Shoulder", "Abduction", 180, UPPER, True),
    ("Shoulder", "Internal rotation", 70, UPPER, True),
    ("Shoulder", "External rotation", 90, UPPER, True),
    ("Elbow", "Flexion", 150, UPPER, True),
    ("Elbow", "Extension", 0, UPPER, True),
    ("Forearm", "Pronation", 80, UPPER, True),
    ("Forearm", "Supination", 80, UPPER, True),
    ("Wrist", "Flexion", 80, UPPER, True),
    ("Wrist", "Extension", 70, UPPER, True),
    ("Wrist", "Radial deviation", 20, UPPER, True),
    ("Wrist", "Ulnar deviation", 30, UPPER, True),
    ("Hip", "Flexion", 100, LOWER, True),
    ("Hip", "Extension", 30, LOWER, True),
    ("Hip", "Abduction", 40, LOWER, True),
    ("Hip", "Adduction", 20, LOWER, True),
    ("Knee", "Flexion", 150, LOWER, True),
    ("Ankle", "Plantar flexion", 40, LOWER, True),
    ("Ankle", "Dorsiflexion", 20, LOWER, True),
    ("Ankle", "Inversion", 30, LOWER, True),
    ("Ankle", "Eversion", 20, LOWER, True),
]

TREATMENT = """I ask the clinic's massage therapists to assess me and to give me medical massage \
therapy as described in my treatment plan.

I understand that:
- massage therapy is not a substitute for medical examination or diagnosis, and my therapist does \
not diagnose or prescribe;
- I have told the clinic about my health conditions and medications truthfully, and I will tell my \
therapist of any change before each session;
- I may ask for lighter pressure, a change of technique, or a stop at any time, and I may withdraw \
this consent at any time without giving a reason;
- my records are kept confidential and are shared only with the people I name on my care team and \
only while I allow it."""

SHARING = """I allow the clinic to share my treatment plan, my progress and a summary of my health \
history with the care-team member named above, so that my care can be coordinated.

They will see only what is needed for my care. I may withdraw this consent at any time: from that \
moment they will no longer see my records through the clinic."""


def seed(apps, schema_editor):
    RomNorm = apps.get_model("intake", "RomNorm")
    ConsentText = apps.get_model("intake", "ConsentText")
    for joint, movement, degrees, source, bilateral in NORMS:
        RomNorm.objects.get_or_create(
            joint=joint,
            movement=movement,
            defaults={"normal_degrees": degrees, "source": source, "bilateral": bilateral},
        )
    ConsentText.objects.get_or_create(
        kind="treatment", version="1", defaults={"title": "Consent to treatment", "body": TREATMENT}
    )
    ConsentText.objects.get_or_create(
        kind="sharing",
        version="1",
        defaults={"title": "Consent to share with my care team", "body": SHARING},
    )


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
