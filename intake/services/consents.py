"""Consents: signing and withdrawing them, and the care-team rows that carry the physician's
access. The access rule (clinic.querysets) reads `CareTeamMember.sharing_consented_at` and
`sharing_revoked_at`, so every change to a sharing consent updates them in the same
transaction: a withdrawal ends the physician's access with the commit, not later."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic import audit
from clinic.models import CareTeamMember, Client, Physician
from clinic.roles import CLINICAL_WRITERS, STAFF_ROLES, Role, role_of
from intake.models import Consent, ConsentText
from intake.models.consent import ConsentKind


def consent_text_current(kind: str) -> ConsentText:
    """The wording a new signature agrees to: the latest published version of that kind."""
    text = ConsentText.objects.filter(kind=kind).order_by("-published_at").first()
    if text is None:
        # Seeded by intake/migrations/0002; missing only if someone deleted it.
        raise ValidationError("This consent form is not available yet. Please ask the clinic.")
    return text


def normalise_name(name: str) -> str:
    return " ".join(name.split()).casefold()


def _accepted_names(client: Client) -> set[str]:
    names = {f"{client.first_name} {client.last_name}"}
    if client.preferred_name:
        names.add(f"{client.preferred_name} {client.last_name}")
    return {normalise_name(name) for name in names}


def _check_signed_name(client: Client, signed_name: str) -> None:
    # A typed name stands in for a handwritten signature, so it must be the client's own name,
    # whoever holds the keyboard (a therapist in clinic types what the client tells them).
    if normalise_name(signed_name) not in _accepted_names(client):
        raise ValidationError(
            {
                "signed_name": (
                    f"Type the name exactly as the clinic has it: {client.first_name} "
                    f"{client.last_name}. Capital letters and extra spaces do not matter."
                )
            }
        )


def _may_act_for(actor, client: Client) -> bool:
    """The client themself, or a therapist in the clinic (the admin and the front desk only
    read consent status, physicians never see consents)."""
    role = role_of(actor)
    if role == Role.CLIENT:
        return client.user_id is not None and client.user_id == actor.pk
    return role in CLINICAL_WRITERS


def _require_may_act_for(actor, client: Client) -> None:
    if not _may_act_for(actor, client):
        raise PermissionDenied("Only the client, a therapist or an admin can sign or withdraw.")


def _create(**fields) -> Consent:
    # The partial unique constraints are the final guard against two tabs signing at once;
    # the savepoint keeps the caller's transaction usable when they fire.
    try:
        with transaction.atomic():
            return Consent.objects.create(ip_address=audit.current_ip(), **fields)
    except IntegrityError:
        raise ValidationError(_ALREADY_SIGNED) from None


_ALREADY_SIGNED = (
    "This consent is already signed and still in force. To sign a new one, withdraw the "
    "current one first."
)


def _lock_client(client: Client) -> Client:
    # Serialises signatures for one client, so the "already signed?" check below holds. Every
    # service here locks the client first, then the care-team member, then the consent: in
    # any other order, two of them at once (signing in one tab, withdrawing in another) can
    # each hold what the other waits for, a deadlock that fails one of them.
    return Client.objects.select_for_update().get(pk=client.pk)


@transaction.atomic
def consent_sign_treatment(*, actor, client: Client, signed_name: str) -> Consent:
    _require_may_act_for(actor, client)
    client = _lock_client(client)
    _check_signed_name(client, signed_name)
    if Consent.objects.active().filter(client=client, kind=ConsentKind.TREATMENT).exists():
        raise ValidationError(_ALREADY_SIGNED)
    consent = _create(
        client=client,
        kind=ConsentKind.TREATMENT,
        text=consent_text_current(ConsentKind.TREATMENT),
        signed_name=" ".join(signed_name.split()),
        signed_by=actor,
    )
    _record_signature(actor, consent)
    return consent


@transaction.atomic
def consent_sign_sharing(
    *, actor, client: Client, care_team_member: CareTeamMember, signed_name: str
) -> Consent:
    _require_may_act_for(actor, client)
    client = _lock_client(client)
    member = CareTeamMember.objects.select_for_update().filter(pk=care_team_member.pk).first()
    if member is None or member.client_id != client.pk:
        raise ValidationError("That person is not on this client's care team.")
    _check_signed_name(client, signed_name)
    if Consent.objects.active().filter(care_team_member=member, kind=ConsentKind.SHARING).exists():
        raise ValidationError(_ALREADY_SIGNED)
    consent = _create(
        client=client,
        kind=ConsentKind.SHARING,
        care_team_member=member,
        text=consent_text_current(ConsentKind.SHARING),
        signed_name=" ".join(signed_name.split()),
        signed_by=actor,
    )
    # The physician's access starts from the signature and a new signature ends any earlier
    # withdrawal.
    member.sharing_consented_at = consent.signed_at
    member.sharing_revoked_at = None
    member.save(update_fields=["sharing_consented_at", "sharing_revoked_at"])
    _record_signature(actor, consent)
    return consent


def _record_signature(actor, consent: Consent) -> None:
    on_behalf = "" if role_of(actor) == Role.CLIENT else " in clinic, on the client's behalf"
    audit.record(
        actor=actor,
        action="sign",
        client=consent.client,
        target=consent,
        detail=f"{consent.kind} consent, text version {consent.text.version}{on_behalf}",
    )


@transaction.atomic
def consent_revoke(*, actor, consent: Consent) -> Consent:
    _require_may_act_for(actor, consent.client)
    _lock_client(consent.client)
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.revoked_at is not None:
        raise ValidationError("This consent was already withdrawn.")
    now = timezone.now()
    consent.revoked_at, consent.revoked_by = now, actor
    consent.save(update_fields=["revoked_at", "revoked_by"])
    if consent.kind == ConsentKind.SHARING:
        _stop_sharing(consent.care_team_member_id, now)
    audit.record(
        actor=actor,
        action="update",
        client=consent.client,
        target=consent,
        detail=f"{consent.kind} consent withdrawn",
    )
    return consent


def _stop_sharing(member_id, now) -> None:
    # An UPDATE, not a read-modify-save: the physician loses access with this commit.
    CareTeamMember.objects.filter(pk=member_id).update(sharing_revoked_at=now)


@transaction.atomic
def care_team_sharing_stop(*, actor, care_team_member: CareTeamMember) -> CareTeamMember:
    """Withdraw sharing with one care-team member, whether or not a signed form is on file
    (members recorded before online consents, or by the clinic, have none): a client must
    always be able to stop sharing."""
    _require_may_act_for(actor, care_team_member.client)
    _lock_client(care_team_member.client)
    member = CareTeamMember.objects.select_for_update().get(pk=care_team_member.pk)
    active = Consent.objects.active().filter(care_team_member=member, kind=ConsentKind.SHARING)
    consent = active.first()
    if consent is not None:
        consent_revoke(actor=actor, consent=consent)
        member.refresh_from_db()
        return member
    if not member.is_sharing:
        raise ValidationError("Sharing with this person is already off.")
    now = timezone.now()
    _stop_sharing(member.pk, now)
    member.sharing_revoked_at = now
    audit.record(
        actor=actor,
        action="update",
        client=member.client,
        target=member,
        detail="sharing withdrawn (no signed form on file)",
    )
    return member


@transaction.atomic
def care_team_member_add(
    *, actor, client: Client, physician: Physician, relationship: str
) -> CareTeamMember:
    """Staff put a physician from the directory on a client's care team (the client names
    them). Membership alone gives no access: sharing starts only with a signed consent."""
    if role_of(actor) not in STAFF_ROLES:
        raise PermissionDenied("Only clinic staff can change a care team.")
    _lock_client(client)  # a second submit waits here, then finds the member added
    if CareTeamMember.objects.filter(client=client, physician=physician).exists():
        raise ValidationError({"physician": f"{physician} is already on this care team."})
    member = CareTeamMember.objects.create(
        client=client, physician=physician, relationship=relationship
    )
    audit.record(
        actor=actor,
        action="create",
        client=client,
        target=member,
        detail=f"care team: added {physician} ({member.get_relationship_display()})",
    )
    return member
