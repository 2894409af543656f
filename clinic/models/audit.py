"""The audit trail."""

from __future__ import annotations

from django.db import models

from clinic.date_formats import day_time
from clinic.models.people import Client, User
from clinic.querysets import AuditEntryQuerySet

# What a person calls each kind of record the trail names. `object_type` keeps the model's
# label as it was stored; this only changes how an entry reads. Names, not imports: the
# core knows the other apps' records by label and nothing more. An unlisted type reads as
# its label.
RECORD_NAMES = {
    "clinic.User": "user account",
    "clinic.Therapist": "therapist profile",
    "clinic.Physician": "physician",
    "clinic.Client": "client record",
    "clinic.CareTeamMember": "care team member",
    "accounts.MfaDevice": "two-factor device",
    "accounts.Invitation": "portal invitation",
    "clinic.OutboundMail": "email",
    "scheduling.Appointment": "appointment",
    "scheduling.AppointmentSeries": "appointment series",
    "scheduling.WaitlistEntry": "waitlist entry",
    "scheduling.TimeOff": "time off",
    "clinic.AuditEntry": "audit entry",
    "intake.Assessment": "assessment",
    "intake.Consent": "consent",
    "intake.ReferralLetter": "referral letter",
    "intake.HealthHistory": "health history",
    "treatment_plans.TreatmentPlan": "treatment plan",
    "treatment_plans.PlanVersion": "treatment plan version",
    "treatment_plans.ConflictOverride": "contraindication override",
    "treatment_plans.ClearanceRequest": "clearance request",
    "documents.PlanPdf": "plan PDF",
    "treatment_plans.PlanAcknowledgement": "plan acknowledgement",
    "sessions_log.SessionNote": "session note",
    "sessions_log.Addendum": "addendum to a session note",
}


class AuditEntry(models.Model):
    """Who read or changed which client's data, what, when and from where. Append-only:
    the model refuses updates and deletes, and on PostgreSQL a trigger does too."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        LIST = "list", "Listed"
        DOWNLOAD = "download", "Downloaded"
        CREATE = "create", "Created"
        UPDATE = "update", "Updated"
        DELETE = "delete", "Deleted"
        SIGN = "sign", "Signed"
        LOGIN = "login", "Logged in"
        LOGIN_FAILED = "login_failed", "Failed login"
        LOGOUT = "logout", "Logged out"
        PASSWORD = "password", "Password changed or reset"

    # A sequential key keeps the trail in insertion order; it never appears in a URL.
    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, help_text="username at the time, or 'system'")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=20, choices=Action.choices)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["client", "-at"], name="audit_client_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{day_time(self.at)} {self.actor_label}: {self.what}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only")

    @property
    def record_name(self) -> str:
        return RECORD_NAMES.get(self.object_type, self.object_type)

    @property
    def what(self) -> str:
        """ "Viewed client record": the action and the kind of record, as a person says it."""
        return " ".join(part for part in (self.get_action_display(), self.record_name) if part)
