from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0014_search_unaccent"),
    ]

    operations = [
        migrations.AddField(
            model_name="client",
            name="email_changed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="client",
            name="email_previous",
            field=models.EmailField(blank=True, editable=False, max_length=254),
        ),
        migrations.AddField(
            model_name="invitation",
            name="failed_checks",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
