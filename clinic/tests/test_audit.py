"""The audit trail: written by reads and changes, append-only, browsable by the admin."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic import audit
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory


def test_viewing_a_client_is_audited_with_ip(client, cast):
    client.force_login(cast.therapist)
    client.get(
        reverse("client_detail", kwargs={"client_id": cast.client.pk}), REMOTE_ADDR="10.1.2.3"
    )
    entry = AuditEntry.objects.get(action="view", client=cast.client)
    assert entry.actor == cast.therapist
    assert entry.ip_address == "10.1.2.3"
    assert entry.object_type == "clinic.Client" and entry.object_id == str(cast.client.pk)


def test_trusted_proxy_address_is_used_only_when_configured(client, cast, settings):
    settings.CLINIC_TRUSTED_PROXY_COUNT = 1
    client.force_login(cast.therapist)
    client.get(
        reverse("client_detail", kwargs={"client_id": cast.client.pk}),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9",
    )
    assert AuditEntry.objects.get(action="view").ip_address == "203.0.113.9"


def test_contact_change_is_audited_with_the_fields(client, cast):
    client.force_login(cast.client_user)
    data = {
        "email": "new@example.test",
        "phone": "555-7777",
        "address": "1 Main St",
        "emergency_contact_name": "Pat",
        "emergency_contact_phone": "555-8888",
        "emergency_contact_relationship": "Sister",
    }
    response = client.post(reverse("portal_contacts"), data)
    assert response.status_code == 302
    cast.client.refresh_from_db()
    assert cast.client.phone == "555-7777"
    entry = AuditEntry.objects.get(action="update")
    assert entry.client == cast.client and entry.actor == cast.client_user
    assert "phone" in entry.detail and "email" in entry.detail


def test_bad_contact_input_is_refused_beside_the_field_and_kept(client, cast):
    client.force_login(cast.client_user)
    data = {
        "email": "not-an-email",
        "phone": "555-1234",
        "address": "12 Oak Road",
        "emergency_contact_name": "Pat",
        "emergency_contact_phone": "",
        "emergency_contact_relationship": "",
    }
    response = client.post(reverse("portal_contacts"), data)
    assert response.status_code == 200
    assert b"Enter a valid email address" in response.content
    assert b"12 Oak Road" in response.content and b'value="555-1234"' in response.content
    cast.client.refresh_from_db()
    assert cast.client.address != "12 Oak Road"
    assert not AuditEntry.objects.filter(action="update").exists()


def test_entries_cannot_be_changed_or_deleted(cast):
    entry = audit.record(actor=cast.admin, action="view", client=cast.client)
    entry.detail = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_admin_site_cannot_add_change_or_delete_entries(client, cast):
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    entry = audit.record(actor=cast.admin, action="view", client=cast.client)
    client.force_login(cast.admin)
    assert client.get(reverse("admin:clinic_auditentry_add")).status_code == 403
    assert (
        client.post(reverse("admin:clinic_auditentry_delete", args=[entry.pk])).status_code == 403
    )
    page = client.get(reverse("admin:clinic_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200 and b'type="submit" value="Save"' not in page.content
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_admin_filters_the_trail_by_client_and_by_user(client, cast):
    audit.record(actor=cast.therapist, action="view", client=cast.client, detail="entry-alpha")
    audit.record(actor=cast.frontdesk, action="view", client=cast.client2, detail="entry-beta")
    client.force_login(cast.admin)
    by_client = client.get(reverse("audit_log"), {"client": str(cast.client2.pk)})
    assert b"entry-beta" in by_client.content and b"entry-alpha" not in by_client.content
    by_user = client.get(reverse("audit_log"), {"actor": str(cast.therapist.pk)})
    assert b"entry-alpha" in by_user.content and b"entry-beta" not in by_user.content


def test_a_tampered_filter_is_ignored_not_a_500(client, cast):
    client.force_login(cast.admin)
    response = client.get(reverse("audit_log"), {"client": "not-a-uuid", "action": "zap"})
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [10, 200])
def test_audit_page_queries_do_not_grow_with_rows(
    client, cast, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        audit.record(actor=cast.therapist, action="view", client=ClientFactory(user=None))
    client.force_login(cast.admin)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("audit_log")).status_code == 200


def test_admin_edits_appointment_type_durations(client, cast):
    from scheduling.models import AppointmentType

    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    treatment = AppointmentType.objects.get(name="Treatment")
    response = client.post(
        reverse("admin:scheduling_appointmenttype_change", args=[treatment.pk]),
        {"name": "Treatment", "duration_minutes": "75", "is_active": "on"},
    )
    assert response.status_code == 302
    treatment.refresh_from_db()
    assert treatment.duration_minutes == 75


def test_entries_read_as_a_person_would_say_them_in_clinic_time(client, cast):
    """Issue 15: the admin's entry titles were in UTC while lists show clinic time, and "What"
    showed model names ("Viewed clinic.Client"). What is stored stays as it was."""
    import datetime as dt
    from unittest import mock

    from clinic.clinic_time import at_local

    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    at = at_local(dt.date(2026, 12, 7), dt.time(14, 30))  # 19:30 UTC
    # Written at that moment (an entry cannot be changed afterwards: PostgreSQL's trigger).
    with mock.patch("django.utils.timezone.now", return_value=at):
        entry = audit.record(
            actor=cast.therapist, action="view", client=cast.client, target=cast.client
        )
    entry.refresh_from_db()
    assert entry.object_type == "clinic.Client"
    assert str(entry) == f"Mon 7 Dec 2026, 14:30 {cast.therapist.username}: Viewed client record"
    client.force_login(cast.admin)
    for url in (reverse("audit_log"), reverse("admin:clinic_auditentry_changelist")):
        page = client.get(url).content.decode()
        assert "Viewed client record" in page and "clinic.Client" not in page, url
        assert "Mon 7 Dec 2026, 14:30" in page and "19:30" not in page, url
    page = client.get(reverse("admin:clinic_auditentry_change", args=[entry.pk])).content.decode()
    assert "Mon 7 Dec 2026, 14:30" in page and "Viewed client record" in page
