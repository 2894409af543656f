"""ICD-10-CM codes for claims (issue 18): they exist and are billable; a category is refused
with billable codes under it suggested."""

from __future__ import annotations

import pytest

from intake.diagnoses import billable_problem, description


@pytest.mark.parametrize("code", ["M54.2", "S56.921D", "S76.311D", "M54.12"])
def test_billable_codes_pass(code):
    assert billable_problem(code) is None
    assert description(code)


def test_a_category_is_refused_with_billable_codes_under_it():
    problem = billable_problem("S56.1")
    assert problem.startswith(
        "S56.1 (Injury of flexor muscle, fascia and tendon of other and unspecified finger at "
        "forearm level) is a category, not a billable code: use a more specific one, e.g. "
        "S56.101A, S56.101D, S56.101S, S56.102A, S56.102D ("
    )
    assert problem.endswith(" more).")


def test_an_unknown_code_is_named():
    assert billable_problem("M99.999") == "M99.999 is not an ICD-10-CM code."
    assert description("M99.999") == ""


def test_the_demo_histories_use_billable_codes(db):
    from intake import demo

    codes = {
        answers["icd10_code"] for answers in demo.HISTORIES.values() if answers.get("icd10_code")
    }
    assert codes and all(billable_problem(code) is None for code in codes), codes
