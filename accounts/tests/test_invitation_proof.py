"""A portal invitation must prove the one accepting is the invited client (issue 15): the front
desk, who may edit contacts but never read clinical records, must not be able to point an
invitation at its own inbox and open the client's portal. The attack is played and refused;
the honest flow, the change notice, the date-of-birth lock and physicians' invitations work."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import MAX_FAILED_CHECKS, Invitation
from accounts.services import invitations as services
from clinic.models import AuditEntry, Client, User
from clinic.services import client_update, client_update_contacts
from clinic.services.people import EMAIL_SETTLE_DAYS
from clinic.tests.factories import ClientFactory, PhysicianFactory

GOOD_PASSWORD = "quiet-river-stones-2026"
BORN = dt.date(1979, 11, 23)
LINK = re.compile(r"https?://\S+/invitations/(?P<token>[\w-]+)/")


@pytest.fixture
def lena(db):
    return ClientFactory(
        user=None,
        first_name="Lena",
        last_name="Okafor",
        email="lena@example.test",
        date_of_birth=BORN,
    )


def _invite_page(person) -> str:
    return reverse("client_invite", kwargs={"client_id": person.pk})


def _accept_url(token: str) -> str:
    return reverse("invitation_accept", kwargs={"token": token})


def _form(username="lena", born=BORN) -> dict:
    return {
        "username": username,
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        "date_of_birth": born.isoformat() if born else "",
    }


def _token_sent_to(address: str) -> str:
    sent = [m for m in mail.outbox if m.to == [address] and LINK.search(m.body)]
    return LINK.search(sent[-1].body)["token"]


def _change_email(actor, person, address, capture) -> None:
    with capture(execute=True):
        client_update(actor=actor, client=person, data={"email": address})
    person.refresh_from_db()


# --- the attack -----------------------------------------------------------------------------


def test_front_desk_cannot_invite_itself_into_a_clients_portal(
    client, cast, lena, django_capture_on_commit_callbacks
):
    client.force_login(cast.frontdesk)
    # The old way: type another address on the invitation page. It is ignored.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_invite_page(lena), {"email": "attacker@evil.test"})
    assert all(m.to != ["attacker@evil.test"] for m in mail.outbox)
    # The new way: change the record's address first, then invite. Refused, nothing sent.
    _change_email(cast.frontdesk, lena, "attacker@evil.test", django_capture_on_commit_callbacks)
    Invitation.objects.update(revoked_at=timezone.now())  # the honest one above is withdrawn
    assert "was changed on" in client.get(_invite_page(lena)).text  # said before the click
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_invite_page(lena), {})
    assert response.status_code == 200
    refusal = " ".join(response.context["form"].non_field_errors())
    assert "was changed on" in refusal
    assert "notice went to the previous address" in refusal
    assert all(m.to != ["attacker@evil.test"] for m in mail.outbox)
    assert not Invitation.objects.filter(email="attacker@evil.test").exists()
    # ...and the real client was told.
    notice = [m for m in mail.outbox if m.to == ["lena@example.test"] and "changed" in m.subject]
    assert notice and "a***@evil.test" in notice[0].body


def test_a_second_quick_change_keeps_the_real_address_as_the_one_to_tell(
    cast, lena, django_capture_on_commit_callbacks
):
    _change_email(cast.frontdesk, lena, "a@elsewhere.test", django_capture_on_commit_callbacks)
    _change_email(cast.frontdesk, lena, "attacker@evil.test", django_capture_on_commit_callbacks)
    told = [m.to[0] for m in mail.outbox]
    assert sorted(told) == ["a@elsewhere.test", "lena@example.test", "lena@example.test"]
    assert lena.email_previous == "lena@example.test"
    with pytest.raises(ValidationError, match="was changed on"):
        services.invitation_send(actor=cast.frontdesk, client=lena)


def test_an_address_added_where_there_was_none_is_never_proved_by_waiting(
    cast, lena, django_capture_on_commit_callbacks
):
    Client.objects.filter(pk=lena.pk).update(email="")
    lena.refresh_from_db()
    _change_email(cast.frontdesk, lena, "attacker@evil.test", django_capture_on_commit_callbacks)
    assert mail.outbox == []  # nobody to tell
    long_ago = timezone.now() - dt.timedelta(days=EMAIL_SETTLE_DAYS * 10)
    Client.objects.filter(pk=lena.pk).update(email_changed_at=long_ago)
    lena.refresh_from_db()
    with pytest.raises(ValidationError, match="no earlier address to confirm it"):
        services.invitation_send(actor=cast.frontdesk, client=lena)
    assert not Invitation.objects.exists()


def test_the_link_alone_does_not_open_the_portal(
    client, cast, lena, django_capture_on_commit_callbacks
):
    """Whoever holds the link (a forwarded mail, a shared inbox) must also know the date of
    birth; without it no account is made."""
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(actor=cast.frontdesk, client=lena, base_url="http://testserver/")
    token = _token_sent_to("lena@example.test")
    for born in (None, dt.date(1980, 1, 1)):
        response = client.post(_accept_url(token), _form(born=born))
        assert response.status_code == 200
        assert response.context["form"].errors["date_of_birth"]
        assert 'value="lena"' in response.text  # what was typed is kept
    with pytest.raises(ValidationError):
        services.invitation_accept(token=token, username="x", password=GOOD_PASSWORD)
    assert not User.objects.filter(username="lena").exists()
    lena.refresh_from_db()
    assert lena.user is None


# --- the honest paths -----------------------------------------------------------------------


def test_honest_flow_invite_mail_link_birth_date_account_portal(
    client, cast, lena, django_capture_on_commit_callbacks
):
    client.force_login(cast.frontdesk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_invite_page(lena), {})
    token = _token_sent_to("lena@example.test")
    client.logout()
    page = client.get(_accept_url(token))
    assert 'name="date_of_birth"' in page.text
    response = client.post(_accept_url(token), _form())
    assert response["Location"] == reverse("portal")
    user = User.objects.get(username="lena")
    assert list(Client.objects.visible_to(user)) == [lena]
    assert client.get(reverse("portal")).status_code == 200


def test_a_changed_address_may_be_invited_once_the_notice_had_time(
    cast, lena, django_capture_on_commit_callbacks
):
    _change_email(cast.frontdesk, lena, "lena.new@example.test", django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="from "):
        services.invitation_send(actor=cast.frontdesk, client=lena)
    settled = timezone.now() - dt.timedelta(days=EMAIL_SETTLE_DAYS, minutes=1)
    Client.objects.filter(pk=lena.pk).update(email_changed_at=settled)
    lena.refresh_from_db()
    assert services.invitation_send(actor=cast.frontdesk, client=lena).email == (
        "lena.new@example.test"
    )


def test_a_therapist_who_confirmed_in_person_may_send_to_a_new_address(
    client, cast, lena, django_capture_on_commit_callbacks
):
    _change_email(cast.frontdesk, lena, "lena.new@example.test", django_capture_on_commit_callbacks)
    client.force_login(cast.therapist)
    page = client.get(_invite_page(lena)).text
    assert "confirming the address with Lena in person" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_invite_page(lena), {})
    assert Invitation.objects.get().email == "lena.new@example.test"


def test_the_client_changing_their_own_address_tells_the_old_one(
    cast, django_capture_on_commit_callbacks
):
    own = cast.client
    data = {name: getattr(own, name) for name in ("phone", "address")}
    data |= {
        "email": "mine@example.test",
        "emergency_contact_name": own.emergency_contact_name,
        "emergency_contact_phone": own.emergency_contact_phone,
        "emergency_contact_relationship": own.emergency_contact_relationship,
    }
    Client.objects.filter(pk=own.pk).update(email="before@example.test")
    own.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        client_update_contacts(actor=cast.client_user, client=own, data=data)
    own.refresh_from_db()
    assert own.email_changed_at is None  # typed by the signed-in client: theirs
    assert [m.to for m in mail.outbox] == [["before@example.test"]]
    assert "m***@example.test" in mail.outbox[0].body


def test_the_change_notice_names_the_clinic_phone_and_no_health_data(
    cast, lena, settings, django_capture_on_commit_callbacks
):
    settings.CLINIC_PHONE = "555-0199"
    _change_email(cast.frontdesk, lena, "nadia@example.test", django_capture_on_commit_callbacks)
    (notice,) = mail.outbox
    assert notice.to == ["lena@example.test"]
    assert "n***@example.test" in notice.body
    assert "nadia@example.test" not in notice.body
    assert "555-0199" in notice.body
    assert lena.email_previous == "lena@example.test"
    assert lena.email_changed_at is not None


# --- the date-of-birth lock -----------------------------------------------------------------


def test_five_wrong_birth_dates_lock_the_invitation(
    client, cast, lena, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(actor=cast.frontdesk, client=lena, base_url="http://testserver/")
    token = _token_sent_to("lena@example.test")
    wrong = _form(born=dt.date(1979, 11, 24))
    for attempt in range(1, MAX_FAILED_CHECKS):
        response = client.post(_accept_url(token), wrong)
        assert response.status_code == 200
        assert (
            f"{MAX_FAILED_CHECKS - attempt} tr"
            in response.context["form"].errors["date_of_birth"][0]
        )
        assert Invitation.objects.get().failed_checks == attempt
    locked = client.post(_accept_url(token), wrong)
    assert locked.status_code == 410
    assert "typed too many times" in locked.text
    invitation = Invitation.objects.get()
    assert invitation.failed_checks == MAX_FAILED_CHECKS
    assert invitation.state == Invitation.State.LOCKED
    tried = AuditEntry.objects.filter(client=lena, detail__contains="wrong date of birth")
    assert tried.count() == MAX_FAILED_CHECKS
    assert tried.filter(detail__contains="5 of 5, link locked").exists()
    # Even the right date no longer opens it; a new invitation from the clinic does.
    assert client.post(_accept_url(token), _form()).status_code == 410
    assert not User.objects.filter(username="lena").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(actor=cast.frontdesk, client=lena, base_url="http://testserver/")
    fresh = _token_sent_to("lena@example.test")
    assert client.post(_accept_url(fresh), _form())["Location"] == reverse("portal")


# --- physicians -----------------------------------------------------------------------------


@pytest.mark.parametrize("inviter", ["admin", "therapist"])
def test_physician_invitations_need_no_birth_date(
    client, cast, inviter, django_capture_on_commit_callbacks
):
    doctor = PhysicianFactory(user=None, first_name="Ines", email="ines@clinic.example.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(
            actor=getattr(cast, inviter), physician=doctor, base_url="http://testserver/"
        )
    token = _token_sent_to("ines@clinic.example.test")
    page = client.get(_accept_url(token))
    assert 'name="date_of_birth"' not in page.text
    response = client.post(_accept_url(token), _form("dr.ines", born=None))
    assert response["Location"] == reverse("physician_dashboard")
    doctor.refresh_from_db()
    assert doctor.user.username == "dr.ines"
