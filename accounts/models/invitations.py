"""Invitations to the portal: a single-use link that lets a client or physician create (or
link) their own login."""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models.people import Client, Physician, User, UUIDModel
from clinic.roles import STAFF_ROLES, Role, role_of

# Exactly one person is invited: a client or a physician, never both, never neither.
ONE_INVITEE = (Q(client__isnull=False) & Q(physician__isnull=True)) | (
    Q(client__isnull=True) & Q(physician__isnull=False)
)
OPEN = Q(accepted_at__isnull=True, revoked_at__isnull=True)
# Wrong dates of birth typed on a client's invitation before its link stops working.
MAX_FAILED_CHECKS = 5


def token_hash(token: str) -> str:
    """What the database keeps of a link's token: a leaked table opens no accounts."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user) -> InvitationQuerySet:
        """Staff see invitations (who was invited, when, its state); nobody else does: an
        invitee reaches their own only through the link's token."""
        return self if role_of(user) in STAFF_ROLES else self.none()

    def open(self) -> InvitationQuerySet:
        """Not accepted and not revoked (possibly expired: a new one still replaces it)."""
        return self.filter(OPEN)

    def usable(self) -> InvitationQuerySet:
        return self.open().filter(
            expires_at__gt=timezone.now(),
            token_hash__isnull=False,
            failed_checks__lt=MAX_FAILED_CHECKS,
        )

    def for_person(self, *, client=None, physician=None) -> InvitationQuerySet:
        return (
            self.filter(client=client) if client is not None else self.filter(physician=physician)
        )


class Invitation(UUIDModel):
    class State(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Replaced or withdrawn"
        EXPIRED = "expired", "Expired"
        LOCKED = "locked", "Locked (wrong date of birth typed too often)"

    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    physician = models.ForeignKey(
        Physician, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    # Set when the mail is sent (the token is made then and never stored in clear), so an
    # unsent invitation cannot be accepted by anyone.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Wrong dates of birth typed with this link; at MAX_FAILED_CHECKS it no longer works.
    failed_checks = models.PositiveSmallIntegerField(default=0)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=ONE_INVITEE, name="invitation_one_invitee"),
            models.CheckConstraint(
                condition=Q(role__in=[Role.CLIENT, Role.PHYSICIAN]), name="invitation_role_valid"
            ),
            # A new invitation revokes the open one first; these make two at once impossible.
            models.UniqueConstraint(
                fields=["client"], condition=OPEN, name="invitation_one_open_per_client"
            ),
            models.UniqueConstraint(
                fields=["physician"], condition=OPEN, name="invitation_one_open_per_physician"
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.invitee} ({self.get_state_display()})"

    @property
    def invitee(self) -> Client | Physician:
        return self.client if self.client_id else self.physician

    @property
    def is_for_physician(self) -> bool:
        """An invitation to the care-team portal (else to the client portal)."""
        return self.role == Role.PHYSICIAN

    @property
    def state(self) -> str:
        if self.accepted_at:
            return self.State.ACCEPTED
        if self.revoked_at:
            return self.State.REVOKED
        if self.failed_checks >= MAX_FAILED_CHECKS:
            return self.State.LOCKED
        if self.expires_at <= timezone.now():
            return self.State.EXPIRED
        return self.State.SENT if self.sent_at else self.State.PENDING

    def get_state_display(self) -> str:
        return self.State(self.state).label
