"""Portal invitations: who may send, what the mail holds, and every way a link is followed
(happy paths, expired, reused, revoked, tampered, raced, existing account, bad input)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from accounts.services import invitations as services
from accounts.services.invitations import InvitationUnavailable
from clinic.date_formats import day_time
from clinic.models import AuditEntry, Client, Physician, User
from clinic.roles import Role
from clinic.tests.factories import (
    CareTeamMemberFactory,
    ClientFactory,
    PhysicianFactory,
    UserFactory,
)

GOOD_PASSWORD = "quiet-river-stones-2026"
BORN = dt.date(1984, 3, 9)  # Priya's date of birth, typed to accept her invitation
LINK = re.compile(r"https?://\S+/invitations/(?P<token>[\w-]+)/")


@pytest.fixture
def priya(db):
    return ClientFactory(
        user=None,
        first_name="Priya",
        last_name="Raman",
        email="priya@example.test",
        date_of_birth=BORN,
    )


@pytest.fixture
def dr_osei(db):
    return PhysicianFactory(
        user=None, first_name="Kwame", last_name="Osei", email="osei@clinic.example.test"
    )


def _send(django_capture_on_commit_callbacks, **kwargs) -> tuple[Invitation, str]:
    """Send through the service (the mail task runs on commit) and return the link's token."""
    kwargs.setdefault("base_url", "http://testserver/")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_send(**kwargs)
    return invitation, LINK.search(mail.outbox[-1].body)["token"]


def _accept_url(token: str) -> str:
    return reverse("invitation_accept", kwargs={"token": token})


def _form(username="priya", password=GOOD_PASSWORD, again=None, born=BORN) -> dict:
    return {
        "username": username,
        "password1": password,
        "password2": again or password,
        "date_of_birth": born.isoformat(),
    }


# --- sending --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["frontdesk", "therapist"])
def test_front_desk_and_therapists_invite_clients(
    cast, priya, role, django_capture_on_commit_callbacks
):
    invitation, token = _send(
        django_capture_on_commit_callbacks, actor=getattr(cast, role), client=priya
    )
    assert invitation.role == Role.CLIENT
    assert mail.outbox[-1].to == ["priya@example.test"]
    assert token


@pytest.mark.parametrize("role", ["admin", "client_user", "physician_user"])
def test_others_may_not_invite_clients(cast, priya, role):
    with pytest.raises(PermissionDenied):
        services.invitation_send(actor=getattr(cast, role), client=priya)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("role", ["admin", "therapist"])
def test_admin_and_therapists_invite_physicians(
    cast, dr_osei, role, django_capture_on_commit_callbacks
):
    invitation, _ = _send(
        django_capture_on_commit_callbacks, actor=getattr(cast, role), physician=dr_osei
    )
    assert invitation.role == Role.PHYSICIAN
    assert mail.outbox[-1].to == ["osei@clinic.example.test"]


@pytest.mark.parametrize("role", ["frontdesk", "client_user", "physician_user"])
def test_others_may_not_invite_physicians(cast, dr_osei, role):
    with pytest.raises(PermissionDenied):
        services.invitation_send(actor=getattr(cast, role), physician=dr_osei)
    assert not Invitation.objects.exists()


def test_a_person_with_a_login_is_not_invited(cast):
    with pytest.raises(ValidationError, match="already has a portal account"):
        services.invitation_send(actor=cast.frontdesk, client=cast.client)


def test_no_address_is_a_clear_error(cast, priya):
    priya.email = ""
    priya.save()
    with pytest.raises(ValidationError, match="no email address"):
        services.invitation_send(actor=cast.frontdesk, client=priya)
    assert not Invitation.objects.exists()


def test_the_invitation_goes_to_the_address_on_the_record_and_no_other(
    cast, priya, django_capture_on_commit_callbacks
):
    with pytest.raises(TypeError):  # inviting can no longer name (and save) another address
        services.invitation_send(actor=cast.frontdesk, client=priya, email="x@evil.test")
    invitation, _ = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    assert invitation.email == "priya@example.test"
    assert mail.outbox[-1].to == ["priya@example.test"]
    priya.refresh_from_db()
    assert priya.email == "priya@example.test"


def test_mail_has_link_clinic_and_expiry(cast, priya, settings, django_capture_on_commit_callbacks):
    settings.CLINIC_NAME = "Harbour Massage Therapy"
    invitation, token = _send(
        django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya
    )
    body = mail.outbox[-1].body
    assert f"http://testserver/invitations/{token}/" in body
    assert "Harbour Massage Therapy" in mail.outbox[-1].subject
    assert "Harbour Massage Therapy" in body
    expires = timezone.localtime(invitation.expires_at)
    assert f"{day_time(expires)}" in body
    lifetime = invitation.expires_at - invitation.created_at
    assert abs(lifetime - dt.timedelta(days=7)) < dt.timedelta(seconds=5)


def test_site_url_setting_wins_over_the_request_host(
    cast, priya, settings, django_capture_on_commit_callbacks
):
    settings.CLINIC_SITE_URL = "https://portal.example.test"
    _, token = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    assert f"https://portal.example.test/invitations/{token}/" in mail.outbox[-1].body


def test_mail_holds_no_health_data(cast, priya, django_capture_on_commit_callbacks):
    from intake.tests.factories import HealthHistoryFactory

    history = HealthHistoryFactory(client=priya, created_by=cast.therapist)
    _send(django_capture_on_commit_callbacks, actor=cast.therapist, client=priya)
    message = mail.outbox[-1]
    text = message.subject + message.body
    for private in (history.reason_for_visit, history.client_goals, "1980", priya.phone):
        assert private not in text
    assert not message.attachments


def test_only_the_tokens_hash_is_stored(cast, priya, django_capture_on_commit_callbacks):
    invitation, token = _send(
        django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya
    )
    row = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(row, default=str)
    assert not AuditEntry.objects.filter(detail__contains=token).exists()


def test_the_wake_up_carries_an_id_and_the_outbox_no_token(
    cast, priya, monkeypatch, django_capture_on_commit_callbacks
):
    from clinic import tasks
    from clinic.models import OutboundMail

    sent = []
    monkeypatch.setattr(tasks.deliver_mail, "apply_async", lambda **kw: sent.append(kw["args"]))
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_send(actor=cast.frontdesk, client=priya)
    [owed] = OutboundMail.objects.all()
    assert sent == [(str(owed.pk),)]
    json.dumps(sent)  # what a real broker would carry
    assert (owed.kind, owed.about_id, owed.params) == (
        "portal_invitation",
        str(invitation.pk),
        {"base_url": ""},
    )
    assert Invitation.objects.get().token_hash is None  # no token exists until the mail goes


def test_sending_twice_is_a_no_op(cast, priya, django_capture_on_commit_callbacks):
    from clinic.models import OutboundMail
    from clinic.services.outbox import mail_deliver, mail_owe

    invitation, _ = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    before = Invitation.objects.get().token_hash
    [owed] = OutboundMail.objects.all()
    assert mail_deliver(mail_id=owed.pk) == "skipped"  # sent already
    again = mail_owe(kind="portal_invitation", about=invitation, recipient=invitation.email)
    assert mail_deliver(mail_id=again.pk) == "dropped"  # the invitation went out already
    assert len(mail.outbox) == 1
    assert Invitation.objects.get().token_hash == before


def test_a_new_invitation_revokes_the_open_one(cast, priya, django_capture_on_commit_callbacks):
    first, _ = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    second, _ = _send(django_capture_on_commit_callbacks, actor=cast.therapist, client=priya)
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert Invitation.objects.open().get() == second


def test_the_database_refuses_an_invitation_for_two_people(cast, priya, dr_osei):
    with pytest.raises(IntegrityError):
        Invitation.objects.create(
            client=priya,
            physician=dr_osei,
            email="x@example.test",
            role=Role.CLIENT,
            created_by=cast.frontdesk,
            expires_at=timezone.now() + dt.timedelta(days=1),
        )


# --- staff pages ----------------------------------------------------------------------------


def test_client_page_offers_the_invitation_only_without_a_login(client, cast, priya):
    client.force_login(cast.frontdesk)
    invite = reverse("client_invite", kwargs={"client_id": priya.pk})
    assert invite in client.get(reverse("client_detail", kwargs={"client_id": priya.pk})).text
    page = client.get(reverse("client_detail", kwargs={"client_id": cast.client.pk})).text
    assert "Invite to the portal" not in page


def test_staff_page_shows_the_address_sends_and_says_when_it_expires(
    client, cast, priya, django_capture_on_commit_callbacks
):
    client.force_login(cast.frontdesk)
    url = reverse("client_invite", kwargs={"client_id": priya.pk})
    assert "priya@example.test" in client.get(url).text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {}, follow=True)
    invitation = Invitation.objects.get()
    expires = timezone.localtime(invitation.expires_at)
    assert "Invitation sent to priya@example.test" in response.text
    assert f"expires on {day_time(expires)}" in response.text
    assert len(mail.outbox) == 1


def test_staff_page_ignores_a_typed_address(
    client, cast, priya, django_capture_on_commit_callbacks
):
    client.force_login(cast.frontdesk)
    url = reverse("client_invite", kwargs={"client_id": priya.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "attacker@evil.test"})
    assert Invitation.objects.get().email == "priya@example.test"
    assert [m.to for m in mail.outbox] == [["priya@example.test"]]
    priya.refresh_from_db()
    assert priya.email == "priya@example.test"


def test_staff_page_shows_a_refusal_above_the_form(client, cast, priya):
    priya.email = ""
    priya.save()
    client.force_login(cast.frontdesk)
    url = reverse("client_invite", kwargs={"client_id": priya.pk})
    response = client.post(url, {})
    assert response.status_code == 200
    assert "no email address" in " ".join(response.context["form"].non_field_errors())
    assert 'class="alert alert-danger"' in response.text
    assert not Invitation.objects.exists()


def test_physician_page_sends_the_invitation(
    client, cast, dr_osei, django_capture_on_commit_callbacks
):
    client.force_login(cast.admin)
    url = reverse("physician_invite", kwargs={"physician_id": dr_osei.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {})
    assert Invitation.objects.get().physician == dr_osei
    assert mail.outbox[-1].to == [dr_osei.email]


def test_admin_physician_list_links_to_the_invitation(client, cast, dr_osei):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    page = client.get("/admin/clinic/physician/").text
    assert reverse("physician_invite", kwargs={"physician_id": dr_osei.pk}) in page


# --- accepting ------------------------------------------------------------------------------


def test_client_accepts_and_lands_on_their_portal(
    client, cast, priya, django_capture_on_commit_callbacks
):
    _, token = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    page = client.get(_accept_url(token))
    assert page.status_code == 200
    assert 'value="priya"' in page.text  # suggested from the email
    assert "no-store" in page["Cache-Control"]
    response = client.post(_accept_url(token), _form("priya.r"))
    assert response["Location"] == reverse("portal")
    user = User.objects.get(username="priya.r")
    assert (user.role, user.email, user.first_name) == (Role.CLIENT, "priya@example.test", "Priya")
    assert list(Client.objects.visible_to(user)) == [priya]
    assert client.get(reverse("portal")).status_code == 200
    assert Invitation.objects.get().accepted_by == user
    assert AuditEntry.objects.filter(actor=user, client=priya, action="create").exists()


def test_physician_accepts_and_sees_only_consented_clients(
    client, cast, dr_osei, django_capture_on_commit_callbacks
):
    shared = CareTeamMemberFactory(physician=dr_osei).client
    CareTeamMemberFactory(physician=dr_osei, sharing_consented_at=None)  # no consent: hidden
    _, token = _send(django_capture_on_commit_callbacks, actor=cast.admin, physician=dr_osei)
    response = client.post(_accept_url(token), _form("dr.osei"))
    assert response["Location"] == reverse("physician_dashboard")
    user = User.objects.get(username="dr.osei")
    assert user.role == Role.PHYSICIAN
    assert list(Physician.objects.visible_to(user)) == [dr_osei]
    assert list(Client.objects.visible_to(user)) == [shared]
    assert client.get(reverse("physician_dashboard")).status_code == 200


def test_expired_link_is_410_and_names_nobody(
    client, cast, priya, django_capture_on_commit_callbacks
):
    invitation, token = _send(
        django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya
    )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    response = client.get(_accept_url(token))
    assert response.status_code == 410
    assert "has expired" in response.text
    assert "Ask the clinic for a new one" in response.text
    for secret in ("Priya", "Raman", "priya@example.test"):
        assert secret not in response.text
    assert client.post(_accept_url(token), _form()).status_code == 410
    assert not User.objects.filter(username="priya").exists()


def test_a_used_link_is_410(client, cast, priya, django_capture_on_commit_callbacks):
    _, token = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    client.post(_accept_url(token), _form("priya"))
    client.logout()
    response = client.post(_accept_url(token), _form("someone-else"))
    assert response.status_code == 410
    assert "already been used" in response.text
    assert not User.objects.filter(username="someone-else").exists()


def test_a_link_replaced_by_a_newer_invitation_is_410(
    client, cast, priya, django_capture_on_commit_callbacks
):
    _, old = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    _, new = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    response = client.get(_accept_url(old))
    assert response.status_code == 410
    assert "no longer works" in response.text
    assert client.get(_accept_url(new)).status_code == 200


@pytest.mark.parametrize(
    "tamper", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: "x"]
)
def test_a_tampered_link_is_404_not_500(
    client, cast, priya, tamper, django_capture_on_commit_callbacks
):
    _, token = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    response = client.get(_accept_url(tamper(token)))
    assert response.status_code == 404
    assert "not valid" in response.text
    assert "Priya" not in response.text


def test_two_accepts_racing_create_one_account(
    cast, priya, monkeypatch, django_capture_on_commit_callbacks
):
    """The second accept read the invitation while it was still open (as a concurrent request
    would); only the conditional UPDATE stops it."""
    _, token = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    stale = services.invitation_for_token(token)
    services.invitation_accept(
        token=token, username="first", password=GOOD_PASSWORD, date_of_birth=BORN
    )
    monkeypatch.setattr(services, "invitation_for_token", lambda token: stale)
    with pytest.raises(InvitationUnavailable):
        services.invitation_accept(
            token=token, username="second", password=GOOD_PASSWORD, date_of_birth=BORN
        )
    assert not User.objects.filter(username="second").exists()
    priya.refresh_from_db()
    assert priya.user.username == "first"


def test_an_existing_account_is_linked_not_duplicated(
    client, cast, priya, django_capture_on_commit_callbacks
):
    existing = UserFactory(username="praman", role=Role.CLIENT, email="Priya@Example.test")
    _, token = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    page = client.get(_accept_url(token))
    assert "sign in with it" in page.text.lower()
    assert reverse("login") in page.text
    users = User.objects.count()
    client.post(_accept_url(token), _form("another"))  # no form is offered; a forged post fails
    with pytest.raises(ValidationError, match="already have an account"):
        services.invitation_accept(
            token=token, username="another", password=GOOD_PASSWORD, date_of_birth=BORN
        )
    assert User.objects.count() == users
    client.force_login(existing)
    assert "Link to my account" in client.get(_accept_url(token)).text
    refused = client.post(_accept_url(token), {"date_of_birth": "1990-01-01"})
    assert refused.context["form"].errors["date_of_birth"]
    priya.refresh_from_db()
    assert priya.user is None
    response = client.post(_accept_url(token), {"date_of_birth": BORN.isoformat()})
    assert response["Location"] == reverse("portal")
    priya.refresh_from_db()
    assert priya.user == existing
    assert User.objects.count() == users


def test_someone_else_signed_in_cannot_take_the_invitation(
    client, cast, priya, django_capture_on_commit_callbacks
):
    _, token = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    client.force_login(cast.client2_user)
    response = client.post(_accept_url(token), {"date_of_birth": BORN.isoformat()})
    assert response.status_code == 403
    assert "for someone else" in response.text
    priya.refresh_from_db()
    assert priya.user is None
    assert Invitation.objects.get().accepted_at is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (_form(password="123"), "password1"),  # too short, too common, numeric
        (_form(password="priya@example.test"), "password1"),  # the email itself
        (_form(again="a-different-password-2026"), "password2"),
        (_form(username="client"), "username"),  # the cast's client already has it
        (_form(username="no spaces allowed"), "username"),
    ],
)
def test_bad_input_is_shown_at_the_field_and_the_username_kept(
    client, cast, priya, data, field, django_capture_on_commit_callbacks
):
    _, token = _send(django_capture_on_commit_callbacks, actor=cast.frontdesk, client=priya)
    response = client.post(_accept_url(token), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert f'value="{data["username"]}"' in response.text
    assert 'class="invalid-feedback' in response.text
    assert Invitation.objects.get().accepted_at is None
    priya.refresh_from_db()
    assert priya.user is None
