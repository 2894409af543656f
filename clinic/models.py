"""Core models: people and roles, the care team with its sharing consent, and the audit trail."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from clinic.querysets import (
    AuditEntryQuerySet,
    CareTeamMemberQuerySet,
    ClientQuerySet,
    PhysicianQuerySet,
)
from clinic.roles import Role


class UUIDModel(models.Model):
    """Primary keys are UUIDs so URLs never reveal how many records exist or invite guessing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class User(AbstractUser):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    role = models.CharField(max_length=20, choices=Role.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="user_role_valid"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def dashboard_url_name(self) -> str:
        return {
            Role.ADMIN: "dashboard_admin",
            Role.THERAPIST: "dashboard_therapist",
            Role.FRONT_DESK: "dashboard_front_desk",
            Role.CLIENT: "portal",
            Role.PHYSICIAN: "physician_dashboard",
        }[self.role]


class Therapist(UUIDModel):
    """A therapist's professional profile; the login lives on the linked user."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="therapist_profile")
    credentials = models.CharField(max_length=60, blank=True, help_text="e.g. LMT, CMMT")
    license_number = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        name = str(self.user)
        return f"{name}, {self.credentials}" if self.credentials else name


class Physician(UUIDModel):
    """A physician or other clinician outside the clinic; may exist before having a login."""

    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="physician_profile"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    specialty = models.CharField(max_length=100, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    fax = models.CharField(max_length=40, blank=True)

    objects = PhysicianQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"Dr. {self.first_name} {self.last_name}"


class Client(UUIDModel):
    """A person receiving care. Demographics and contacts only; clinical data lives in the apps."""

    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="client_profile"
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    address = models.TextField(blank=True)
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=40, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    primary_physician = models.ForeignKey(
        Physician, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referral_source = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["last_name", "first_name"], name="client_name_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class CareTeamMember(UUIDModel):
    """A physician on a client's care team. Access follows the sharing consent, not membership:
    a physician sees the client only while consent is given and not revoked."""

    class Relationship(models.TextChoices):
        PRIMARY_CARE = "primary_care", "Primary care physician"
        SURGEON = "surgeon", "Surgeon"
        SPECIALIST = "specialist", "Specialist"
        PHYSICAL_THERAPIST = "physical_therapist", "Physical therapist"
        OTHER = "other", "Other"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="care_team")
    physician = models.ForeignKey(
        Physician, on_delete=models.PROTECT, related_name="care_memberships"
    )
    relationship = models.CharField(max_length=30, choices=Relationship.choices)
    sharing_consented_at = models.DateTimeField(null=True, blank=True)
    sharing_revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CareTeamMemberQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["client", "physician"], name="care_team_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.physician} ({self.get_relationship_display()}) for {self.client}"

    @property
    def is_sharing(self) -> bool:
        return self.sharing_consented_at is not None and self.sharing_revoked_at is None


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
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit entries are append-only")
