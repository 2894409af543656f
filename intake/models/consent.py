"""Consents: to treatment, and to sharing with a named care-team member. Each keeps the exact
text version signed, the typed name, the time and the IP address; revoking keeps the row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from clinic import text_limits
from clinic.models import CareTeamMember, Client, UUIDModel
from clinic.text_limits import LimitedTextField
from intake.querysets import ConsentQuerySet


class ConsentKind(models.TextChoices):
    TREATMENT = "treatment", "Consent to treatment"
    SHARING = "sharing", "Consent to share with a care-team member"


class ConsentText(UUIDModel):
    """A published wording of a consent. Never edited once signed: publish a new version."""

    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=120)
    body = LimitedTextField(max_length=text_limits.DOCUMENT)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-published_at"]
        constraints = [
            text_limits.length_check("consenttext", "body", text_limits.DOCUMENT),
            models.UniqueConstraint(fields=["kind", "version"], name="consent_text_version"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class Consent(UUIDModel):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    care_team_member = models.ForeignKey(
        CareTeamMember, null=True, blank=True, on_delete=models.PROTECT, related_name="consents"
    )
    signed_name = models.CharField(max_length=200)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(auto_now_add=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="sharing", care_team_member__isnull=False)
                | Q(kind="treatment", care_team_member__isnull=True),
                name="consent_sharing_names_member",
            ),
            # One standing consent of each kind (per member for sharing) at a time.
            models.UniqueConstraint(
                fields=["client", "kind"],
                condition=Q(revoked_at__isnull=True, kind="treatment"),
                name="consent_one_active_treatment",
            ),
            models.UniqueConstraint(
                fields=["care_team_member"],
                condition=Q(revoked_at__isnull=True, kind="sharing"),
                name="consent_one_active_sharing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.signed_name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
