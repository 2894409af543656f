"""Portal invitations: staff invite a client or physician, the mail carries a single-use link,
and following it creates (or links) the person's own login.

The link's token is made when the mail is sent and only its sha256 is stored, so neither the
broker nor a copy of the database ever holds a usable link.

Proof that the one accepting is the invited person. The front desk may edit a client's contact
details but must never read clinical records, so a link alone is not enough: the front desk
could type its own address and open the client's portal. Hence, for clients:
- the invitation goes only to the email on file; inviting never changes it;
- an address staff changed after registration is unproved: the replaced address is told
  (services/people.py) and the front desk cannot invite to the new one until that notice has
  had EMAIL_SETTLE_DAYS to be answered. An address staff added where there was none (nobody
  could be told) is never proved by waiting. A therapist may still send to an unproved
  address, having confirmed it with the client in person: therapists already read the
  records, so a misdirected link would give them nothing they lack;
- accepting asks for the client's date of birth; MAX_FAILED_CHECKS wrong ones lock the link.
Physicians have no date of birth on file and their address is set by the clinic admin (the
only one who edits the physician directory), who can read every record anyway: the link sent
to that address is the proof, and a second code to the same inbox would add nothing.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template import loader
from django.urls import reverse
from django.utils import timezone

from accounts.models import MAX_FAILED_CHECKS, Invitation, token_hash
from clinic import audit, outbox
from clinic.clinic_time import local
from clinic.date_formats import day, day_time
from clinic.models import Client, Physician, User
from clinic.permissions import Can
from clinic.roles import Role, role_of
from clinic.services.outbox import mail_owe
from clinic.services.people import email_settled_on, email_unproved

DEFAULT_INVITATION_DAYS = 7
# Who may invite whom: one copy, in the permission object the pages ask too.
CLIENT_INVITERS = Can.invite_client.fget.roles
PHYSICIAN_INVITERS = Can.invite_physician.fget.roles
# What the accept page says about a link that no longer works (InvitationUnavailable.reason).
UNKNOWN, EXPIRED, USED, REVOKED = "unknown", "expired", "used", "revoked"
LOCKED = "locked"
INVITATION_MAIL = "portal_invitation"


class InvitationUnavailable(Exception):
    """The link cannot be used; `reason` is one of UNKNOWN, EXPIRED, USED, REVOKED, LOCKED."""

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
    base_url: str = "",
) -> Invitation:
    """Invite a person without a login, at the address on their record; replaces their open
    invitation. The mail goes out after commit; `base_url` (the request's host) is used when
    CLINIC_SITE_URL is unset."""
    person = _lock_invitee(actor, client, physician)
    if person.user_id is not None:
        raise ValidationError(f"{person} already has a portal account: nothing to invite.")
    address = _address(actor, person)
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
    can = Can(actor)
    if client is not None and not can.invite_client:
        raise PermissionDenied("Only the front desk or a therapist can invite a client.")
    if physician is not None and not can.invite_physician:
        raise PermissionDenied("Only the clinic admin or a therapist can invite a physician.")
    person = client or physician
    return type(person).objects.select_for_update().get(pk=person.pk)


def _address(actor, person: Client | Physician) -> str:
    """The email on the person's record, when it may receive the invitation (module doc)."""
    if not person.email:
        raise ValidationError(
            f"There is no email address on {person}'s record to send the invitation to: "
            "add it to the record first."
        )
    if isinstance(person, Client) and role_of(actor) != Role.THERAPIST:
        _require_settled_email(person)
    return person.email


def send_refusal(*, actor, person: Client | Physician) -> str | None:
    """Why `actor` cannot invite `person` to the address on file now, said before they try;
    None when they can. (invitation_send checks again: it is the one that writes.)"""
    try:
        _address(actor, person)
    except ValidationError as error:
        return " ".join(error.messages)
    return None


def _require_settled_email(client: Client) -> None:
    if not email_unproved(client):
        return
    changed = day(client.email_changed_at)
    settled = email_settled_on(client)
    if settled is None:
        raise ValidationError(
            f"The email address was added by staff on {changed}, and there was no earlier "
            "address to confirm it. Ask the client's therapist to confirm it with the client "
            "in person and send the invitation."
        )
    raise ValidationError(
        f"The email address was changed on {changed}; a notice went to the previous address. "
        f"The invitation can go to it from {day(settled)}, or sooner by the client's "
        "therapist once they have confirmed it with the client in person."
    )


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
        kind=INVITATION_MAIL,
        about=invitation,
        recipient=invitation.email,
        client=invitation.client,
        params={"base_url": base_url},
    )


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
        "expires": f"{day_time(expires)} ({expires:%Z})",
        "for_physician": invitation.is_for_physician,
    }
    return EmailMessage(
        subject=f"Your invitation to the {settings.CLINIC_NAME} portal",
        body=loader.render_to_string("accounts/email/invitation.txt", context),
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
        Invitation.State.LOCKED: LOCKED,
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


def needs_birth_date(invitation: Invitation) -> bool:
    return invitation.client_id is not None


def invitation_accept(
    *, token: str, username: str, password: str, date_of_birth: dt.date | None = None
) -> User:
    """Create the invited person's login and link it, once a client has proved who they are.
    Single use: of two concurrent accepts exactly one succeeds, the other raises
    InvitationUnavailable."""
    _prove(token, date_of_birth)
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


def invitation_accept_as(*, token: str, user, date_of_birth: dt.date | None = None) -> User:
    """Link the signed-in `user`, an existing account with the invited email and role, once a
    client has proved who they are."""
    _prove(token, date_of_birth)
    return _accept_linking(token, user)


def _prove(token: str, date_of_birth: dt.date | None) -> None:
    """A client's invitation is accepted only with their date of birth. A wrong one is counted
    in its own transaction (it must stay counted although the accept fails), under the
    person's lock, so guesses sent at once are still counted one by one."""
    with transaction.atomic():
        invitation = _lock_for_accept(token)
        if not needs_birth_date(invitation) or invitation.client.date_of_birth == date_of_birth:
            return
        Invitation.objects.filter(pk=invitation.pk).update(failed_checks=F("failed_checks") + 1)
        left = MAX_FAILED_CHECKS - invitation.failed_checks - 1
        # Staff reading the client's log see someone tried the link (and when it locked).
        tries = f"{MAX_FAILED_CHECKS - left} of {MAX_FAILED_CHECKS}"
        audit.record(
            actor=None,
            action="update",
            client=invitation.client,
            target=invitation,
            detail=f"portal invitation: wrong date of birth typed ({tries}"
            + (", link locked)" if left <= 0 else ")"),
        )
    if left <= 0:
        raise InvitationUnavailable(LOCKED)
    raise ValidationError(
        {
            "date_of_birth": "This is not the date of birth the clinic has on file. "
            f"{left} {'try' if left == 1 else 'tries'} left before this link stops working."
        }
    )


@transaction.atomic
def _accept_linking(token: str, user) -> User:
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
        .filter(pk=invitation.pk, expires_at__gt=now, failed_checks__lt=MAX_FAILED_CHECKS)
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
