"""People and roles, and the care team with its sharing consent."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from clinic import text_limits
from clinic.querysets import CareTeamMemberQuerySet, ClientQuerySet, PhysicianQuerySet
from clinic.roles import Role
from clinic.search import FoldedNamesField
from clinic.text_limits import LimitedTextField

NAME_FIELDS = frozenset({"first_name", "last_name", "preferred_name"})


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
            Role.BILLING: "dashboard_billing",
        }[self.role]


class Therapist(UUIDModel):
    """A therapist's professional profile; the login lives on the linked user."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="therapist_profile")
    credentials = models.CharField(max_length=60, blank=True, help_text="e.g. LMT, CMMT")
    license_number = models.CharField(max_length=60, blank=True)
    is_active = models.BooleanField(default=True)
    # Secret for the therapist's iCalendar feed URL; None means the feed is off.
    calendar_token = models.CharField(max_length=64, null=True, blank=True, unique=True)

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
    # The names folded for search ("Zoë O'Brien" -> "ZOE OBRIEN", clinic/search.py), kept in
    # step on every save; the physician's search reads only `search_name`.
    search_name = FoldedNamesField(sources=("first_name", "last_name"))
    search_preferred = FoldedNamesField(sources=("preferred_name",))
    date_of_birth = models.DateField()
    email = models.EmailField(blank=True)
    # Set when staff change the email after registration, with the address it replaced: an
    # address staff typed is not proof of the client's, so no portal invitation goes to it
    # until the replaced address has had time to object (see accounts/services/invitations.py).
    email_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    email_previous = models.EmailField(blank=True, editable=False)
    phone = models.CharField(max_length=40, blank=True)
    # Digits of `phone`, so "5550101" finds "555-0101" (kept in step by save()).
    phone_digits = models.CharField(max_length=40, blank=True, editable=False)
    address = LimitedTextField(max_length=text_limits.ADDRESS, blank=True)
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
        indexes = [
            models.Index(fields=["last_name", "first_name"], name="client_name_idx"),
            models.Index(fields=["date_of_birth"], name="client_dob_idx"),
            models.Index(fields=["phone_digits"], name="client_phone_idx"),
        ]
        constraints = [
            text_limits.length_check("client", "address", text_limits.ADDRESS),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        self.phone_digits = "".join(ch for ch in self.phone if ch.isdigit())
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_digits"}
        if update_fields is not None and NAME_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_name", "search_preferred"}
        super().save(*args, **kwargs)

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}.{self.last_name[:1]}."


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
