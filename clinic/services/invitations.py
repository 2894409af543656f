"""Portal invitations: staff invite a client or physician, the mail carries a single-use link,
and following it creates (or links) the person's own login.

The link's token is made when the mail is sent and only its sha256 is stored, so neither the
broker nor a copy of the database ever holds a usable link.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from clinic import audit, outbox
from clinic.clinic_time import local
from clinic.models import Client, Invitation, Physician, User
from clinic.models.invitations import token_hash
from clinic.roles import Role, role_of
from clinic.services.outbox import mail_owe

DEFAULT_INVITATION_DAYS = 7
CLIENT_INVITERS = frozenset({Role.FRONT_DESK, Role.THERAPIST})
PHYSICIAN_INVITERS = frozenset({Role.ADMIN, Role.THERAPIST})
# What the accept page says about a link that no longer works (InvitationUnavailable.reason).
UNKNOWN, EXPIRED, USED, REVOKED = "unknown", "expired", "used", "revoked"
INVITATION_MAIL = "portal_invitation"


class InvitationUnavailable(Exception):
    """The link cannot be used; `reason` is one of UNKNOWN, EXPIRED, USED, REVOKED."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def invitation_days() -> int:
    return getattr(settings, "CLINIC_INVITATION_DAYS", DEFAULT_INVITATION_DAYS)


# --- sending ------------------------------------------------------------------------------------


@transaction.atomic
def invitation_send(
    *,
    actor,
    client: Client | None = None,
    physician: Physician | None = None,
    email: str | None = None,
    base_url: str = "",
) -> Invitation:
    """Invite a person without a login; replaces their open invitation. The mail goes out
    after commit; `base_url` (the request's host) is used when CLINIC_SITE_URL is unset."""
    person = _lock_invitee(actor, client, physician)
    if person.user_id is not None:
        raise ValidationError(f"{person} already has a portal account: nothing to invite.")
    address = _address(actor, person, email)
    _revoke_open(actor, person)
    invitation = Invitation.objects.create(
        client=person if isinstance(person, Client) else None,
        physician=person if isinstance(person, Physician) else None,
        email=address,
        role=Role.CLIENT if isinstance(person, Client) else Role.PHYSICIAN,
        created_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=invitation_days()),
    )
    audit.record(
        actor=actor,
        action="create",
        client=invitation.client,
        target=invitation,
        detail="portal invitation",
    )
    _enqueue_mail(invitation, base_url)
    return invitation


def _lock_invitee(actor, client, physician) -> Client | Physician:
    """Checks the actor may invite this kind of person, and locks the person's row so two
    staff inviting at once queue up instead of leaving two open invitations."""
    if (client is None) == (physician is None):
        raise ValueError("invite exactly one person: a client or a physician")
    role = role_of(actor)
    if client is not None and role not in CLIENT_INVITERS:
        raise PermissionDenied("Only the front desk or a therapist can invite a client.")
    if physician is not None and role not in PHYSICIAN_INVITERS:
        raise PermissionDenied("Only the clinic admin or a therapist can invite a physician.")
    person = client or physician
    return type(person).objects.select_for_update().get(pk=person.pk)


def _address(actor, person: Client | Physician, email: str | None) -> str:
    """The person's email, or the given one, which is then kept on their record."""
    address = (email or "").strip() or person.email
    if not address:
        raise ValidationError({"email": "There is no email address to send the invitation to."})
    try:
        validate_email(address)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from None
    if address != person.email:
        person.email = address
        fields = ["email", "updated_at"] if isinstance(person, Client) else ["email"]
        person.save(update_fields=fields)
        audit.record(
            actor=actor,
            action="update",
            client=person if isinstance(person, Client) else None,
            target=person,
            detail="email (for the portal invitation)",
        )
    return address


def _revoke_open(actor, person: Client | Physician) -> None:
    kind = "client" if isinstance(person, Client) else "physician"
    revoked = (
        Invitation.objects.for_person(**{kind: person}).open().update(revoked_at=timezone.now())
    )
    if revoked:
        audit.record(
            actor=actor,
            action="update",
            client=person if kind == "client" else None,
            target=person,
            detail="earlier portal invitation revoked by a new one",
        )


def _enqueue_mail(invitation: Invitation, base_url: str) -> None:
    # Owed in the invitation's transaction; the token is made only when it is sent.
    mail_owe(
        kind=INVITATION_MAIL, about=invitation, recipient=invitation.email,
        client=invitation.client, params={"base_url": base_url},
    )  # fmt: skip


@outbox.register(INVITATION_MAIL, "Portal invitation", watchers=outbox.CLINIC_STAFF)
def _build_invitation_mail(mail, *, now) -> outbox.Prepared:
    """Make the token and store its hash, then the mail. The mail is no longer owed once the
    invitation was sent, accepted, revoked or has expired. A second attempt (the first one
    never reached the server) makes a fresh token: the old one never left."""
    invitation = (
        Invitation.objects.open()
        .filter(pk=mail.about_id, sent_at__isnull=True, expires_at__gt=now)
        .select_related("client", "physician")
        .first()
    )
    if invitation is None:
        raise outbox.NotOwed("The invitation was accepted, replaced or has expired.")
    token = secrets.token_urlsafe(32)
    # Committed before the mail leaves, so the link works the moment it arrives.
    stored = (
        Invitation.objects.open()
        .filter(pk=invitation.pk, sent_at__isnull=True)
        .update(token_hash=token_hash(token))
    )
    if not stored:
        raise outbox.NotOwed("The invitation was accepted or replaced meanwhile.")

    def mark_sent():
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())

    message = invitation_email(invitation, token, mail.params.get("base_url", ""))
    return outbox.Prepared(message, after_sent=mark_sent)


def invitation_email(invitation: Invitation, token: str, base_url: str) -> EmailMessage:
    """The mail: a greeting, the link, the expiry. Never any health information."""
    expires = local(invitation.expires_at)
    context = {
        "name": _greeting_name(invitation),
        "clinic_name": settings.CLINIC_NAME,
        "link": invitation_link(token, base_url),
        "expires": f"{expires:%A, %B %-d, %Y} at {expires:%H:%M} ({expires:%Z})",
        "for_physician": invitation.role == Role.PHYSICIAN,
    }
    return EmailMessage(
        subject=f"Your invitation to the {settings.CLINIC_NAME} portal",
        body=loader.render_to_string("email/invitation.txt", context),
        to=[invitation.email],
    )


def _greeting_name(invitation: Invitation) -> str:
    if invitation.physician_id:
        return str(invitation.physician)
    return invitation.client.preferred_name or invitation.client.first_name


def invitation_link(token: str, base_url: str = "") -> str:
    """CLINIC_SITE_URL wins (the public address); otherwise the host the invitation was
    made from."""
    base = settings.CLINIC_SITE_URL or base_url or "http://localhost"
    return base.rstrip("/") + reverse("invitation_accept", kwargs={"token": token})


# --- following the link -------------------------------------------------------------------------


def invitation_for_token(token: str) -> Invitation:
    """The invitation behind a link, or InvitationUnavailable saying why not."""
    invitation = (
        Invitation.objects.filter(token_hash=token_hash(token))
        .select_related("client", "physician")
        .first()
    )
    if invitation is None:
        raise InvitationUnavailable(UNKNOWN)
    reason = {
        Invitation.State.ACCEPTED: USED,
        Invitation.State.REVOKED: REVOKED,
        Invitation.State.EXPIRED: EXPIRED,
    }.get(invitation.state)
    if reason is None and invitation.invitee.user_id is not None:
        reason = USED  # linked to a login some other way since the invitation was sent
    if reason:
        raise InvitationUnavailable(reason)
    return invitation


def existing_account(invitation: Invitation) -> User | None:
    """An account to link rather than duplicate: the invited email and role, active, and not
    yet holding a profile of that kind."""
    profile = "client_profile" if invitation.role == Role.CLIENT else "physician_profile"
    return (
        User.objects.filter(
            email__iexact=invitation.email,
            role=invitation.role,
            is_active=True,
            **{f"{profile}__isnull": True},
        )
        .order_by("date_joined")
        .first()
    )


def may_link(invitation: Invitation, user) -> bool:
    account = existing_account(invitation)
    return account is not None and user.is_authenticated and account.pk == user.pk


def invitation_accept(*, token: str, username: str, password: str) -> User:
    """Create the invited person's login and link it. Single use: of two concurrent accepts
    exactly one succeeds, the other raises InvitationUnavailable."""
    try:
        return _accept_creating(token, username, password)
    except IntegrityError:
        # Another sign-up took the username between the form's check and the insert.
        raise ValidationError({"username": "This username is taken. Choose another."}) from None


@transaction.atomic
def _accept_creating(token: str, username: str, password: str) -> User:
    invitation = _lock_for_accept(token)
    if existing_account(invitation) is not None:
        raise ValidationError("You already have an account: sign in with it to accept.")
    user = _new_user(invitation, username, password)
    _claim(invitation, user)
    audit.record(
        actor=user,
        action="create",
        client=invitation.client,
        target=user,
        detail="portal account from invitation",
    )
    return user


def _new_user(invitation: Invitation, username: str, password: str) -> User:
    person = invitation.invitee
    user = User(
        username=username.strip(),
        email=invitation.email,
        role=invitation.role,
        first_name=person.first_name,
        last_name=person.last_name,
    )
    if User.objects.filter(username__iexact=user.username).exists():
        raise ValidationError({"username": "This username is taken. Choose another."})
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def invitation_accept_as(*, token: str, user) -> User:
    """Link the signed-in `user`, an existing account with the invited email and role."""
    invitation = _lock_for_accept(token)
    if not may_link(invitation, user):
        raise PermissionDenied("This invitation is for a different account.")
    _claim(invitation, user)
    return user


def _lock_for_accept(token: str) -> Invitation:
    """The invitation, read again once the invited person's row is locked. A second accept (a
    double click) waits here and then finds the invitation used, instead of racing on to
    insert the same username and being told it is taken. Person before invitation is also
    the order invitation_send locks in, so a resend and an accept cannot deadlock."""
    invitee = invitation_for_token(token).invitee
    type(invitee).objects.select_for_update().filter(pk=invitee.pk).exists()
    return invitation_for_token(token)


def _claim(invitation: Invitation, user: User) -> None:
    """Mark accepted and link the person, each by a conditional UPDATE: a second accept racing
    this one finds nothing left to update and rolls back everything it did."""
    now = timezone.now()
    claimed = (
        Invitation.objects.open()
        .filter(pk=invitation.pk, expires_at__gt=now)
        .update(accepted_at=now, accepted_by=user)
    )
    model = Client if invitation.client_id else Physician
    extra = {"updated_at": now} if model is Client else {}
    linked = claimed and model.objects.filter(pk=invitation.invitee.pk, user__isnull=True).update(
        user=user, **extra
    )
    if not linked:
        raise InvitationUnavailable(USED)
    audit.record(
        actor=user,
        action="update",
        client=invitation.client,
        target=invitation.invitee,
        detail="portal account linked (invitation accepted)",
    )
