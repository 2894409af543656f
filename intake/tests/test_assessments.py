"""Assessments: services (permission, audit, scores), forms (errors at the field, nothing lost),
pages (roles x owner / stranger, summary for clients and physicians), and query caps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clinic.clinic_time import today
from clinic.models import AuditEntry
from intake.models import Assessment, RangeOfMotion, RomNorm
from intake.services.assessments import assessment_create, assessment_update
from intake.tests.factories import (
    AssessmentFactory,
    MuscleTestFactory,
    RangeOfMotionFactory,
    SpecialTestFactory,
    rom_norm,
)
from intake.views.assessments import rom_table

PSFS = [
    {"activity": "Computer work", "score": 4},
    {"activity": "Driving", "score": 6},
    {"activity": "Reading", "score": 4},
]


def _data(**overrides) -> dict:
    return {
        "assessed_on": today(),
        "nprs": 6,
        "pain_regions": {"back.neck": 6},
        "posture_findings": "Forward head",
        "muscular_imbalances": "",
        "notes": "Tension-type pattern",
        "psfs_items": PSFS,
        "lefs_items": [],
        **overrides,
    }


def _create(actor, client, **overrides):
    return assessment_create(
        actor=actor,
        client=client,
        data=_data(**overrides),
        rom_rows=[{"norm": rom_norm(), "side": "right", "degrees": 55, "painful": True}],
        muscle_rows=[{"muscle": "Upper trapezius", "side": "right", "grade": 4}],
        special_rows=[{"name": "Spurling's test", "side": "right", "result": "negative"}],
    )


# --- services ---------------------------------------------------------------------------------


def test_therapist_records_an_initial_assessment_with_rows_and_audit(cast):
    assessment = _create(cast.therapist, cast.client)
    assert assessment.kind == Assessment.Kind.INITIAL
    assert assessment.assessed_by == cast.therapist
    assert assessment.rom.get().degrees == 55
    assert assessment.muscle_tests.get().grade == 4
    assert assessment.special_tests.get().result == "negative"
    entry = AuditEntry.objects.get(action="create", object_id=str(assessment.pk))
    assert entry.client == cast.client and entry.actor == cast.therapist


def test_a_later_assessment_is_a_new_reassessment_row(cast):
    first = _create(cast.therapist, cast.client)
    second = _create(cast.therapist2, cast.client, nprs=3)
    assert second.kind == Assessment.Kind.REASSESSMENT
    first.refresh_from_db()
    assert first.nprs == 6  # history kept
    assert Assessment.objects.filter(client=cast.client).count() == 2


@pytest.mark.parametrize("role", ["frontdesk", "client_user", "physician_user"])
def test_only_therapists_and_admin_record_assessments(cast, role):
    with pytest.raises(PermissionDenied):
        _create(getattr(cast, role), cast.client)
    assert not Assessment.objects.exists()


def test_admin_reads_but_does_not_record(cast):
    with pytest.raises(PermissionDenied):
        _create(cast.admin, cast.client)
    assert not Assessment.objects.exists()


def test_author_updates_and_rows_are_replaced(cast):
    assessment = _create(cast.therapist, cast.client)
    assessment_update(
        actor=cast.therapist,
        assessment=assessment,
        data=_data(nprs=4, notes="Better"),
        rom_rows=[
            {"norm": rom_norm(), "side": "left", "degrees": 70},
            {"norm": rom_norm(), "side": "right", "degrees": 60},
        ],
    )
    assessment.refresh_from_db()
    assert assessment.nprs == 4 and assessment.notes == "Better"
    assert sorted(assessment.rom.values_list("degrees", flat=True)) == [60, 70]
    assert not assessment.muscle_tests.exists()
    entry = AuditEntry.objects.get(action="update", object_id=str(assessment.pk))
    assert "nprs" in entry.detail and "notes" in entry.detail
    assert "posture_findings" not in entry.detail


def test_another_therapist_may_not_update(cast):
    assessment = _create(cast.therapist, cast.client)
    with pytest.raises(PermissionDenied):
        assessment_update(actor=cast.therapist2, assessment=assessment, data=_data(nprs=1))
    assessment.refresh_from_db()
    assert assessment.nprs == 6


def test_admin_cannot_change_an_assessment(cast):
    assessment = _create(cast.therapist, cast.client)
    with pytest.raises(PermissionDenied):
        assessment_update(actor=cast.admin, assessment=assessment, data=_data(nprs=2))
    assessment.refresh_from_db()
    assert assessment.nprs != 2


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"nprs": 11}, "nprs"),
        ({"psfs_items": PSFS[:2]}, "psfs_items"),
        ({"psfs_items": PSFS * 2}, "psfs_items"),
        ({"psfs_items": [*PSFS[:2], {"activity": "Run", "score": 11}]}, "psfs_items"),
        ({"lefs_items": [4] * 19}, "lefs_items"),
        ({"lefs_items": [4] * 19 + [5]}, "lefs_items"),
        ({"pain_regions": {"back.tail": 3}}, "pain_regions"),
    ],
)
def test_service_rejects_out_of_range_measures(cast, overrides, field):
    with pytest.raises(ValidationError) as error:
        _create(cast.therapist, cast.client, **overrides)
    assert field in error.value.error_dict
    assert not Assessment.objects.exists()


def test_a_bad_row_rolls_back_the_whole_assessment(cast):
    with pytest.raises(ValidationError):
        assessment_create(
            actor=cast.therapist,
            client=cast.client,
            data=_data(),
            rom_rows=[{"norm": rom_norm(), "side": "right", "degrees": 400}],
        )
    assert not Assessment.objects.exists()
    assert not AuditEntry.objects.filter(action="create").exists()


def test_scores(cast):
    assessment = _create(
        cast.therapist,
        cast.client,
        psfs_items=[{"activity": a, "score": s} for a, s in (("a", 3), ("b", 4), ("c", 4))],
        lefs_items=[4] * 10 + [2] * 10,
    )
    assert assessment.psfs_score == 3.7  # mean 3.67, one decimal
    assert assessment.lefs_score == 60


# --- the ROM table ----------------------------------------------------------------------------


def test_rom_table_pairs_sides_and_flags_asymmetry_above_10_percent(cast):
    norm = rom_norm()  # 80° rotation
    assessment = AssessmentFactory(client=cast.client)
    left = RangeOfMotionFactory(assessment=assessment, norm=norm, side="left", degrees=72)
    right = RangeOfMotionFactory(assessment=assessment, norm=norm, side="right", degrees=55)
    earlier = RangeOfMotionFactory(norm=norm, side="right", degrees=50)
    [line] = rom_table([left, right], [earlier])
    assert line.asymmetry == 23.6  # |72 - 55| / 72
    assert line.asymmetry_flagged
    assert line.cells == [("left", left, None), ("right", right, 50)]
    assert right.percent_of_normal == 69


def test_rom_asymmetry_of_exactly_10_percent_is_not_flagged(cast):
    norm = rom_norm()
    left = RangeOfMotionFactory(norm=norm, side="left", degrees=100)
    right = RangeOfMotionFactory(assessment=left.assessment, norm=norm, side="right", degrees=90)
    [line] = rom_table([left, right])
    assert line.asymmetry == 10.0 and not line.asymmetry_flagged


def test_rom_one_side_only_has_no_asymmetry(cast):
    [line] = rom_table([RangeOfMotionFactory(side="right")])
    assert line.asymmetry is None


# --- forms through the pages ------------------------------------------------------------------


def _management(prefix, total):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _post(**fields) -> dict:
    """A valid new-assessment POST; keyword arguments override or add fields."""
    norm = rom_norm()
    data = {
        "assessed_on": today().isoformat(),
        "nprs": "6",
        "pain_regions.back.neck": "6",
        "posture_findings": "Forward head",
        "muscular_imbalances": "",
        "notes": "Impression",
        **_management("rom", 2),
        "rom-0-norm": str(norm.pk),
        "rom-0-side": "right",
        "rom-0-degrees": "55",
        **_management("mmt", 1),
        "mmt-0-muscle": "Upper trapezius",
        "mmt-0-side": "right",
        "mmt-0-grade": "4",
        **_management("special", 1),
        **_management("psfs", 5),
        "psfs-0-activity": "Computer work",
        "psfs-0-score": "4",
        "psfs-1-activity": "Driving",
        "psfs-1-score": "6",
        "psfs-2-activity": "Reading",
        "psfs-2-score": "5",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def _new_url(cast):
    return reverse("assessment_new", kwargs={"client_id": cast.client.pk})


def test_new_assessment_is_saved_and_shown(client, cast):
    client.force_login(cast.therapist)
    response = client.post(_new_url(cast), _post())
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("assessment_detail", args=[assessment.pk])
    assert assessment.pain_regions == {"back.neck": 6}
    assert assessment.psfs_score == 5.0
    assert assessment.rom.get().degrees == 55
    assert assessment.muscle_tests.get().grade == 4
    assert not assessment.special_tests.exists()  # blank rows are skipped


@pytest.mark.parametrize(
    "fields,form_name,field_name,typed",
    [
        ({"rom-0-degrees": "361"}, "rom0", "degrees", "361"),
        ({"rom-0-degrees": "-5"}, "rom0", "degrees", "-5"),
        ({"mmt-0-grade": "6"}, "mmt0", "grade", "6"),
        ({"nprs": "11"}, "main", "nprs", "11"),
        ({"pain_regions.back.neck": "12"}, "main", "pain_regions", "12"),
        (
            {"assessed_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
            "main",
            "assessed_on",
            None,
        ),
        ({"rom-0-side": "central"}, "rom0", "side", None),
        ({"psfs-2-score": "11"}, "psfs2", "score", "11"),
    ],
)
def test_out_of_range_input_is_reported_at_the_field_and_kept(
    client, cast, fields, form_name, field_name, typed
):
    client.force_login(cast.therapist)
    response = client.post(_new_url(cast), _post(**fields))
    assert response.status_code == 200
    assert not Assessment.objects.exists()
    forms = response.context["forms"]
    form = {
        "main": forms.main,
        "rom0": forms.rom.forms[0],
        "mmt0": forms.muscles.forms[0],
        "psfs2": forms.psfs.forms[2],
    }[form_name]
    assert form.errors[field_name]
    html = response.content.decode()
    if typed is not None:
        assert f'value="{typed}"' in html
    assert "Upper trapezius" in html and "Computer work" in html  # nothing else is lost


@pytest.mark.parametrize("count", [2, 6])
def test_psfs_needs_3_to_5_activities(client, cast, count):
    rows = {}
    for n in range(count):
        rows |= {f"psfs-{n}-activity": f"Activity {n}", f"psfs-{n}-score": "5"}
    clear = {f"psfs-{n}-{f}": None for n in range(3) for f in ("activity", "score")}
    client.force_login(cast.therapist)
    response = client.post(
        _new_url(cast), {**_post(**clear), **_management("psfs", max(count, 5)), **rows}
    )
    assert response.status_code == 200
    assert "3 to 5 activities" in response.context["forms"].psfs.non_form_errors()[0]
    assert b"Activity 1" in response.content


def test_psfs_may_be_left_empty(client, cast):
    clear = {f"psfs-{n}-{f}": None for n in range(3) for f in ("activity", "score")}
    client.force_login(cast.therapist)
    assert client.post(_new_url(cast), _post(**clear)).status_code == 302
    assert Assessment.objects.get().psfs_items == []


def test_partial_lefs_marks_each_unanswered_item(client, cast):
    client.force_login(cast.therapist)
    answers = {f"lefs-item_{n}": "3" for n in range(1, 19)}
    response = client.post(_new_url(cast), _post(**answers))
    lefs = response.context["forms"].lefs
    assert set(lefs.errors) == {"item_19", "item_20"}
    assert "Answer this item too" in lefs.errors["item_19"][0]


def test_complete_lefs_is_scored(client, cast):
    client.force_login(cast.therapist)
    answers = {f"lefs-item_{n}": "3" for n in range(1, 21)}
    assert client.post(_new_url(cast), _post(**answers)).status_code == 302
    assert Assessment.objects.get().lefs_score == 60


def test_duplicate_rom_row_is_reported_at_the_second_row(client, cast):
    client.force_login(cast.therapist)
    duplicate = {"rom-1-norm": str(rom_norm().pk), "rom-1-side": "right", "rom-1-degrees": "50"}
    response = client.post(_new_url(cast), _post(**duplicate))
    assert "already listed" in response.context["forms"].rom.forms[1].errors["side"][0]


def test_a_row_with_a_movement_but_no_degrees_asks_for_them(client, cast):
    client.force_login(cast.therapist)
    response = client.post(_new_url(cast), _post(**{"rom-0-degrees": ""}))
    assert response.context["forms"].rom.forms[0].errors["degrees"]


def test_reassessment_lists_last_movements_with_hints_and_skips_untouched_rows(client, cast):
    previous = AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=30))
    norm = rom_norm()
    RangeOfMotionFactory(assessment=previous, norm=norm, side="left", degrees=72)
    RangeOfMotionFactory(assessment=previous, norm=norm, side="right", degrees=55)
    client.force_login(cast.therapist)
    page = client.get(_new_url(cast))
    rom = page.context["forms"].rom
    assert [f.initial.get("side") for f in rom.forms[:2]] == ["left", "right"]
    assert "Last time: 55°" in page.content.decode()
    assert rom.forms[1].initial.get("degrees") is None  # an old value is never pre-filled
    # Only the right side is measured again; the untouched left row is not saved.
    post = _post(
        **{
            "rom-0-side": "left",
            "rom-0-degrees": "",
            "rom-1-norm": str(norm.pk),
            "rom-1-side": "right",
            "rom-1-degrees": "63",
        }
    )
    response = client.post(_new_url(cast), post)
    assert response.status_code == 302, response.context["forms"].rom.errors
    new = Assessment.objects.exclude(pk=previous.pk).get()
    assert new.kind == Assessment.Kind.REASSESSMENT
    assert list(new.rom.values_list("side", "degrees")) == [("right", 63)]


def test_edit_keeps_rows_and_removes_ticked_ones(client, cast):
    assessment = _create(cast.therapist, cast.client)
    client.force_login(cast.therapist)
    url = reverse("assessment_edit", args=[assessment.pk])
    page = client.get(url)
    assert page.context["forms"].rom.forms[0].initial["degrees"] == 55
    post = _post(**{"rom-0-degrees": "60", "mmt-0-DELETE": "on", "nprs": "3"})
    assert client.post(url, post).status_code == 302
    assessment.refresh_from_db()
    assert assessment.nprs == 3
    assert list(assessment.rom.values_list("degrees", flat=True)) == [60]
    assert not assessment.muscle_tests.exists()


# --- pages and access -------------------------------------------------------------------------


@pytest.fixture
def assessment(cast):
    assessment = AssessmentFactory(
        client=cast.client, assessed_by=cast.therapist, notes="SECRET impression text"
    )
    RangeOfMotionFactory(assessment=assessment, side="left", degrees=72)
    RangeOfMotionFactory(assessment=assessment, side="right", degrees=55)
    MuscleTestFactory(assessment=assessment)
    SpecialTestFactory(assessment=assessment)
    return assessment


def _detail(assessment):
    return reverse("assessment_detail", args=[assessment.pk])


def _list(cast):
    return reverse("assessment_list", kwargs={"client_id": cast.client.pk})


@pytest.mark.parametrize(
    "role,code",
    [
        ("admin", 200),
        ("therapist", 200),
        ("therapist2", 200),
        ("frontdesk", 403),
        ("client_user", 200),
        ("client2_user", 404),
        ("physician_user", 200),
        ("physician2_user", 404),
    ],
)
def test_detail_and_list_check_ownership(client, cast, assessment, role, code):
    client.force_login(getattr(cast, role))
    assert client.get(_detail(assessment)).status_code == code
    assert client.get(_list(cast)).status_code == code


@pytest.mark.parametrize(
    "role,code",
    [
        ("admin", 403),
        ("therapist", 200),
        ("therapist2", 403),
        ("frontdesk", 403),
        ("client_user", 403),
        ("client2_user", 403),
        ("physician_user", 403),
        ("physician2_user", 403),
    ],
)
def test_edit_is_for_the_author_only(client, cast, assessment, role, code):
    client.force_login(getattr(cast, role))
    url = reverse("assessment_edit", args=[assessment.pk])
    assert client.get(url).status_code == code
    if code != 200:
        assert client.post(url, _post(nprs="0")).status_code == code
        assessment.refresh_from_db()
        assert assessment.nprs == 6


@pytest.mark.parametrize(
    "role,code",
    [
        ("therapist2", 200),
        ("admin", 403),
        ("frontdesk", 403),
        ("client_user", 403),
        ("physician_user", 403),
    ],
)
def test_new_is_for_therapists_only(client, cast, role, code):
    client.force_login(getattr(cast, role))
    assert client.get(_new_url(cast)).status_code == code


def test_unknown_client_is_404_for_new(client, cast):
    client.force_login(cast.therapist)
    url = reverse("assessment_new", kwargs={"client_id": "00000000-0000-0000-0000-000000000000"})
    assert client.get(url).status_code == 404


def test_revoked_sharing_ends_physician_access(client, cast, assessment):
    from django.utils import timezone

    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    client.force_login(cast.physician_user)
    assert client.get(_detail(assessment)).status_code == 404


def test_staff_see_impression_and_edit_link(client, cast, assessment):
    client.force_login(cast.therapist)
    html = client.get(_detail(assessment)).content.decode()
    assert "SECRET impression text" in html
    assert reverse("assessment_edit", args=[assessment.pk]) in html


def test_other_therapist_sees_no_edit_link(client, cast, assessment):
    client.force_login(cast.therapist2)
    html = client.get(_detail(assessment)).content.decode()
    assert "SECRET impression text" in html
    assert reverse("assessment_edit", args=[assessment.pk]) not in html


@pytest.mark.parametrize("role", ["client_user", "physician_user"])
def test_client_and_physician_get_the_summary(client, cast, assessment, role):
    client.force_login(getattr(cast, role))
    html = client.get(_detail(assessment)).content.decode()
    assert "SECRET impression text" not in html
    assert "Clinical impression" not in html
    assert reverse("assessment_edit", args=[assessment.pk]) not in html
    assert "Range of motion" in html and "6/10" in html  # the summary itself is there


def test_detail_shows_rom_norm_source_asymmetry_pain_map_and_scores(client, cast, assessment):
    assessment.pain_regions = {"back.neck": 7}
    assessment.psfs_items = PSFS
    assessment.save()
    client.force_login(cast.therapist)
    html = client.get(_detail(assessment)).content.decode()
    assert rom_norm().source in html  # the norm's source beside its value
    assert "23.6 %" in html and "rom-flag" in html
    assert "69 % of normal" in html
    assert 'data-region="back.neck" fill="#b24733"' in html
    assert "Neck (back): <strong>7</strong>/10" in html
    assert "4.7</strong>/10 (mean)" in html
    assert "Upper trapezius" in html and "Spurling" in html
    assert "<script>" not in html and "style=" not in html


def test_detail_shows_previous_values_beside_todays(client, cast, assessment):
    earlier = AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=40))
    RangeOfMotionFactory(assessment=earlier, side="right", degrees=48)
    client.force_login(cast.therapist)
    html = client.get(_detail(assessment)).content.decode()
    assert "previous: 48°" in html
    # The earliest assessment has no history to show.
    assert "previous:" not in client.get(_detail(earlier)).content.decode()


def test_detail_records_a_view_in_the_audit_log(client, cast, assessment):
    client.force_login(cast.physician_user)
    client.get(_detail(assessment))
    entry = AuditEntry.objects.get(action="view", object_id=str(assessment.pk))
    assert entry.actor == cast.physician_user and entry.client == cast.client


def test_list_is_newest_first(client, cast):
    old = AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=60))
    new = AssessmentFactory(client=cast.client, assessed_on=today())
    AssessmentFactory(client=cast.client2)  # another client's
    client.force_login(cast.therapist)
    response = client.get(_list(cast))
    assert list(response.context["assessments"]) == [new, old]


# --- query caps -------------------------------------------------------------------------------


def _many_assessments(cast, count, rom_per_side):
    norms = list(RomNorm.objects.filter(bilateral=True)[:rom_per_side])
    last = None
    for n in range(count):
        last = AssessmentFactory(client=cast.client, assessed_on=today() - dt.timedelta(days=n * 7))
        RangeOfMotion.objects.bulk_create(
            RangeOfMotion(assessment=last, norm=norm, side=side, degrees=40 + n)
            for norm in norms
            for side in ("left", "right")
        )
        MuscleTestFactory(assessment=last)
        SpecialTestFactory(assessment=last)
    return last


LIST_CAP = 6  # session, user, client, health alerts, audit entry, assessments
# session, user, health alerts, audit entry, assessment, ROM, MMT, special tests, previous + ROM
DETAIL_CAP = 10


@pytest.mark.parametrize("count", [2, 25])
def test_list_query_count_does_not_grow(client, cast, count, django_assert_max_num_queries):
    _many_assessments(cast, count, rom_per_side=2)
    client.force_login(cast.therapist)
    with django_assert_max_num_queries(LIST_CAP):
        response = client.get(_list(cast))
    assert len(response.context["assessments"]) == count


@pytest.mark.parametrize("count,rom_per_side", [(2, 1), (6, 20)])
def test_detail_query_count_does_not_grow(
    client, cast, count, rom_per_side, django_assert_max_num_queries
):
    # The newest assessment is `[0]`, so the one made first (the oldest) has the most history.
    _many_assessments(cast, count, rom_per_side)
    newest = Assessment.objects.filter(client=cast.client).first()
    client.force_login(cast.therapist)
    with django_assert_max_num_queries(DETAIL_CAP):
        response = client.get(_detail(newest))
    assert len(response.context["rom_rows"]) == rom_per_side
    assert response.context["previous"] is not None


@pytest.mark.parametrize("page", ["new", "detail", "list"])
def test_pages_have_one_h1_and_no_inline_script_or_style(client, cast, assessment, page):
    url = {"new": _new_url(cast), "detail": _detail(assessment), "list": _list(cast)}[page]
    client.force_login(cast.therapist)
    html = client.get(url).content.decode()
    assert html.count("<h1") == 1
    assert "style=" not in html
    assert "<script>" not in html  # scripts come from static files only (CSP)
    if page == "new":
        assert "js/body-chart.js" in html and "css/intake.css" in html
