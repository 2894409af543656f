"""`visible_to` for each core model and role, straight at the querysets."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from clinic.models import AuditEntry, CareTeamMember, Client, Physician
from clinic.querysets import ClientDataQuerySet
from clinic.tests.factories import CareTeamMemberFactory, ClientFactory


def _ids(queryset):
    return set(queryset.values_list("pk", flat=True))


def test_staff_see_every_client(cast):
    everyone = {cast.client.pk, cast.client2.pk}
    for user in (cast.admin, cast.therapist, cast.frontdesk):
        assert _ids(Client.objects.visible_to(user)) == everyone


def test_client_sees_only_themself(cast):
    assert _ids(Client.objects.visible_to(cast.client_user)) == {cast.client.pk}
    assert _ids(Client.objects.visible_to(cast.client2_user)) == {cast.client2.pk}


def test_physician_sees_only_consented_clients(cast):
    assert _ids(Client.objects.visible_to(cast.physician_user)) == {cast.client.pk}
    assert _ids(Client.objects.visible_to(cast.physician2_user)) == {cast.client2.pk}


def test_membership_without_consent_gives_nothing(cast):
    stranger = ClientFactory()
    CareTeamMemberFactory(client=stranger, physician=cast.physician, sharing_consented_at=None)
    assert stranger.pk not in _ids(Client.objects.visible_to(cast.physician_user))


def test_revoked_consent_gives_nothing(cast):
    CareTeamMember.objects.filter(client=cast.client).update(sharing_revoked_at=timezone.now())
    assert _ids(Client.objects.visible_to(cast.physician_user)) == set()


def test_anonymous_and_inactive_see_nothing(cast):
    assert not Client.objects.visible_to(AnonymousUser()).exists()
    assert not Client.objects.visible_to(None).exists()
    cast.admin.is_active = False
    assert not Client.objects.visible_to(cast.admin).exists()


def test_care_team_rows_follow_the_client_rule(cast):
    assert _ids(CareTeamMember.objects.visible_to(cast.client_user)) == _ids(
        cast.client.care_team.all()
    )
    assert _ids(CareTeamMember.objects.visible_to(cast.physician2_user)) == _ids(
        cast.client2.care_team.all()
    )


def test_physician_directory(cast):
    assert _ids(Physician.objects.visible_to(cast.client_user)) == {cast.physician.pk}
    assert _ids(Physician.objects.visible_to(cast.physician_user)) == {cast.physician.pk}
    assert len(_ids(Physician.objects.visible_to(cast.frontdesk))) == 2


def test_audit_trail_is_for_the_admin_only(cast):
    from clinic import audit

    audit.record(actor=cast.therapist, action="view", client=cast.client, target=cast.client)
    assert AuditEntry.objects.visible_to(cast.admin).count() == 1
    for user in (cast.therapist, cast.frontdesk, cast.client_user, cast.physician_user):
        assert not AuditEntry.objects.visible_to(user).exists()


class _ClinicalRows(ClientDataQuerySet):
    """How later apps plug in: clinical rows reached through `client`."""


def test_clinical_data_is_hidden_from_front_desk(cast):
    rows = _ClinicalRows(model=CareTeamMember)
    assert not rows.visible_to(cast.frontdesk).exists()
    assert _ids(rows.visible_to(cast.therapist)) == _ids(CareTeamMember.objects.all())
    assert _ids(rows.visible_to(cast.client_user)) == _ids(cast.client.care_team.all())
    assert _ids(rows.visible_to(cast.physician_user)) == _ids(cast.client.care_team.all())
