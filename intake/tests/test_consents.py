"""Consents: signing (client, therapist on the client's behalf), the typed-name rule, one
standing consent, text versions, and withdrawal ending a physician's access at once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clinic.date_formats import day
from clinic.models import AuditEntry, CareTeamMember, Client
from clinic.tests.factories import CareTeamMemberFactory, PhysicianFactory
from intake.models import Consent, ConsentText
from intake.services import consents as services
from intake.tests.factories import TreatmentConsentFactory, sharing_text, treatment_text

TREATMENT_WORDS = "not a substitute for medical examination"  # from the seeded text


@pytest.fixture
def cast(cast):
    cast.client.first_name, cast.client.last_name, cast.client.preferred_name = "Maria", "Lopez", ""
    cast.client.save()
    cast.member = cast.client.care_team.get()
    return cast


def _sign_in_portal(http, name="Maria Lopez", slot="treatment", agree=True):
    data = {"slot": slot, f"{slot}-signed_name": name}
    if agree:
        data[f"{slot}-agree"] = "on"
    return http.post(reverse("portal_consents"), data)


def _member_slot(member) -> str:
    return f"member-{member.pk}"


# --- signing ----------------------------------------------------------------------------------


def test_client_signs_treatment_in_portal(client, cast):
    client.force_login(cast.client_user)
    response = _sign_in_portal(client, name="  maria   LOPEZ ")
    assert response.status_code == 302
    consent = Consent.objects.get(client=cast.client)
    assert consent.kind == "treatment"
    assert consent.signed_name == "maria LOPEZ"
    assert consent.signed_by == cast.client_user
    assert consent.ip_address == "127.0.0.1"
    assert consent.text == treatment_text()
    entry = AuditEntry.objects.get(action="sign")
    assert (entry.client, entry.object_id, entry.actor) == (
        cast.client,
        str(consent.pk),
        cast.client_user,
    )


def test_portal_shows_full_text_and_sign_form_until_signed(client, cast):
    client.force_login(cast.client_user)
    page = client.get(reverse("portal_consents")).content.decode()
    assert TREATMENT_WORDS in page
    assert "I have read and agree" in page
    _sign_in_portal(client)
    page = client.get(reverse("portal_consents")).content.decode()
    assert 'name="treatment-signed_name"' not in page
    assert "Withdraw consent" in page


def test_therapist_signs_on_the_clients_behalf(client, cast):
    client.force_login(cast.therapist)
    url = reverse("client_consents", kwargs={"client_id": cast.client.pk})
    response = client.post(
        url, {"slot": "treatment", "treatment-signed_name": "Maria Lopez", "treatment-agree": "on"}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(client=cast.client)
    assert consent.signed_by == cast.therapist
    assert "on the client's behalf" in AuditEntry.objects.get(action="sign").detail


def test_the_current_text_version_is_stored(cast):
    treatment_text()
    newer = ConsentText.objects.create(kind="treatment", version="2", title="T", body="New words")
    consent = services.consent_sign_treatment(
        actor=cast.client_user, client=cast.client, signed_name="Maria Lopez"
    )
    assert consent.text == newer
    # A later text does not change what an earlier signature agreed to.
    ConsentText.objects.create(kind="treatment", version="3", title="T", body="Newer")
    consent.refresh_from_db()
    assert consent.text.version == "2"


def test_name_mismatch_is_an_error_at_the_field_and_keeps_the_input(client, cast):
    client.force_login(cast.client_user)
    response = _sign_in_portal(client, name="Mario Lopes")
    assert response.status_code == 200
    form = next(s.form for s in response.context["slots"] if s.key == "treatment")
    assert (
        "Type the name exactly as the clinic has it: Maria Lopez" in form.errors["signed_name"][0]
    )
    assert 'value="Mario Lopes"' in response.content.decode()
    assert not Consent.objects.exists()


def test_preferred_name_is_accepted(cast):
    cast.client.preferred_name = "Mia"
    cast.client.save()
    services.consent_sign_treatment(
        actor=cast.client_user, client=cast.client, signed_name="mia lopez"
    )
    assert Consent.objects.count() == 1


def test_therapist_must_type_the_clients_name_too(cast):
    with pytest.raises(ValidationError) as error:
        services.consent_sign_treatment(
            actor=cast.therapist, client=cast.client, signed_name=cast.therapist.get_full_name()
        )
    assert "signed_name" in error.value.message_dict


def test_unticked_box_is_an_error(client, cast):
    client.force_login(cast.client_user)
    response = _sign_in_portal(client, agree=False)
    assert response.status_code == 200
    assert "Tick this box" in response.content.decode()
    assert not Consent.objects.exists()


def test_second_active_treatment_consent_is_refused(cast):
    services.consent_sign_treatment(
        actor=cast.client_user, client=cast.client, signed_name="Maria Lopez"
    )
    with pytest.raises(ValidationError, match="already signed and still in force"):
        services.consent_sign_treatment(
            actor=cast.therapist, client=cast.client, signed_name="Maria Lopez"
        )
    assert Consent.objects.count() == 1


def test_second_active_consent_posted_from_a_stale_page_shows_the_message(client, cast):
    client.force_login(cast.client_user)
    _sign_in_portal(client)
    response = _sign_in_portal(client)
    assert response.status_code == 200
    assert "already signed and still in force" in response.content.decode()
    assert Consent.objects.count() == 1


def test_signing_again_after_withdrawal_is_allowed(cast):
    first = services.consent_sign_treatment(
        actor=cast.client_user, client=cast.client, signed_name="Maria Lopez"
    )
    services.consent_revoke(actor=cast.client_user, consent=first)
    services.consent_sign_treatment(
        actor=cast.client_user, client=cast.client, signed_name="Maria Lopez"
    )
    assert Consent.objects.active().count() == 1


@pytest.mark.parametrize("who", ["frontdesk", "physician_user", "client2_user"])
def test_only_the_client_and_clinicians_may_sign(cast, who):
    with pytest.raises(PermissionDenied):
        services.consent_sign_treatment(
            actor=getattr(cast, who), client=cast.client, signed_name="Maria Lopez"
        )


# --- sharing and the physician's access -------------------------------------------------------


def test_signing_sharing_grants_access_and_clears_an_earlier_withdrawal(cast):
    CareTeamMember.objects.filter(pk=cast.member.pk).update(
        sharing_consented_at=None, sharing_revoked_at="2026-01-01T00:00Z"
    )
    assert not Client.objects.visible_to(cast.physician_user).exists()
    consent = services.consent_sign_sharing(
        actor=cast.client_user,
        client=cast.client,
        care_team_member=cast.member,
        signed_name="Maria Lopez",
    )
    cast.member.refresh_from_db()
    assert cast.member.sharing_consented_at == consent.signed_at
    assert cast.member.sharing_revoked_at is None
    assert consent.text == sharing_text()
    assert list(Client.objects.visible_to(cast.physician_user)) == [cast.client]


def test_member_of_another_clients_team_is_refused(cast):
    other = cast.client2.care_team.get()
    with pytest.raises(ValidationError, match="not on this client's care team"):
        services.consent_sign_sharing(
            actor=cast.therapist,
            client=cast.client,
            care_team_member=other,
            signed_name="Maria Lopez",
        )


def test_revoking_sharing_ends_the_physicians_access_at_once(client, cast):
    consent = services.consent_sign_sharing(
        actor=cast.client_user,
        client=cast.client,
        care_team_member=cast.member,
        signed_name="Maria Lopez",
    )
    detail = reverse("client_detail", kwargs={"client_id": cast.client.pk})
    physician = client.__class__()
    physician.force_login(cast.physician_user)
    assert physician.get(detail).status_code == 200

    client.force_login(cast.client_user)
    response = client.post(reverse("consent_revoke", kwargs={"consent_id": consent.pk}))
    assert response["Location"] == reverse("portal_consents")

    assert physician.get(detail).status_code == 404
    assert not Client.objects.visible_to(cast.physician_user).exists()
    consent.refresh_from_db()
    cast.member.refresh_from_db()
    assert consent.revoked_by == cast.client_user
    assert cast.member.sharing_revoked_at == consent.revoked_at
    assert AuditEntry.objects.filter(action="update", object_id=str(consent.pk)).exists()


def test_revoke_asks_for_confirmation_first(client, cast):
    consent = TreatmentConsentFactory(client=cast.client)
    client.force_login(cast.client_user)
    response = client.get(reverse("consent_revoke", kwargs={"consent_id": consent.pk}))
    assert "Withdraw consent to treatment?" in response.content.decode()
    consent.refresh_from_db()
    assert consent.is_active


def test_client_can_stop_sharing_recorded_without_a_form(client, cast):
    # The cast's physician has sharing_consented_at but no Consent row.
    client.force_login(cast.client_user)
    assert "Stop sharing" in client.get(reverse("portal_consents")).content.decode()
    client.post(reverse("care_team_sharing_stop", kwargs={"member_id": cast.member.pk}))
    assert not Client.objects.visible_to(cast.physician_user).exists()


def test_client_signs_sharing_in_portal(client, cast):
    client.force_login(cast.client_user)
    response = _sign_in_portal(client, slot=_member_slot(cast.member))
    assert response.status_code == 302
    assert Consent.objects.get().care_team_member == cast.member


def test_care_team_member_add_gives_no_access_until_signed(client, cast):
    newcomer = PhysicianFactory(user__username="newdoc")
    client.force_login(cast.therapist)
    url = reverse("client_consents", kwargs={"client_id": cast.client.pk})
    response = client.post(
        url,
        {
            "slot": "care-team",
            "care-team-physician": newcomer.pk,
            "care-team-relationship": "specialist",
        },
    )
    assert response.status_code == 302
    member = cast.client.care_team.get(physician=newcomer)
    assert not member.is_sharing
    assert not Client.objects.visible_to(newcomer.user).exists()


# --- who sees what ----------------------------------------------------------------------------


def test_front_desk_sees_status_only(client, cast):
    consent = TreatmentConsentFactory(client=cast.client)
    client.force_login(cast.frontdesk)
    page = client.get(reverse("client_consents", kwargs={"client_id": cast.client.pk}))
    html = page.content.decode()
    assert page.status_code == 200
    # The page shows the clinic's date: on a New York evening, UTC is already tomorrow.
    assert "Signed" in html and day(consent.signed_at) in html
    assert TREATMENT_WORDS not in html
    assert 'name="slot"' not in html  # no sign or care-team form
    assert reverse("consent_revoke", args=[consent.pk]) not in html
    assert reverse("consent_detail", args=[consent.pk]) not in html


def test_front_desk_sees_missing_consents(client, cast):
    client.force_login(cast.frontdesk)
    html = client.get(reverse("client_consents", args=[cast.client.pk])).content.decode()
    assert "Missing" in html


def test_front_desk_cannot_sign_read_or_revoke(client, cast):
    consent = TreatmentConsentFactory(client=cast.client)
    client.force_login(cast.frontdesk)
    url = reverse("client_consents", kwargs={"client_id": cast.client.pk})
    data = {"slot": "treatment", "treatment-signed_name": "Maria Lopez", "treatment-agree": "on"}
    assert client.post(url, data).status_code == 403
    assert client.post(reverse("consent_revoke", args=[consent.pk])).status_code == 403
    assert client.get(reverse("consent_detail", args=[consent.pk])).status_code == 403
    consent.refresh_from_db()
    assert consent.is_active and Consent.objects.count() == 1


def test_physicians_get_no_consent_pages(client, cast):
    consent = TreatmentConsentFactory(client=cast.client)
    client.force_login(cast.physician_user)
    for url in (
        reverse("portal_consents"),
        reverse("client_consents", args=[cast.client.pk]),
        reverse("consent_detail", args=[consent.pk]),
        reverse("consent_revoke", args=[consent.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert not Consent.objects.visible_to(cast.physician_user).exists()


def test_another_client_cannot_see_or_revoke(client, cast):
    consent = TreatmentConsentFactory(client=cast.client)
    client.force_login(cast.client2_user)
    assert client.get(reverse("consent_detail", args=[consent.pk])).status_code == 404
    assert client.post(reverse("consent_revoke", args=[consent.pk])).status_code == 404
    assert client.post(reverse("care_team_sharing_stop", args=[cast.member.pk])).status_code == 404
    assert "Maria" not in client.get(reverse("portal_consents")).content.decode()
    consent.refresh_from_db()
    cast.member.refresh_from_db()
    assert consent.is_active and cast.member.is_sharing


def test_another_client_cannot_sign_for_someone_elses_member(client, cast):
    client.force_login(cast.client2_user)
    response = _sign_in_portal(client, slot=_member_slot(cast.member))
    # The slot is not on client2's page: nothing is bound, nothing is signed.
    assert response.status_code == 200
    assert not Consent.objects.exists()


def test_signed_consent_shows_version_name_time_and_ip(client, cast):
    consent = services.consent_sign_treatment(
        actor=cast.therapist, client=cast.client, signed_name="Maria Lopez"
    )
    Consent.objects.filter(pk=consent.pk).update(ip_address="203.0.113.9")
    client.force_login(cast.client_user)
    html = client.get(reverse("consent_detail", args=[consent.pk])).content.decode()
    assert "Version 1" in html and "Maria Lopez" in html and "203.0.113.9" in html
    assert TREATMENT_WORDS in html
    assert "in the clinic with" in html
    assert AuditEntry.objects.filter(action="view", object_id=str(consent.pk)).exists()


@pytest.mark.parametrize("rows", [1, 12])
def test_consent_pages_do_not_grow_queries_with_rows(
    client, cast, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        member = CareTeamMemberFactory(client=cast.client)
        services.consent_sign_sharing(
            actor=cast.therapist,
            client=cast.client,
            care_team_member=member,
            signed_name="Maria Lopez",
        )
    client.force_login(cast.client_user)
    with django_assert_max_num_queries(7):
        assert client.get(reverse("portal_consents")).status_code == 200
    client.force_login(cast.therapist)
    with django_assert_max_num_queries(9):  # includes the health alerts
        assert client.get(reverse("client_consents", args=[cast.client.pk])).status_code == 200


def test_the_admin_sees_consents_but_does_not_sign_or_withdraw(client, cast):
    from django.urls import reverse

    from intake.models import Consent
    from intake.tests.factories import TreatmentConsentFactory

    consent = TreatmentConsentFactory(client=cast.client)
    client.force_login(cast.admin)
    assert client.get(reverse("client_consents", args=[cast.client.pk])).status_code == 200
    assert (
        client.post(
            reverse("client_consents", args=[cast.client.pk]), {"slot": "treatment"}
        ).status_code
        == 403
    )
    assert client.post(reverse("consent_revoke", args=[consent.pk])).status_code == 403
    assert Consent.objects.get(pk=consent.pk).revoked_at is None
