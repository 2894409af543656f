"""The access rule for scheduling's rows (DESIGN.md): appointments, series and the waitlist
are read by clinic staff and the client themself; physicians never see the schedule."""

from __future__ import annotations

from django.db import models
from django.db.models import Exists, OuterRef

from clinic.querysets import APPOINTMENT_READERS, ClientDataQuerySet


class AppointmentQuerySet(ClientDataQuerySet):
    """Appointments: clinic staff and the client themself; physicians never see the schedule."""

    readers = APPOINTMENT_READERS

    def active(self) -> AppointmentQuerySet:
        return self.exclude(status="cancelled")

    def overlapping(self, starts_at, ends_at) -> AppointmentQuerySet:
        return self.active().filter(starts_at__lt=ends_at, ends_at__gt=starts_at)

    def not_rebooked(self) -> AppointmentQuerySet:
        """Those whose time no active appointment of the same therapist overlaps: a freed
        (cancelled) time that was booked again is no longer free. One subquery, no per-row
        queries; it looks at every appointment, not only the viewer's, as booking does."""
        from scheduling.models import Appointment

        rebooked = Appointment.objects.active().filter(
            therapist_id=OuterRef("therapist_id"),
            starts_at__lt=OuterRef("ends_at"),
            ends_at__gt=OuterRef("starts_at"),
        )
        return self.exclude(Exists(rebooked))


class SeriesQuerySet(ClientDataQuerySet):
    readers = APPOINTMENT_READERS


class WaitlistEntryQuerySet(ClientDataQuerySet):
    readers = APPOINTMENT_READERS

    def open(self) -> WaitlistEntryQuerySet:
        return self.filter(resolved_at__isnull=True)

    def matching(self, appointment) -> WaitlistEntryQuerySet:
        """Open entries of other clients the (freed) time of `appointment` would suit."""
        return (
            self.suited_by(appointment)
            .exclude(client_id=appointment.client_id)
            .select_related("client", "therapist__user", "appointment_type")
        )

    def suited_by(self, appointment) -> WaitlistEntryQuerySet:
        """Open entries whose wish (therapist, type, dates, times) `appointment`'s time meets."""
        from clinic.clinic_time import local

        start, end = local(appointment.starts_at), local(appointment.ends_at)
        return self.open().filter(
            models.Q(therapist__isnull=True) | models.Q(therapist_id=appointment.therapist_id),
            models.Q(appointment_type__isnull=True)
            | models.Q(appointment_type_id=appointment.appointment_type_id),
            earliest_date__lte=start.date(),
            latest_date__gte=start.date(),
            earliest_time__lte=start.time(),
            latest_time__gte=end.time(),
        )
