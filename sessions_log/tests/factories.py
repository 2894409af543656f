"""factory_boy factories for session notes."""

from __future__ import annotations

import factory

from scheduling.tests.factories import AppointmentFactory
from sessions_log.models import SessionNote


class SessionNoteFactory(factory.django.DjangoModelFactory):
    """A note written straight to the table (tests of reading, not of the note service)."""

    class Meta:
        model = SessionNote

    appointment = factory.SubFactory(AppointmentFactory)
    client = factory.LazyAttribute(lambda n: n.appointment.client)
    therapist = factory.LazyAttribute(lambda n: n.appointment.therapist.user)
    subjective = "Neck stiff after a long week at the desk"
    assessment = "Upper trapezius less guarded than last time"
    pain_before = 6
    pain_after = 3
