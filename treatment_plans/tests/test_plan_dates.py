"""A plan's start and review dates are refused at their field when far off."""

from __future__ import annotations

import pytest

from treatment_plans.forms.plans import PlanVersionForm


@pytest.mark.parametrize("far", ["2200-01-01", "0001-01-01", "9999-12-31"])
def test_far_start_and_review_dates_are_refused(db, far):
    form = PlanVersionForm(data={"start_date": far, "review_date_1": far, "review_date_2": far})
    assert not form.is_valid()
    assert "The start date must be between" in form.errors["start_date"][0]
    assert "A review date must be between" in form.errors["review_date_1"][0]
    assert "A review date must be between" in form.errors["review_date_2"][0]
