"""The physician's patient list: 25 a page, a name search that is POSTed (names never in URLs
or the audit trail), and a query count that does not grow with the number of patients."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client as BrowserClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.date_formats import day
from clinic.models import AuditEntry
from clinic.tests.factories import CareTeamMemberFactory, ClientFactory
from treatment_plans.models import ClearanceRequest, ContraindicationRule, PlanAcknowledgement
from treatment_plans.tests.factories import PlanVersionFactory

URL = reverse("physician_dashboard")


def _patient(cast, last_name, first_name="Pat", goal=None):
    """A client sharing care with cast.physician, with an active plan when `goal` is given."""
    client = ClientFactory(user=None, first_name=first_name, last_name=last_name)
    CareTeamMemberFactory(client=client, physician=cast.physician)
    if goal:
        PlanVersionFactory(
            plan__client=client,
            plan__therapist=cast.therapist,
            plan__status="active",
            activated_at=timezone.now(),
            health_goal=goal,
        )
    return client


def _names(response) -> list[str]:
    return [row.client.last_name for row in response.context["rows"]]


@pytest.fixture
def physician(client, cast):
    client.force_login(cast.physician_user)
    return client


@pytest.fixture
def twenty_six(cast):
    """25 patients named Aaa-00..Aaa-24 (sorting before the cast's Quillfeather): 26 in all."""
    return [_patient(cast, f"Aaa-{n:02d}", goal=f"Goal of patient {n:02d}") for n in range(25)]


def test_patients_are_paged_25_at_a_time(physician, cast, twenty_six):
    first = physician.get(URL)
    assert _names(first) == [f"Aaa-{n:02d}" for n in range(25)]
    assert "Showing 1–25 of 26 patients" in first.content.decode()
    assert "Goal of patient 24" in first.content.decode()
    assert "?page=2" in first.content.decode()
    second = physician.get(URL, {"page": 2})
    assert _names(second) == ["Quillfeather"]
    assert "Showing 26–26 of 26 patients" in second.content.decode()
    assert "Aaa-00" not in second.content.decode()


@pytest.mark.parametrize("page,expected", [("99", 2), ("-1", 2), ("abc", 1), ("", 1)])
def test_a_bad_page_number_shows_the_first_or_last_page(
    physician, cast, twenty_six, page, expected
):
    response = physician.get(URL, {"page": page})
    assert response.status_code == 200
    assert response.context["page"].number == expected


def test_each_row_gets_its_own_clients_plan(physician, cast, twenty_six):
    """Versions are fetched for the page's clients only, and matched to the right client."""
    for row in physician.get(URL).context["rows"]:
        assert row.version.plan.client_id == row.client.pk
        assert row.version.health_goal == f"Goal of patient {row.client.last_name[-2:]}"
    row = physician.get(URL, {"page": 2}).context["rows"][0]
    assert (row.client, row.version, row.plan_url) == (cast.client, None, "")


def test_a_card_shows_name_birth_date_plan_line_and_its_own_links(physician, cast):
    version = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
    )
    page = physician.get(URL).content.decode()
    assert re.search(
        f"Quillfeather, Oriana</a>[^<]*<span[^>]*>born {day(cast.client.date_of_birth)}", page
    )
    assert (
        f"Plan version 1 since {day(timezone.now())}, "
        f"therapist {cast.therapist.get_full_name()}." in page
    )
    for url in (
        reverse("client_detail", args=[cast.client.pk]),
        reverse("plan_detail", args=[version.plan_id]),
        reverse("plan_version_pdf", args=[version.pk]),
        reverse("plan_version_acknowledge", args=[version.pk]),
    ):
        assert f'"{url}"' in page, url


def test_search_finds_a_patient_by_first_or_last_name(physician, cast, twenty_six):
    for text in ("quill", "ORIANA", "oriana quillf", "  Quillfeather "):
        response = physician.post(URL, {"q": text})
        assert _names(response) == ["Quillfeather"], text
        assert response.context["page"] is None
        assert "1 patient found" in response.content.decode()
    assert len(_names(physician.post(URL, {"q": "aaa-1"}))) == 10  # Aaa-10 .. Aaa-19


def test_search_never_shows_a_client_who_does_not_share_with_this_physician(physician, cast):
    revoked = _patient(cast, "Revokedsharing")
    revoked.care_team.update(sharing_revoked_at=timezone.now())
    for text in (cast.client2.last_name, "Revokedsharing", cast.client2.first_name):
        response = physician.post(URL, {"q": text})
        assert response.status_code == 200
        assert _names(response) == [], text
        page = response.content.decode()
        assert "No patient of yours has that name" in page
        for stranger in (cast.client2, revoked):  # the box echoes the text; no link to them
            assert reverse("client_detail", args=[stranger.pk]) not in page


def test_search_matches_names_only_not_phone_numbers(physician, cast):
    digits = re.sub(r"\D", "", cast.client.phone)
    assert _names(physician.post(URL, {"q": digits})) == []


def test_search_caps_results_and_says_so(physician, cast):
    for n in range(51):
        _patient(cast, f"Smith{n:02d}")
    response = physician.post(URL, {"q": "smith"})
    assert len(_names(response)) == 50
    assert "More than 50 patients match" in response.content.decode()


def test_an_empty_search_shows_the_first_page(physician, cast, twenty_six):
    response = physician.post(URL, {"q": "  "})
    assert response.context["page"].number == 1 and len(_names(response)) == 25


def test_search_is_posted_with_a_csrf_token_and_the_name_stays_out_of_the_audit(cast):
    browser = BrowserClient(enforce_csrf_checks=True)
    browser.force_login(cast.physician_user)
    page = browser.get(URL).content.decode()
    search_form = re.search(r'<form method="post"[^>]*role="search".*?</form>', page, re.S)
    assert search_form, "the search form is POSTed"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', search_form.group(0))
    assert token, "the search form carries the CSRF token"
    assert browser.post(URL, {"q": "quill"}).status_code == 403
    found = browser.post(URL, {"q": "quill", "csrfmiddlewaretoken": token.group(1)})
    assert [row.client for row in found.context["rows"]] == [cast.client]
    details = " ".join(AuditEntry.objects.values_list("detail", flat=True)).lower()
    assert "quill" not in details and "consented clients" in details


def _queries(physician, **post) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = physician.post(URL, post) if post else physician.get(URL)
        assert response.status_code == 200
    return len(captured)


def test_query_count_is_the_same_for_2_and_30_patients(physician, cast):
    """Each patient has an active plan, some acknowledged, and a clearance request waits."""

    def add(n):
        for i in range(n):
            client = _patient(cast, f"Bbb-{i:02d}-{n}", goal="Walk without pain")
            version = client.plans.get().versions.get()
            if i % 2:
                PlanAcknowledgement.objects.create(version=version, physician=cast.physician)
            ClearanceRequest.objects.create(
                version=version,
                rule=ContraindicationRule.objects.filter(severity="clearance").first(),
                care_team_member=client.care_team.get(),
                question="May we use deep tissue?",
                created_by=cast.therapist,
            )

    add(2)
    small = (_queries(physician), _queries(physician, q="bbb"))
    add(28)
    large = (_queries(physician), _queries(physician, q="bbb"))
    assert physician.get(URL).context["page"].paginator.count == 31
    assert small == large
    assert max(large) <= 8


def test_a_draft_version_and_other_physicians_acknowledgements_stay_hidden(physician, cast):
    current = PlanVersionFactory(
        plan__client=cast.client,
        plan__therapist=cast.therapist,
        plan__status="active",
        activated_at=timezone.now(),
        health_goal="The activated goal",
    )
    PlanVersionFactory(plan=current.plan, number=2, health_goal="A draft goal")
    PlanAcknowledgement.objects.create(version=current, physician=cast.physician2)
    page = physician.get(URL).content.decode()
    assert "The activated goal" in page and "A draft goal" not in page
    assert "Acknowledge version 1" in page and "You acknowledged" not in page


def test_a_too_long_search_is_refused_where_it_was_typed_and_kept(physician, cast):
    _patient(cast, "Abbott", goal="Walk the dog")
    typed = "x" * 101
    page = physician.post(URL, {"q": typed}).content.decode()
    assert "Ensure this value has at most 100 characters (it has 101)." in page
    assert f'value="{typed}"' in page and "is-invalid" in page and 'aria-invalid="true"' in page
    assert 'aria-describedby="q-error"' in page and 'id="q-error"' in page
    assert '<label class="form-label" for="id_q">Find a patient by name</label>' in page
