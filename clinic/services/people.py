"""Writes of the core app. Each service is one transaction and writes its audit entry."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import loader
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from clinic import audit, outbox
from clinic.clinic_time import local
from clinic.models import Client
from clinic.roles import Role, role_of
from clinic.services.outbox import mail_owe

CLIENT_CONTACT_FIELDS = (
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
)


# How long the address a staff member replaced has to object before the new one is trusted.
EMAIL_SETTLE_DAYS = 30


def email_settled_on(client: Client) -> dt.date | None:
    """The day the front desk may invite to the client's email: None when it is proved now
    or can never be proved by waiting (an address added where there was none)."""
    if client.email_changed_at is None or not client.email_previous:
        return None
    settled = client.email_changed_at + dt.timedelta(days=EMAIL_SETTLE_DAYS)
    return local(settled).date() if settled > timezone.now() else None


def email_unproved(client: Client) -> bool:
    return client.email_changed_at is not None and (
        not client.email_previous or email_settled_on(client) is not None
    )


@transaction.atomic
def client_update_contacts(*, actor, client: Client, data: dict) -> Client:
    """A client edits their own contact details; staff may edit anyone's."""
    role = role_of(actor)
    own = role == Role.CLIENT and client.user_id == actor.pk
    if not own and role not in {Role.ADMIN, Role.THERAPIST, Role.FRONT_DESK}:
        raise PermissionDenied("You may change only your own contact details.")
    # Compare with the stored row (a bound ModelForm has already changed `client` in memory).
    client = Client.objects.select_for_update().get(pk=client.pk)
    changed = [name for name in CLIENT_CONTACT_FIELDS if getattr(client, name) != data[name]]
    previous_email = client.email
    for name in changed:
        setattr(client, name, data[name])
    if "email" in changed:
        changed += _email_changed(client, previous_email, by_client=own)
    if changed:
        client.save(update_fields=[*changed, "updated_at"])
        audit.record(
            actor=actor,
            action="update",
            client=client,
            target=client,
            detail="contact details: " + ", ".join(changed),
        )
    return client


EMAIL_CHANGED_MAIL = "email_changed"


def _email_changed(client: Client, previous: str, *, by_client: bool) -> list[str]:
    """A client's email changed (already set on `client`, not yet saved): the address it
    replaced is told, so a change the client did not ask for is noticed. An address staff
    typed is marked unproved (the portal invitation waits, see services/invitations.py); one
    the signed-in client typed is theirs. Returns the extra fields to save."""
    # While an earlier staff change is unproved, the address before it stays the one the wait
    # is for and is told again: a second quick change (real -> a -> attacker) must not leave
    # only `a` to object.
    proved = client.email_previous if email_unproved(client) else previous
    client.email_changed_at = None if by_client else timezone.now()
    client.email_previous = "" if by_client else proved
    for address in dict.fromkeys(a for a in (proved, previous) if a):
        mail_owe(
            kind=EMAIL_CHANGED_MAIL,
            about=client,
            recipient=address,
            client=client,
            params={"new": masked_email(client.email)},
        )
    return ["email_changed_at", "email_previous"]


def masked_email(address: str) -> str:
    """n***@example.test: enough for the owner to recognise, too little to be of use."""
    if not address:
        return "(no address)"
    local_part, _, domain = address.partition("@")
    return f"{local_part[:1]}***@{domain}"


@outbox.register(EMAIL_CHANGED_MAIL, "Email change notice", watchers=outbox.CLINIC_STAFF)
def _build_email_changed(mail, *, now) -> outbox.Prepared:
    """Goes to the replaced address; names the new one only masked, holds no health data."""
    context = {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "new": mail.params.get("new", ""),
    }
    message = EmailMultiAlternatives(
        f"Your email address at {settings.CLINIC_NAME} was changed",
        loader.render_to_string("clinic/email/email_changed.txt", context),
        None,
        [mail.recipient],
    )
    return outbox.Prepared(message)


PASSWORD_RESET_MAIL = "password_reset"  # noqa: S105 - a mail kind, not a password


def password_reset_owe(*, user, domain: str, use_https: bool) -> None:
    """The user asked for a reset link: owed now, built (token included) at send time, so no
    token ever travels through the broker or sits in the outbox."""
    mail_owe(
        kind=PASSWORD_RESET_MAIL,
        about=user,
        recipient=user.email,
        params={"domain": domain, "use_https": use_https},
    )


@outbox.register(PASSWORD_RESET_MAIL, "Password reset link", watchers=outbox.ADMIN_ONLY)
def _build_password_reset(mail, *, now) -> outbox.Prepared:
    user = get_user_model().objects.filter(pk=mail.about_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        raise outbox.NotOwed("The account is inactive or cannot use a password.")
    if not user.email:
        raise outbox.Undeliverable("The account has no email address.")
    domain, use_https = mail.params.get("domain", ""), mail.params.get("use_https", True)
    context = {
        "email": user.email,
        "domain": domain,
        "site_name": domain,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "user": user,
        "token": default_token_generator.make_token(user),
        "protocol": "https" if use_https else "http",
    }
    subject = loader.render_to_string("registration/password_reset_subject.txt", context)
    body = loader.render_to_string("registration/password_reset_email.txt", context)
    message = EmailMultiAlternatives("".join(subject.splitlines()), body, None, [user.email])
    return outbox.Prepared(message)


CLIENT_FIELDS = (
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    *CLIENT_CONTACT_FIELDS,
    "primary_physician",
    "referral_source",
)


def client_possible_duplicates(*, first_name: str, last_name: str, date_of_birth, exclude=None):
    """Clients with the same name and birth date: likely the same person registered twice."""
    matches = Client.objects.same_name(first_name, last_name).filter(date_of_birth=date_of_birth)
    return matches.exclude(pk=exclude.pk) if exclude is not None else matches


def _require_registry_role(actor) -> None:
    if role_of(actor) not in {Role.ADMIN, Role.THERAPIST, Role.FRONT_DESK}:
        raise PermissionDenied("Only clinic staff can register or edit clients.")


@transaction.atomic
def client_create(*, actor, data: dict) -> Client:
    _require_registry_role(actor)
    client = Client(**{name: data[name] for name in CLIENT_FIELDS if name in data})
    client.full_clean()
    client.save()
    audit.record(actor=actor, action="create", client=client, target=client, detail="registered")
    return client


@transaction.atomic
def client_update(*, actor, client: Client, data: dict) -> Client:
    _require_registry_role(actor)
    client = Client.objects.select_for_update().get(pk=client.pk)
    changed = [
        name for name in CLIENT_FIELDS if name in data and getattr(client, name) != data[name]
    ]
    previous_email = client.email
    for name in changed:
        setattr(client, name, data[name])
    if "email" in changed:
        _email_changed(client, previous_email, by_client=False)
    if changed:
        client.full_clean()
        client.save()
        audit.record(
            actor=actor,
            action="update",
            client=client,
            target=client,
            detail="changed: " + ", ".join(changed),
        )
    return client
