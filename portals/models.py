"""What the portals keep of their own: the record of rows imported from another system."""

from __future__ import annotations

from django.db import models


class ImportedRecord(models.Model):
    """One row of another system's export that became a row here (`manage.py import_clinic`,
    the /imports/ page). Keyed by the source system and its own id, so importing the same file
    again finds every row already done and changes nothing."""

    class Kind(models.TextChoices):
        CLIENT = "client", "Client"
        APPOINTMENT = "appointment", "Appointment"

    id = models.BigAutoField(primary_key=True)
    source = models.CharField(max_length=60, help_text="the source system's name, e.g. 'generic'")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_id = models.CharField(max_length=100, help_text="the row's id in the source system")
    # The client's or appointment's primary key (both are UUIDs).
    object_id = models.UUIDField()
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"], name="imported_record_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id}"
