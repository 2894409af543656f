"""Intake's create forms submitted twice (a double click, a second tab, the browser's resend):
an assessment (the second would be a "reassessment"), a health history (with a referral
letter, the second was a new version with a second copy of the letter), a referral letter.
One record, and the second submit is sent to it with "This was already saved; here it is.";
a refused submit keeps its token and what was typed; a POST without a token saves."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clinic.submissions import FIELD
from clinic.tests.submissions import is_already_saved, token_in
from intake.models import Assessment, HealthHistory, ReferralLetter
from intake.tests.test_assessments import _post as _assessment
from intake.tests.test_history import _answers
from intake.tests.test_uploads import EXE, PDF


def _pdf() -> SimpleUploadedFile:
    # A new one each time: a file is read to its end when it is posted.
    return SimpleUploadedFile("referral.pdf", PDF, "application/pdf")


# --- assessments ------------------------------------------------------------------------------


@pytest.fixture
def therapist(client, cast):
    client.force_login(cast.therapist)
    return client


def _new_assessment(cast) -> str:
    return reverse("assessment_new", args=[cast.client.pk])


def _assessment_page() -> str:
    return reverse("assessment_detail", args=[Assessment.objects.get().pk])


def test_an_assessment_submitted_twice_is_one_initial_assessment(therapist, cast):
    url = _new_assessment(cast)
    data = {**_assessment(), FIELD: token_in(therapist.get(url))}
    first = therapist.post(url, data)
    second = therapist.post(url, data)

    assert Assessment.objects.get().kind == "initial"
    assert first["Location"] == _assessment_page()
    assert is_already_saved(second, _assessment_page())


def test_a_refused_assessment_keeps_its_token_and_rows_and_then_saves_once(therapist, cast):
    url = _new_assessment(cast)
    token = token_in(therapist.get(url))
    refused = therapist.post(url, {**_assessment(nprs="11"), FIELD: token})
    assert refused.status_code == 200 and token_in(refused) == token
    assert "Upper trapezius" in refused.content.decode()

    saved = therapist.post(url, {**_assessment(), FIELD: token})
    again = therapist.post(url, {**_assessment(), FIELD: token})
    assert saved["Location"] == _assessment_page()
    assert is_already_saved(again, _assessment_page())


def test_an_assessment_without_a_token_is_saved(therapist, cast):
    response = therapist.post(_new_assessment(cast), _assessment())
    assert response["Location"] == _assessment_page()


# --- health history ---------------------------------------------------------------------------


@pytest.fixture(params=["client", "therapist"])
def history_form(request, client, cast):
    """(signed-in browser, form URL, where a save leads) for the client in the portal and for
    the therapist in the clinic."""
    if request.param == "client":
        client.force_login(cast.client_user)
        return client, reverse("portal_health_history_edit"), reverse("portal_health_history")
    client.force_login(cast.therapist)
    return (
        client,
        reverse("health_history_edit", args=[cast.client.pk]),
        reverse("health_history", args=[cast.client.pk]),
    )


def test_a_history_with_a_letter_submitted_twice_is_one_version_and_one_letter(history_form):
    browser, url, done = history_form
    token = token_in(browser.get(url))
    first = browser.post(url, {**_answers(), "referral_letter_file": _pdf(), FIELD: token})
    second = browser.post(url, {**_answers(), "referral_letter_file": _pdf(), FIELD: token})

    assert HealthHistory.objects.count() == 1 and ReferralLetter.objects.count() == 1
    assert first["Location"] == done and is_already_saved(second, done)


def test_a_refused_history_keeps_its_token_and_answers_and_then_saves_once(history_form):
    browser, url, done = history_form
    token = token_in(browser.get(url))
    refused = browser.post(url, {**_answers(reason_for_visit=""), FIELD: token})
    assert refused.status_code == 200 and token_in(refused) == token
    assert "Warfarin 5 mg daily" in refused.content.decode()

    saved = browser.post(url, {**_answers(), "referral_letter_file": _pdf(), FIELD: token})
    again = browser.post(url, {**_answers(), "referral_letter_file": _pdf(), FIELD: token})
    assert HealthHistory.objects.count() == 1 and ReferralLetter.objects.count() == 1
    assert saved["Location"] == done and is_already_saved(again, done)


def test_a_history_without_a_token_is_saved(history_form):
    browser, url, done = history_form
    assert browser.post(url, _answers())["Location"] == done
    assert HealthHistory.objects.count() == 1


# --- referral letters -------------------------------------------------------------------------


def test_a_letter_uploaded_twice_is_kept_once(therapist, cast):
    url = reverse("referral_letter_new", args=[cast.client.pk])
    token = token_in(therapist.get(url))
    first = therapist.post(url, {"letter": _pdf(), FIELD: token})
    second = therapist.post(url, {"letter": _pdf(), FIELD: token})

    assert ReferralLetter.objects.count() == 1
    assert first["Location"] == url and is_already_saved(second, url)


def test_a_refused_letter_keeps_its_token_and_the_next_file_is_kept_once(therapist, cast):
    url = reverse("referral_letter_new", args=[cast.client.pk])
    token = token_in(therapist.get(url))
    fake = SimpleUploadedFile("letter.pdf", EXE, "application/pdf")
    refused = therapist.post(url, {"letter": fake, FIELD: token})
    assert refused.status_code == 200 and token_in(refused) == token

    saved = therapist.post(url, {"letter": _pdf(), FIELD: token})
    again = therapist.post(url, {"letter": _pdf(), FIELD: token})
    assert ReferralLetter.objects.count() == 1
    assert saved["Location"] == url and is_already_saved(again, url)


def test_a_letter_without_a_token_is_kept(therapist, cast):
    url = reverse("referral_letter_new", args=[cast.client.pk])
    assert therapist.post(url, {"letter": _pdf()})["Location"] == url
    assert ReferralLetter.objects.count() == 1
