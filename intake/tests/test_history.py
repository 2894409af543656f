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
        ({"icd10_code": "S56.1"}, "is a category, not a billable code"),
        ({"icd10_code": "M99.999"}, "M99.999 is not an ICD-10-CM code."),
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
            [
                {
                    "condition": "radiation_site",
                    "date": "2026-01-05",
                    "region": "chest",
                    "side": "left",
                }
            ],
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


# --- issue 17: events, the birth, medications as written ---------------------------------------


def test_events_are_saved_from_rows_and_shown_where_and_when(client, cast):
    client.force_login(cast.therapist)
    rows = {
        "events-TOTAL_FORMS": "2",
        "events-0-condition": "steroid_injection",
        "events-0-date": "2026-11-20",
        "events-0-region": "knee",
        "events-0-side": "left",
        "events-1-condition": "dvt_history",
        "events-1-date": "",
        "events-1-region": "calf",
        "events-1-side": "right",
    }
    url = reverse("health_history_edit", args=[cast.client.pk])
    assert client.post(url, _answers(**rows)).status_code == 302
    history = HealthHistory.objects.get(client=cast.client)
    assert history.events == [
        {"condition": "steroid_injection", "date": "2026-11-20", "region": "knee", "side": "left"},
        {"condition": "dvt_history", "date": "", "region": "calf", "side": "right"},
    ]
    page = client.get(reverse("health_history", args=[cast.client.pk])).content.decode()
    assert "left knee, on Fri 20 Nov 2026" in page and "right calf" in page
    form = client.get(url).content.decode()  # the next version starts from the rows
    assert 'name="events-TOTAL_FORMS" value="5"' in form and 'value="2026-11-20"' in form


@pytest.mark.parametrize(
    "change,field_message",
    [
        ({"events-0-region": "knee"}, "Say what happened here."),
        ({"events-0-condition": "acute_injury", "events-0-side": "left"}, "Choose where on"),
        ({"events-0-condition": "acute_injury", "events-0-date": "2999-01-01"}, "in the future"),
        ({"events-0-condition": "surgery"}, "Select a valid choice"),
        ({"events-0-condition": "dvt"}, "Select a valid choice"),  # an older key: not offered
        ({"conditions": ["postpartum"]}, "Please give the date of the birth."),
        ({"conditions": ["c_section"]}, "Please give the date of the birth."),
        ({"delivery_date": "2999-01-01"}, "This date is in the future."),
    ],
)
def test_bad_events_and_birth_dates_are_marked_at_the_field(client, cast, change, field_message):
    client.force_login(cast.client_user)
    response = client.post(reverse("portal_health_history_edit"), _answers(**change))
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert not HealthHistory.objects.exists()


def test_an_older_key_stays_on_the_form_of_a_history_that_holds_it(client, cast):
    HealthHistoryFactory(client=cast.client, conditions=["dvt"])
    client.force_login(cast.therapist)
    url = reverse("health_history_edit", args=[cast.client.pk])
    page = client.get(url).content.decode()
    assert 'value="dvt" id="cond-dvt" checked' in page
    assert client.post(url, _answers(conditions=["dvt"])).status_code == 302
    assert HealthHistory.objects.order_by("-version").first().conditions == ["dvt"]
    fresh = reverse("health_history_edit", args=[cast.client2.pk])
    assert 'value="dvt"' not in client.get(fresh).content.decode()


def test_only_the_therapist_sets_medication_classes_on_the_form(client, cast):
    HealthHistoryFactory(client=cast.client, medication_classes=["anticoagulants"])
    client.force_login(cast.client_user)
    assert 'name="medication_classes"' not in (
        client.get(reverse("portal_health_history_edit")).content.decode()
    )
    forged = _answers(medication_classes=["chemotherapy"], allergies="new")
    assert client.post(reverse("portal_health_history_edit"), forged).status_code == 302
    latest = HealthHistory.objects.order_by("-version").first()
    assert latest.medication_classes == ["anticoagulants"] and HealthHistory.objects.count() == 2
    client.force_login(cast.therapist)
    url = reverse("health_history_edit", args=[cast.client.pk])
    assert client.post(url, _answers(medication_classes=["chemotherapy"])).status_code == 302
    assert HealthHistory.objects.order_by("-version").first().medication_classes == ["chemotherapy"]


def _alerts(user, client_row):
    request = __import__("django.test", fromlist=["RequestFactory"]).RequestFactory().get("/x/")
    request.user = user
    template = Template("{% load intake_tags %}{% health_alerts client %}")
    return template.render(Context({"request": request, "client": client_row}))


def test_alerts_show_medications_recognised_and_weeks_from_one_query(
    cast, django_assert_num_queries
):
    from clinic.clinic_time import today

    HealthHistoryFactory(
        client=cast.client,
        medications="Warfarin 5 mg daily\nMetoprolol 25 mg\nvitamin D",
        conditions=["anticoagulants", "pregnancy", "c_section", "postpartum"],
        pregnancy_due_date=today() + dt.timedelta(weeks=12),
        delivery_date=today() - dt.timedelta(weeks=6, days=2),
        events=[{"condition": "radiation_site", "date": "", "region": "chest", "side": "left"}],
    )
    with django_assert_num_queries(1):
        html = _alerts(cast.therapist, cast.client)
    assert "Warfarin &rarr; anticoagulant (in the history)" in html
    assert "Metoprolol &rarr; blood pressure medicine" in html and "vitamin" not in html
    assert "Confirm into the history" in html
    assert 'name="classes" value="antihypertensives"' in html
    assert 'name="classes" value="anticoagulants"' not in html  # ticked already
    assert "28 weeks (3rd trimester)" in html
    assert html.count("6 weeks after delivery") == 1
    assert "Radiation therapy (radiotherapy), now or in the past: left chest" in html


def test_only_the_therapist_is_offered_the_confirmation(cast):
    HealthHistoryFactory(client=cast.client, medications="Eliquis 5mg bid")
    for user in (cast.admin, cast.client_user, cast.physician_user):
        html = _alerts(user, cast.client)
        assert "Eliquis &rarr; anticoagulant" in html or "Health alerts" not in html
        assert "Confirm into the history" not in html, user
    assert "Confirm into the history" in _alerts(cast.therapist, cast.client)


def test_a_due_date_alone_shows_the_pregnancy(cast):
    from clinic.clinic_time import today

    HealthHistoryFactory(client=cast.client, pregnancy_due_date=today() + dt.timedelta(weeks=31))
    assert "Pregnant: 9 weeks (1st trimester), due" in _alerts(cast.therapist, cast.client)


def test_the_therapist_confirms_recognised_classes_into_a_new_version(client, cast):
    first = HealthHistoryFactory(
        client=cast.client,
        medications="Warfarin 5 mg\nPrednisone 10 mg",
        reviewed_by=cast.therapist,
        reviewed_at=timezone.now(),
    )
    client.force_login(cast.therapist)
    back = reverse("client_detail", args=[cast.client.pk])
    response = client.post(
        reverse("health_history_medications_confirm", args=[first.pk]),
        {"classes": ["anticoagulants", "corticosteroids"], "next": back},
    )
    assert response.status_code == 302 and response.url == back
    latest = HealthHistory.objects.order_by("-version").first()
    assert latest.version == first.version + 1
    assert latest.medication_classes == ["anticoagulants", "corticosteroids"]
    assert latest.medications == first.medications and latest.is_reviewed
    assert AuditEntry.objects.filter(
        action="update", object_id=str(latest.pk), detail__contains="anticoagulant, corticosteroid"
    ).exists()
    page = client.get(back).content.decode()
    assert "Warfarin &rarr; anticoagulant (in the history)" in page
    assert "Confirm into the history" not in page
    # The old version can no longer be confirmed into; a stranger's link goes nowhere.
    stale = client.post(
        reverse("health_history_medications_confirm", args=[first.pk]),
        {"classes": ["analgesics"]},
        follow=True,
    )
    assert "A newer version exists" in stale.content.decode()
    assert HealthHistory.objects.count() == 2
    offsite = client.post(
        reverse("health_history_medications_confirm", args=[latest.pk]),
        {"classes": ["bogus"], "next": "https://evil.example/"},
    )
    assert offsite.url == reverse("health_history", args=[cast.client.pk])


@pytest.mark.parametrize("who", ["admin", "client_user", "physician_user", "frontdesk"])
def test_no_one_but_the_therapist_confirms_classes(client, cast, who):
    history = HealthHistoryFactory(client=cast.client, medications="Warfarin")
    client.force_login(getattr(cast, who))
    url = reverse("health_history_medications_confirm", args=[history.pk])
    assert client.post(url, {"classes": ["anticoagulants"]}).status_code == 403
    assert HealthHistory.objects.count() == 1


def test_the_confirm_service_checks_permission_and_the_classes(cast):
    from django.core.exceptions import PermissionDenied, ValidationError

    from intake.services.history import history_medication_classes_confirm

    history = HealthHistoryFactory(client=cast.client, medication_classes=["analgesics"])
    with pytest.raises(PermissionDenied):
        history_medication_classes_confirm(actor=cast.admin, history=history, classes=["x"])
    with pytest.raises(ValidationError, match="Unknown medication classes: x"):
        history_medication_classes_confirm(actor=cast.therapist, history=history, classes=["x"])
    with pytest.raises(ValidationError, match="Choose at least one"):
        history_medication_classes_confirm(actor=cast.therapist, history=history, classes=[])
    same = history_medication_classes_confirm(
        actor=cast.therapist, history=history, classes=["analgesics"]
    )
    assert same == history and HealthHistory.objects.count() == 1  # nothing new to record
    newer = history_medication_classes_confirm(
        actor=cast.therapist, history=history, classes=["antiplatelets"]
    )
    assert newer.medication_classes == ["analgesics", "antiplatelets"]
    assert not newer.is_reviewed  # the version it replaced was not reviewed either


def test_the_confirmation_is_offered_to_exactly_the_roles_its_view_admits():
    """As clinic/tests/test_can.py checks for the other pages: `can.chart` offers the button."""
    from clinic.permissions import Can
    from intake.views.history import health_history_medications_confirm

    assert set(health_history_medications_confirm.allowed_roles) == set(Can.chart.fget.roles)
