"""Factories of scheduling's rows."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from clinic.tests.factories import ClientFactory, TherapistFactory


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scheduling.Room"

    name = factory.Sequence(lambda n: f"Room {n}")


class AppointmentTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scheduling.AppointmentType"

    name = factory.Sequence(lambda n: f"Treatment type {n}")
    duration_minutes = 60


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scheduling.WorkingHours"

    therapist = factory.SubFactory(TherapistFactory)
    weekday = 0
    start_time = dt.time(9, 0)
    end_time = dt.time(17, 0)


class TimeOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "scheduling.TimeOff"

    therapist = factory.SubFactory(TherapistFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda t: t.starts_at + dt.timedelta(hours=4))
    reason = "Course"


class AppointmentFactory(factory.django.DjangoModelFactory):
    """Written straight to the table, past the booking service's checks: tests use it to set
    up a schedule, not to test booking."""

    class Meta:
        model = "scheduling.Appointment"

    client = factory.SubFactory(ClientFactory, user=None)
    therapist = factory.SubFactory(TherapistFactory)
    appointment_type = factory.SubFactory(AppointmentTypeFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=1))
    ends_at = factory.LazyAttribute(
        lambda a: a.starts_at + dt.timedelta(minutes=a.appointment_type.duration_minutes)
    )
