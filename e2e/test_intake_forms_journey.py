"""Intake before the first visit (issue 20): the front desk and the therapist see on the day
view, at phone width, which forms a client still owes. Screenshotted to artifacts/e2e/ and
checked with axe-core (see conftest.py)."""

from __future__ import annotations

import pytest

from clinic.clinic_time import local

# As the other journeys: the live server needs committed data, and the database is restored
# after each test (serialized_rollback) so the next test finds it as migrated.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = (390, 844)


@pytest.fixture
def elenas_visit(demo):
    """Elena Sorensen (demo) has appointments but no health history, consent or portal login."""
    from scheduling.models import Appointment

    return (
        Appointment.objects.filter(
            client__first_name="Elena", client__last_name="Sorensen", status="booked"
        )
        .order_by("starts_at")
        .first()
    )


def test_the_day_view_says_which_forms_are_missing(journey, elenas_visit):
    # One journey for both roles: the front desk's and the therapist's day view.
    for username in ("frontdesk", "therapist"):
        page = journey.login(username, viewport=PHONE)
        page.goto(f"/schedule/day/?date={local(elenas_visit.starts_at):%Y-%m-%d}")
        block = page.locator("a.appt", has_text="Elena Sorensen").first
        block.scroll_into_view_if_needed()
        journey.check(page, f"{username}-day-view-intake-missing")
        text = block.inner_text()
        assert "Health history missing" in text
        assert "Consent missing" in text
        assert "No portal account" in text
    journey.assert_accessible()
