"""Intake forms mails under concurrency, against real PostgreSQL: many workers running the
reminder at the same moment, and many calls asking for the same booking's forms, owe one mail."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from clinic.clinic_time import at_local, today
from clinic.models import OutboundMail
from clinic.tests.factories import ClientFactory
from scheduling.models import Appointment, AppointmentType
from scheduling.services.intake_forms import ASK, REMINDER, _owe_reminder, intake_forms_ask
from scheduling.tests.factories import AppointmentFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
WORKERS = 8


def _race(worker) -> list:
    barrier = threading.Barrier(WORKERS)
    results: list = [None] * WORKERS

    def run(i):
        try:
            barrier.wait()
            results[i] = worker(i)
        except Exception as exc:  # reported, not swallowed
            results[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.fixture
def first_visit(cast):
    starts_at = at_local(today() + dt.timedelta(days=5), dt.time(10))
    return AppointmentFactory(
        client=ClientFactory(user=None, email="ada@example.test"),
        therapist=cast.therapist.therapist_profile,
        # get_or_create: a transactional test's flush removes the migration's seeded rows.
        appointment_type=AppointmentType.objects.get_or_create(
            name="Treatment", defaults={"duration_minutes": 60}
        )[0],
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
    )


def test_workers_claiming_one_reminder_at_once_owe_one_mail(first_visit):
    now = first_visit.starts_at - dt.timedelta(hours=30)
    results = _race(lambda i: _owe_reminder(first_visit.pk, now) is not None)
    assert sorted(results) == [False] * (WORKERS - 1) + [True]
    assert OutboundMail.objects.filter(kind=REMINDER).count() == 1


def test_calls_asking_for_one_bookings_forms_at_once_owe_one_mail(first_visit):
    def ask(i):
        with transaction.atomic():
            appointment = Appointment.objects.select_related("client").get(pk=first_visit.pk)
            return intake_forms_ask(appointment, now=timezone.now())

    results = _race(ask)
    assert sorted(results) == [False] * (WORKERS - 1) + [True]
    assert OutboundMail.objects.filter(kind=ASK).count() == 1
