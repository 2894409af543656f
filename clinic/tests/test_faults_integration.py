"""Nothing owed is lost when Redis or the mail server fails (issue 14), on PostgreSQL with a
real Celery worker, a Redis of the test's own (stopped and started) and a local SMTP server
(aiosmtpd, stopped and started).

- Redis stopped: sign-in works, a booking and a plan activation answer success; once Redis is
  back, the worker's beat sweeps deliver the confirmation, the PDF and the physician's
  "plan ready" mail, each exactly once.
- The mail server down for longer than any retry schedule: the sweep's clock is run forward
  a day at a time (no test sleeps for days), and the confirmation arrives exactly once when
  the server is back.

A worker killed mid-render: treatment_plans/tests/test_pdf_integration.py.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from clinic import tasks
from clinic.clinic_time import today
from clinic.models import OutboundMail
from clinic.services.outbox import mail_deliver, mail_sweep
from clinic.tests.factories import PASSWORD
from clinic.tests.faults import wait_until
from documents.models import PlanPdf
from intake.tests.factories import (
    AssessmentFactory,
    HealthHistoryFactory,
    TreatmentConsentFactory,
)
from scheduling.models import Appointment, AppointmentType
from scheduling.tests.factories import WorkingHoursFactory
from treatment_plans.tests.factories import PlanTechniqueFactory, PlanVersionFactory, technique

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
Status = OutboundMail.Status


@pytest.fixture
def clinic_day(cast):
    """The therapist works 09:00-17:00 every day; the client and physician have addresses."""
    for weekday in range(7):
        WorkingHoursFactory(therapist=cast.therapist.therapist_profile, weekday=weekday)
    cast.treatment, _ = AppointmentType.objects.get_or_create(
        name="Treatment", defaults={"duration_minutes": 60}
    )
    cast.client.email = "karen@example.test"
    cast.client.save()
    cast.physician.email = "dr.cho@example.test"
    cast.physician.save()
    return cast


def _booking_form(cast, days_ahead: int) -> dict:
    return {
        "client": str(cast.client.pk),
        "therapist": str(cast.therapist.therapist_profile.pk),
        "appointment_type": str(cast.treatment.pk),
        "date": (today() + dt.timedelta(days=days_ahead)).isoformat(),
        "time": "10:00",
        "room": "",
        "front_desk_note": "",
        "interval_weeks": "1",
    }


def _draft_plan_ready_to_activate(cast):
    HealthHistoryFactory(client=cast.client)
    TreatmentConsentFactory(client=cast.client)
    AssessmentFactory(client=cast.client)  # the initial assessment
    version = PlanVersionFactory(plan__client=cast.client, plan__therapist=cast.therapist)
    PlanTechniqueFactory(version=version, technique=technique("swedish"))
    return version


def _sign_in(client, username: str):
    response = client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def _subjects(smtp) -> list[str]:
    return [message["Subject"] for message in smtp.mailbox.messages]


def test_redis_down_sign_in_booking_and_activation_succeed_and_nothing_is_lost(
    clinic_day, client, private_redis, smtp, broker_at, celery_workers
):
    cast = clinic_day
    broker_at(private_redis.url)
    [worker] = celery_workers(1, beat=True, REDIS_URL=private_redis.url, EMAIL_URL=smtp.url)
    version = _draft_plan_ready_to_activate(cast)

    private_redis.stop()
    started = time.monotonic()
    _sign_in(client, "frontdesk")  # the throttle keeps its counts in the database
    booked = client.post(reverse("appointment_new"), _booking_form(cast, days_ahead=3))
    appointment = Appointment.objects.get()
    assert booked.status_code == 302
    assert booked["Location"] == reverse("appointment_detail", args=[appointment.pk])
    assert client.get(booked["Location"]).status_code == 200

    therapist = HttpClient()  # a second browser
    _sign_in(therapist, "therapist")
    activated = therapist.post(reverse("plan_activate", args=[version.plan.pk]))
    assert activated.status_code == 302
    version.refresh_from_db()
    assert version.activated_at is not None
    print(f"sign-ins, booking and activation with Redis down: {time.monotonic() - started:.1f}s")

    [confirmation] = OutboundMail.objects.all()
    assert confirmation.status == Status.WAITING and confirmation.attempts == 0
    assert PlanPdf.objects.get(version=version).status == PlanPdf.Status.PENDING
    health = client.get(reverse("healthz"))
    assert health.status_code == 200  # the site serves: a load balancer keeps it in
    assert health.json() == {"status": "degraded", "database": "ok", "broker": "down"}

    private_redis.start()  # empty: every message sent before the outage would be gone too
    back = time.monotonic()
    wait_until(
        lambda: len(smtp.mailbox.messages) == 2, timeout=120, what="both mails", workers=[worker]
    )
    print(f"confirmation and plan-ready mail {time.monotonic() - back:.1f}s after Redis returned")
    subjects = _subjects(smtp)
    assert sum("is confirmed" in subject for subject in subjects) == 1
    assert sum("treatment plan" in subject for subject in subjects) == 1
    pdf = PlanPdf.objects.get(version=version)
    assert (pdf.status, pdf.attempts) == (PlanPdf.Status.READY, 1)

    # Whatever runs again now finds nothing owed.
    assert mail_sweep() == {}
    assert mail_deliver(mail_id=confirmation.pk) == "skipped"
    tasks.sweep_outbox.delay()
    time.sleep(3)
    assert len(smtp.mailbox.messages) == 2
    assert set(OutboundMail.objects.values_list("status", flat=True)) == {Status.SENT}


def test_mail_server_down_for_days_the_confirmation_arrives_once_when_it_returns(
    clinic_day, client, smtp, celery_workers
):
    cast = clinic_day
    # Intake on file, so the booking owes the confirmation alone (a first visit without it
    # also owes the intake forms mail: scheduling/tests/test_intake_forms.py).
    HealthHistoryFactory(client=cast.client)
    TreatmentConsentFactory(client=cast.client)
    [worker] = celery_workers(1, EMAIL_URL=smtp.url)
    smtp.stop()

    client.force_login(cast.frontdesk)
    booked = client.post(reverse("appointment_new"), _booking_form(cast, days_ahead=10))
    assert booked.status_code == 302
    [owed] = OutboundMail.objects.all()
    wait_until(
        lambda: OutboundMail.objects.get(pk=owed.pk).attempts == 1,
        timeout=30,
        what="the worker's first attempt",
        workers=[worker],
    )
    owed.refresh_from_db()
    assert owed.status == Status.WAITING and "could not be reached" in owed.last_error

    # Three days of sweeps with the server still down: far beyond Celery's old 6 retries.
    clock = timezone.now()
    for _ in range(72):
        clock += dt.timedelta(hours=1)
        mail_sweep(now=clock)
    owed.refresh_from_db()
    assert owed.status == Status.WAITING and owed.attempts > 20
    assert owed.next_attempt_at - clock <= dt.timedelta(minutes=36)  # backoff capped
    assert smtp.mailbox.messages == []

    smtp.start()
    clock += dt.timedelta(hours=1)
    tasks.sweep_outbox.delay(now=clock.isoformat())  # through the worker
    wait_until(lambda: smtp.mailbox.messages, timeout=30, what="the mail", workers=[worker])
    tasks.sweep_outbox.delay(now=(clock + dt.timedelta(hours=1)).isoformat())
    time.sleep(3)
    [message] = smtp.mailbox.messages
    assert message["To"] == "karen@example.test" and "is confirmed" in message["Subject"]
    assert message["Message-ID"].startswith(f"<{owed.pk}@")
    owed.refresh_from_db()
    assert owed.status == Status.SENT
