"""Today's appointments and freed times on the staff dashboards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.clinic_time import at_local, today
from clinic.tests.factories import ClientFactory
from scheduling.models import Appointment, WaitlistEntry
from scheduling.tests.factories import AppointmentFactory


def _today_at(hour, minute=0):
    return at_local(today(), dt.time(hour, minute))


@pytest.mark.parametrize("rows", [10, 300])
@pytest.mark.parametrize(
    "role,url_name", [("frontdesk", "dashboard_front_desk"), ("therapist", "dashboard_therapist")]
)
def test_dashboard_queries_do_not_grow_with_appointments(
    client, cast, rows, role, url_name, django_assert_max_num_queries
):
    therapist = cast.therapist.therapist_profile
    for n in range(rows):
        start = _today_at(0) + dt.timedelta(minutes=4 * n)
        AppointmentFactory(
            therapist=therapist, starts_at=start, ends_at=start + dt.timedelta(minutes=3)
        )
    for n in range(8):  # more freed slots than the dashboard checks
        cancelled = AppointmentFactory(
            therapist=therapist, starts_at=timezone.now() + dt.timedelta(days=n + 2)
        )
        Appointment.objects.filter(pk=cancelled.pk).update(
            status="cancelled", cancelled_at=timezone.now()
        )
        WaitlistEntry.objects.create(
            client=ClientFactory(user=None),
            earliest_date=today(),
            latest_date=today() + dt.timedelta(days=30),
            earliest_time=dt.time(0),
            latest_time=dt.time(23, 59),
        )
    client.force_login(getattr(cast, role))
    # 17: the front desk's list of online bookings since the last visit is one query more.
    with django_assert_max_num_queries(17):
        assert client.get(reverse(url_name)).status_code == 200


def test_therapist_sees_only_their_own_day(client, cast):
    mine = AppointmentFactory(
        client=cast.client, therapist=cast.therapist.therapist_profile, starts_at=_today_at(10)
    )
    AppointmentFactory(
        client=cast.client2, therapist=cast.therapist2.therapist_profile, starts_at=_today_at(11)
    )
    client.force_login(cast.therapist)
    html = client.get(reverse("dashboard_therapist")).content.decode()
    assert reverse("appointment_detail", args=[mine.pk]) in html
    assert str(cast.client2) not in html.split("Recently updated clients")[0]


def test_front_desk_sees_freed_time_with_waitlist_match(client, cast):
    appointment = AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=at_local(today() + dt.timedelta(days=3), dt.time(10)),
    )
    Appointment.objects.filter(pk=appointment.pk).update(
        status="cancelled", cancelled_at=timezone.now()
    )
    WaitlistEntry.objects.create(
        client=cast.client2,
        therapist=cast.therapist.therapist_profile,
        earliest_date=today(),
        latest_date=today() + dt.timedelta(days=7),
        earliest_time=dt.time(9),
        latest_time=dt.time(12),
    )
    client.force_login(cast.frontdesk)
    html = client.get(reverse("dashboard_front_desk")).content.decode()
    assert "Freed times with waitlist matches" in html
    assert str(cast.client2) in html
