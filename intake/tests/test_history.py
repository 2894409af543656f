"""The versioned health history (intake form), its review, alerts, and the readiness gate."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from clinic.models import AuditEntry
from intake.models import HealthHistory
from intake.selectors import missing_for_care
from intake.tests.factories import HealthHistoryFactory, TreatmentConsentFactory


def _answers(**extra):
    data = {
        "reason_for_visit": "Neck and upper-back pain from desk work",
        "client_goals": "Work a full day without neck pain",
        "occupation": "Office manager",
        "activities": "Walking, gardening",
        "referring_physician": "",
        "referring_physician_name": "",
        "diagnosis": "Cervicalgia",
        "icd10_code": "m54.2",
        "medications": "Warfarin 5 mg daily",
        "allergies": "Lavender oil",
        "conditions": ["anticoagulants"],
        "pregnancy_due_date": "",
        "recent_surgery_date": "",
        "recent_surgery_site": "",
        "other_conditions": "",
        "pain_description": "Dull ache, worse in the afternoon",
        "pain_regions.back.neck": "6",
        "pain_regions.back.shoulder.right": "4",
        "injuries-TOTAL_FORMS": "2",
        "injuries-INITIAL_FORMS": "0",
        "injuries-MIN_NUM_FORMS": "0",
        "injuries-MAX_NUM_FORMS": "20",
        "injuries-0-kind": "injury",
        "injuries-0-what": "Whiplash, car accident",
        "injuries-0-date": "2019-06-01",
        "injuries-1-kind": "injury",
        "injuries-1-what": "",
        "injuries-1-date": "",
        "events-TOTAL_FORMS": "1",
        "events-INITIAL_FORMS": "0",
        "events-MIN_NUM_FORMS": "0",
        "events-MAX_NUM_FORMS": "20",
        "events-0-condition": "",
        "events-0-date": "",
        "events-0-region": "",
        "events-0-side": "",
        "delivery_date": "",
    }
    data.update(extra)
    return data


def test_client_fills_in_the_intake_from_the_portal(client, cast):
    client.force_login(cast.client_user)
    response = client.post(reverse("portal_health_history_edit"), _answers())
    assert response.status_code == 302
    history = HealthHistory.objects.get(client=cast.client)
    assert history.version == 1 and history.created_by == cast.client_user
    assert history.icd10_code == "M54.2"
    assert history.conditions == ["anticoagulants"]
    assert history.pain_regions == {"back.neck": 6, "back.shoulder.right": 4}
    assert history.injuries_and_surgeries == [
        {"kind": "injury", "what": "Whiplash, car accident", "date": "2019-06-01"}
    ]
    assert AuditEntry.objects.filter(
        action="create", client=cast.client, object_id=str(history.pk)
    ).exists()


def test_each_change_makes_a_new_version_and_keeps_the_old(client, cast):
    client.force_login(cast.client_user)
    client.post(reverse("portal_health_history_edit"), _answers())
    client.post(reverse("portal_health_history_edit"), _answers(allergies="Lavender oil, latex"))
    v1, v2 = HealthHistory.objects.filter(client=cast.client).order_by("version")
    assert (v1.allergies, v2.allergies) == ("Lavender oil", "Lavender oil, latex")
    page = client.get(reverse("health_history_version", args=[v2.pk])).content.decode()
    assert "Changed since version 1" in page and "<strong>Allergies</strong>" in page
    assert (
        "Lavender oil"
        in client.get(reverse("health_history_version", args=[v1.pk])).content.decode()
    )


def test_saving_the_same_answers_makes_no_new_version(client, cast):
    client.force_login(cast.therapist)
    url = reverse("health_history_edit", args=[cast.client.pk])
    client.post(url, _answers())
    client.post(url, _answers())
    assert HealthHistory.objects.filter(client=cast.client).count() == 1


def test_after_review_the_client_can_no_longer_edit(client, cast):
    client.force_login(cast.client_user)
    client.post(reverse("portal_health_history_edit"), _answers())
    history = HealthHistory.objects.get()
    client.force_login(cast.therapist)
    assert client.post(reverse("health_history_review", args=[history.pk])).status_code == 302
    history.refresh_from_db()
    assert history.reviewed_by == cast.therapist
    client.force_login(cast.client_user)
    response = client.get(reverse("portal_health_history_edit"), follow=True)
    assert b"can no longer be changed here" in response.content
    client.post(reverse("portal_health_history_edit"), _answers(allergies="changed"))
    assert HealthHistory.objects.count() == 1
    # The therapist still can, and that makes version 2 (not yet reviewed).
    client.force_login(cast.therapist)
    client.post(reverse("health_history_edit", args=[cast.client.pk]), _answers(allergies="latex"))
    assert HealthHistory.objects.order_by("-version").first().version == 2


@pytest.mark.parametrize(
    "change,field_message",
    [
        ({"conditions": ["pregnancy"]}, "Please give the due date"),
        ({"conditions": ["recent_surgery"]}, "Please give the date of the surgery"),
        ({"recent_surgery_date": "2999-01-01"}, "cannot be in the future"),
        ({"icd10_code": "neck"}, "Not an ICD-10 code"),
        ({"reason_for_visit": ""}, "This field is required"),
        ({"injuries-0-date": "2999-01-01"}, "This date is in the future"),
        ({"conditions": ["not-a-condition"]}, "Select a valid choice"),
        ({"pain_regions.back.neck": "11"}, "from 0 (no pain) to 10"),
    ],
)
def test_bad_answers_are_marked_at_the_field_and_kept(client, cast, change, field_message):
    client.force_login(cast.client_user)
    response = client.post(reverse("portal_health_history_edit"), _answers(**change))
    assert response.status_code == 200
    html = response.content.decode()
    assert field_message in html
    assert "Warfarin 5 mg daily" in html and "Whiplash, car accident" in html
    assert not HealthHistory.objects.exists()


def test_front_desk_never_sees_the_health_history(client, cast):
    HealthHistoryFactory(client=cast.client, conditions=["anticoagulants"], medications="Warfarin")
    client.force_login(cast.frontdesk)
    assert client.get(reverse("health_history", args=[cast.client.pk])).status_code == 403
    page = client.get(reverse("client_detail", args=[cast.client.pk])).content.decode()
    assert "Health alerts" not in page and "anticoagulant" not in page.lower()
    assert "a signed consent to treatment" in page  # the front desk sees what is missing


def test_health_alerts_stand_on_the_client_page_for_the_therapist(client, cast):
    HealthHistoryFactory(
        client=cast.client,
        conditions=["anticoagulants", "recent_surgery"],
        recent_surgery_date=dt.date(2026, 9, 14),
        recent_surgery_site="right forearm",
        allergies="Latex",
    )
    client.force_login(cast.therapist)
    page = client.get(reverse("client_detail", args=[cast.client.pk])).content.decode()
    assert "Health alerts" in page
    assert "Takes anticoagulants" in page
    assert "right forearm, on Mon 14 Sep 2026" in page and "Allergies: Latex" in page


def test_health_alerts_show_every_flag_from_one_lean_query(rf, cast, django_assert_num_queries):
    """The alerts top every clinical page: one query, and none more for the fields they show
    (the read loads only those)."""
    HealthHistoryFactory(client=cast.client, version=1, allergies="Penicillin")
    HealthHistoryFactory(
        client=cast.client,
        version=2,
        conditions=["pregnancy", "recent_surgery", "dvt"],
        pregnancy_due_date=dt.date(2027, 2, 1),
        recent_surgery_date=dt.date(2026, 9, 14),
        recent_surgery_site="right forearm",
        allergies="Latex",
        reviewed_at=timezone.now(),
    )
    request = rf.get("/")
    request.user = cast.therapist
    template = Template("{% load intake_tags %}{% health_alerts client %}")
    with django_assert_num_queries(1):
        html = template.render(Context({"request": request, "client": cast.client}))
    assert "Currently pregnant: due Mon 1 Feb 2027" in html
    assert "Surgery in the last 6 months: right forearm, on Mon 14 Sep 2026" in html
    assert "Deep vein thrombosis" in html and "Allergies: Latex" in html
    assert "From health history version 2" in html and "not yet reviewed" not in html


def test_physician_sees_a_summary_only_while_consent_stands(client, cast):
    HealthHistoryFactory(
        client=cast.client, occupation="Office manager", pain_description="secret-pain-words"
    )
    client.force_login(cast.physician_user)
    url = reverse("health_history", args=[cast.client.pk])
    page = client.get(url).content.decode()
    assert "Health summary" in page and "Neck pain" in page
    assert "secret-pain-words" not in page and "Office manager" not in page
    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    assert client.get(url).status_code == 404


def test_another_client_cannot_open_a_version(client, cast):
    history = HealthHistoryFactory(client=cast.client)
    client.force_login(cast.client2_user)
    assert client.get(reverse("health_history_version", args=[history.pk])).status_code == 404


def test_the_gate_lists_what_is_missing_before_treatment(cast, django_assert_num_queries):
    assert [m.what for m in missing_for_care(cast.client)] == [
        "a health history (intake form)",
        "a signed consent to treatment",
    ]
    HealthHistoryFactory(client=cast.client)
    consent = TreatmentConsentFactory(client=cast.client)
    with django_assert_num_queries(1):  # both checks in one round trip
        assert missing_for_care(cast.client) == []
    consent.revoked_at = timezone.now()
    consent.save()
    assert [m.what for m in missing_for_care(cast.client)] == ["a signed consent to treatment"]


@pytest.mark.parametrize("versions", [3, 40])
def test_history_page_queries_do_not_grow_with_versions(
    client, cast, versions, django_assert_max_num_queries
):
    for n in range(versions):
        HealthHistoryFactory(client=cast.client, version=n + 1)
    client.force_login(cast.therapist)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("health_history", args=[cast.client.pk])).status_code == 200


def test_referral_letter_uploaded_with_the_intake_is_attached(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    letter = SimpleUploadedFile(
        "referral.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "application/pdf"
    )
    client.force_login(cast.client_user)
    response = client.post(
        reverse("portal_health_history_edit"), {**_answers(), "referral_letter_file": letter}
    )
    assert response.status_code == 302
    history = HealthHistory.objects.get()
    assert history.referral_letter.original_name == "referral.pdf"
    page = client.get(reverse("portal_health_history")).content.decode()
    assert reverse("referral_letter_download", args=[history.referral_letter.pk]) in page


def test_a_disguised_referral_letter_is_refused_at_the_field(client, cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    client.force_login(cast.client_user)
    response = client.post(
        reverse("portal_health_history_edit"), {**_answers(), "referral_letter_file": fake}
    )
    assert response.status_code == 200
    assert "PDF" in response.content.decode()
    assert not HealthHistory.objects.exists()


def test_the_admin_reads_the_health_history_but_does_not_write_it(client, cast):
    history = HealthHistoryFactory(client=cast.client)
    client.force_login(cast.admin)
    assert client.get(reverse("health_history", args=[cast.client.pk])).status_code == 200
    assert (
        client.post(reverse("health_history_edit", args=[cast.client.pk]), _answers()).status_code
        == 403
    )
    assert client.post(reverse("health_history_review", args=[history.pk])).status_code == 403
    assert HealthHistory.objects.count() == 1


@pytest.mark.parametrize(
    "url_name",
    [
        "health_history",
        "health_history_edit",
        "assessment_list",
        "assessment_new",
        "client_consents",
    ],
)
def test_health_alerts_stand_on_every_clinical_page(client, cast, url_name):
    HealthHistoryFactory(client=cast.client, conditions=["dvt"])
    client.force_login(cast.therapist)
    page = client.get(reverse(url_name, args=[cast.client.pk])).content.decode()
    assert "Health alerts" in page and "Deep vein thrombosis" in page


def test_a_reviewed_history_tells_the_client_the_clinic_phone_number(client, cast, settings):
    """Issue 15: "call the clinic" gave no number."""
    settings.CLINIC_PHONE = "555-0199"
    client.force_login(cast.client_user)
    client.post(reverse("portal_health_history_edit"), _answers())
    history = HealthHistory.objects.get()
    client.force_login(cast.therapist)
    client.post(reverse("health_history_review", args=[history.pk]))
    client.force_login(cast.client_user)
    page = client.get(reverse("portal_health_history")).content.decode()
    assert 'call the clinic at <a href="tel:555-0199">555-0199</a>' in page
    response = client.get(reverse("portal_health_history_edit"), follow=True)
    assert "or call the clinic at 555-0199." in response.content.decode()


def test_injuries_take_rows_added_in_the_page_and_offer_four_without_script(client, cast):
    # Saving a health history makes a new version, so "save for more rows" cost a version a
    # round: the page offers four empty rows and "Add a row" (static/js/formset-rows.js).
    client.force_login(cast.client_user)
    page = client.get(reverse("portal_health_history_edit")).content.decode()
    assert 'name="injuries-TOTAL_FORMS" value="4"' in page
    assert "data-formset-add" in page and "js/formset-rows.js" in page
    assert 'name="injuries-__prefix__-what"' in page  # the empty row "Add a row" copies
    rows = {
        f"injuries-{n}-{field}": value
        for n in range(2, 6)
        for field, value in (("kind", "surgery"), ("what", f"Operation {n}"), ("date", ""))
    }
    response = client.post(
        reverse("portal_health_history_edit"), _answers(**{"injuries-TOTAL_FORMS": "6", **rows})
    )
    assert response.status_code == 302
    history = HealthHistory.objects.get(client=cast.client)
    assert [item["what"] for item in history.injuries_and_surgeries] == [
        "Whiplash, car accident",
        "Operation 2",
        "Operation 3",
        "Operation 4",
        "Operation 5",
    ]


# --- the answers: one list, on the model ------------------------------------------------------

BOOKKEEPING = {"id", "client", "version", "created_by", "created_at", "reviewed_by", "reviewed_at"}


def test_the_answer_list_is_every_field_a_version_holds():
    fields = [f.name for f in HealthHistory._meta.concrete_fields if f.name not in BOOKKEEPING]
    assert fields == list(HealthHistory.ANSWER_FIELDS)


def test_the_form_asks_every_answer(client, cast):
    from intake.forms.history import FILLED_APART, HealthHistoryForm

    model_fields = HealthHistoryForm._meta.fields
    assert {*model_fields, *FILLED_APART} == set(HealthHistory.ANSWER_FIELDS)
    client.force_login(cast.therapist)
    page = client.get(reverse("health_history_edit", args=[cast.client.pk])).content.decode()
    for name in (*model_fields, "referral_letter_file", "injuries-0-what", "events-0-condition"):
        assert f'name="{name}' in page, name


def _shown(cast, **answers) -> str:
    from django.test import Client as Browser

    history = HealthHistoryFactory(client=cast.client, **{"reason_for_visit": "-", **answers})
    browser = Browser()
    browser.force_login(cast.therapist)
    return browser.get(reverse("health_history_version", args=[history.pk])).content.decode()


def test_the_version_page_shows_every_answer(cast):
    from clinic.date_formats import day
    from intake import conditions
    from intake.body_chart import label_of
    from intake.models import ReferralLetter

    letter = ReferralLetter.objects.create(
        client=cast.client,
        file="referrals/x.pdf",
        original_name="ans-letter.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        uploaded_by=cast.therapist,
    )
    when = dt.date.today() + dt.timedelta(days=30)
    shown = {
        "reason_for_visit": ("ans-reason", "ans-reason"),
        "client_goals": ("ans-goals", "ans-goals"),
        "occupation": ("ans-occupation", "ans-occupation"),
        "activities": ("ans-activities", "ans-activities"),
        "referring_physician": (cast.physician, str(cast.physician)),
        "referring_physician_name": ("ans-referrer", "ans-referrer"),
        "diagnosis": ("ans-diagnosis", "ans-diagnosis"),
        "icd10_code": ("M54.2", "M54.2"),
        "referral_letter": (letter, "ans-letter.pdf"),
        "injuries_and_surgeries": ([{"kind": "injury", "what": "ans-injury"}], "ans-injury"),
        "medications": ("ans-medications", "ans-medications"),
        "medication_classes": (["bisphosphonates"], "bisphosphonate"),
        "allergies": ("ans-allergies", "ans-allergies"),
        "conditions": (["anticoagulants"], conditions.BY_KEY["anticoagulants"].label),
        "pregnancy_due_date": (when, day(when)),
        "delivery_date": (when - dt.timedelta(days=60), day(when - dt.timedelta(days=60))),
        "recent_surgery_date": (when, day(when)),
        "recent_surgery_site": ("ans-site", "ans-site"),
        "events": (
            [{"condition": "radiation_site", "date": "2026-01-05", "region": "chest", "side": "left"}],
            "Radiation therapy (radiotherapy), now or in the past: left chest, on Mon 5 Jan 2026",
        ),
        "other_conditions": ("ans-other", "ans-other"),
        "pain_description": ("ans-pain", "ans-pain"),
        "pain_regions": ({"back.neck": 6}, label_of("back.neck")),
    }
    assert list(shown) == list(HealthHistory.ANSWER_FIELDS)
    for name, (value, text) in shown.items():
        extra = {"recent_surgery_date": when} if name == "recent_surgery_site" else {}
        assert html.escape(text) in _shown(cast, **{name: value, **extra}), name
