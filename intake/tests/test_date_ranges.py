"""Far dates in the health history and assessments are refused at their field."""

from __future__ import annotations

import pytest

from intake.forms.assessments import AssessmentForm
from intake.forms.history import HealthHistoryForm, InjuryForm


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1800-05-01", "The date must be between"),
        ("0001-01-01", "The date must be between"),
        ("9999-12-31", "This date is in the future."),
    ],
)
def test_an_injury_in_1800_or_the_future_is_refused(typed, message):
    form = InjuryForm(data={"kind": "injury", "what": "Fell off a horse", "date": typed})
    assert not form.is_valid()
    assert form.errors["date"][0].startswith(message)


def test_a_surgery_in_1800_is_refused(cast):
    form = HealthHistoryForm(data={"recent_surgery_date": "1800-01-01"}, user=cast.therapist)
    assert not form.is_valid()
    assert "The surgery date must be between" in form.errors["recent_surgery_date"][0]


@pytest.mark.parametrize("typed", ["1800-01-01", "0001-01-01"])
def test_an_assessment_dated_long_ago_is_refused(typed):
    form = AssessmentForm(data={"assessed_on": typed})
    assert not form.is_valid()
    assert "The assessment date must be between" in form.errors["assessed_on"][0]
