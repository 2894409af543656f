"""The outbox: every mail the clinic owes someone, as a row (DESIGN.md, "the database is the
outbox").

A row is written in the same transaction as the change that owes the mail (a booking, an
invitation, a plan becoming ready), so the mail is owed exactly when the change is saved.
Celery only wakes a worker up; the periodic sweep delivers whatever is still waiting, with
backoff, for days. The body is built when the mail is sent (clinic/outbox.py names the builder
for each kind), so a token is made only at send time and the current address is used.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models.people import Client, UUIDModel
from clinic.querysets import OutboundMailQuerySet


class OutboundMail(UUIDModel):
    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting to be sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Could not be delivered"
        DROPPED = "dropped", "No longer needed"

    kind = models.CharField(max_length=40, help_text="Which mail; clinic/outbox.py builds it.")
    about_id = models.CharField(max_length=64, help_text="The record the mail is about.")
    params = models.JSONField(default=dict, blank=True)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="outbound_mails"
    )
    recipient = models.CharField(max_length=254, blank=True)
    # One mail per key (e.g. one reminder per appointment time): owing it twice is a no-op.
    key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    give_up_at = models.DateTimeField()
    # A claim: the worker sending it holds `claim` until `lease_until`; a dead worker's lease
    # lapses and the mail is sent again, a live one's never twice.
    claim = models.UUIDField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    objects = OutboundMailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="waiting"),
                name="outbox_waiting_due",
            ),
            models.Index(fields=["status", "created_at"], name="outbox_status_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "sent", "failed", "dropped"]),
                name="outbox_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient or 'nobody yet'} ({self.get_status_display()})"

    @property
    def label(self) -> str:
        from clinic import outbox

        return outbox.label(self.kind)

    @property
    def can_resend(self) -> bool:
        return self.status == self.Status.FAILED
