# Sign-in throttling's counts in the database (clinic/models/throttle.py), not the cache.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0009_mfa"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoginThrottle",
            fields=[
                ("key", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("failures", models.PositiveIntegerField(default=0)),
                ("window_ends_at", models.DateTimeField(blank=True, null=True)),
                ("locked_until", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "sign-in throttle",
            },
        ),
    ]
