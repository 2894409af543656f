"""Accounts' models: portal invitations, sign-in sessions, sign-in throttling, and the
two-factor device (accounts/mfa/models.py, a proxy of django-otp's TOTP device)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.mfa.models import MfaDevice  # noqa: F401  (a model of this app: its migration is ours)
from clinic.models.people import Client, Physician, User, UUIDModel
from clinic.roles import STAFF_ROLES, Role, role_of

# --- portal invitations ---
# Invitations to the portal: a single-use link that lets a client or physician create (or
# link) their own login.

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


# --- sign-in sessions ---
# Which session keys belong to which user, so all of a user's sessions can be ended at once.
#
# Why a table rather than scanning `Session` rows and decoding `_auth_user_id`: a scan reads and
# decodes every live session of every user (slow as the clinic grows) and works only with the
# database session backend, while DESIGN.md allows sessions in Redis. A row written at sign-in
# costs one insert and works with any backend (the session store deletes by key).


class UserSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="usersession_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"


# --- sign-in throttling ---
# Sign-in throttling's counts (accounts/throttle.py).
#
# Why the database rather than the cache: every gunicorn worker and host already shares it, and a
# sign-in already writes to it (the audit entry), so an outage of Redis no longer takes sign-in
# down with it while the lockout still holds.


class LoginThrottle(models.Model):
    """The failed sign-ins counted for one username from one IP address, or for one IP address
    across usernames, and the lockout they may have set.

    `key` is a keyed hash of what is counted, so the table is never a list of who tried which
    username from where.
    """

    key = models.CharField(max_length=64, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    # The window opens at the first failure and is never extended; one that is over counts as
    # no failures (the next failure opens a new one). None until the first failure is counted.
    window_ends_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sign-in throttle"

    def __str__(self) -> str:
        return f"{self.failures} failure(s) in the window ending {self.window_ends_at}"
