"""Against real PostgreSQL and Redis with a real Celery worker (run by .ci/run)."""

from __future__ import annotations

import email
import re

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from clinic import audit
from clinic.models import AuditEntry

pytestmark = [pytest.mark.integration]


@pytest.mark.django_db(transaction=True)
def test_password_reset_mail_goes_through_the_worker(client, cast, celery_worker):
    response = client.post(reverse("password_reset"), {"email": cast.client_user.email})
    assert response.status_code == 302
    [mail_file] = celery_worker.wait_for_mail()
    message = email.message_from_string(mail_file.read_text().split("\n" + "-" * 79)[0])
    assert message["To"] == cast.client_user.email
    body = message.get_payload(decode=True).decode()
    link = re.search(r"https?://testserver(/accounts/reset/\S+)", body).group(1)
    form_url = client.get(link)["Location"]
    new = "reset-through-worker-2026"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert client.login(username="client", password=new)


@pytest.mark.django_db(transaction=True)
def test_healthz_reports_postgres_and_redis_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_database_refuses_to_rewrite_the_audit_trail(cast):
    entry = audit.record(actor=cast.admin, action="view", client=cast.client)
    for sql in (
        "UPDATE clinic_auditentry SET detail = 'forged' WHERE id = %s",
        "DELETE FROM clinic_auditentry WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).detail == ""
