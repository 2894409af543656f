"""Charges drafted from signed notes (issue 18, item 5), through the real signing service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing import drafting
from billing.models import AppointmentTypeFee, Charge, PackageUse
from billing.selectors.charges import charge_remarks
from billing.services.charges import charge_draft
from billing.tests.charges_helpers import insure, signed, visit
from billing.tests.factories import AuthorizationFactory, CoverageFactory, PackageFactory
from clinic.models import AuditEntry
from intake.tests.factories import HealthHistoryFactory

pytestmark = pytest.mark.django_db


def _lines(charge):
    return [
        (line.cpt, line.timed_minutes, line.units, line.modifiers)
        for line in charge.lines.order_by("position")
    ]


def _charge(note) -> Charge:
    return Charge.objects.get(note=note)


# --- the unit rules end to end: minutes -> units on the drafted lines -------------------------


@pytest.mark.parametrize(
    ("rule", "techniques", "expected", "remark"),
    [
        ("cms", [("swedish", 7)], [], "97124: 7 minutes, below the 8 minutes of a unit"),
        ("cms", [("swedish", 8)], [("97124", 8, 1)], None),
        ("cms", [("swedish", 22)], [("97124", 22, 1)], None),
        ("cms", [("swedish", 23)], [("97124", 23, 2)], None),
        # 7 + 7 = 14 timed minutes make one unit under CMS; the tie goes to the code listed first.
        (
            "cms",
            [("swedish", 7), ("myofascial_release", 7)],
            [("97124", 7, 1)],
            "97140: 7 minutes, below the 8 minutes of a unit",
        ),
        ("per_code", [("swedish", 7), ("myofascial_release", 7)], [], "97124: 7 minutes"),
        # 33 + 7 = 40 minutes: 3 units; 97124 has two full units, the third goes to 97140.
        (
            "cms",
            [("swedish", 33), ("myofascial_release", 7)],
            [("97124", 33, 2), ("97140", 7, 1)],
            None,
        ),
        (
            "per_code",
            [("swedish", 33), ("myofascial_release", 7)],
            [("97124", 33, 2)],
            "97140: 7 minutes, below the 8 minutes of a unit",
        ),
    ],
)
def test_units_by_the_payers_rule(cast, rule, techniques, expected, remark):
    insure(cast.client, unit_rule=rule)
    charge = _charge(signed(cast.therapist, cast.client, techniques))
    assert charge.unit_rule == rule
    assert [(cpt, m, u) for cpt, m, u, _ in _lines(charge)] == expected
    remarks = charge_remarks(charge)
    if remark:
        assert any(r.startswith(remark) for r in remarks), remarks
    else:
        assert remarks == []


def test_self_pay_uses_the_cms_rule_and_the_codes_fees(cast):
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 23), ("trigger_point", 15)]))
    assert charge.payer_type == "self_pay" and charge.coverage is None
    assert charge.unit_rule == "cms"
    lines = list(charge.lines.order_by("position"))
    assert [(line.cpt, line.units, line.unit_fee, line.amount) for line in lines] == [
        ("97124", 2, Decimal("30.00"), Decimal("60.00")),
        ("97140", 1, Decimal("35.00"), Decimal("35.00")),
    ]
    # Minutes summed per code; no GP for self-pay, 59 on 97140 beside 97124 (NCCI PTP pair).
    assert [line.modifiers for line in lines] == ["", "59"]


def test_minutes_are_summed_per_code(cast):
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 10), ("deep_tissue", 15)]))
    assert _lines(charge) == [("97124", 25, 2, "")]


def test_commercial_payer_fee_gp_and_59(cast):
    insure(cast.client, fees={"97124": "42.50"})
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 30), ("trigger_point", 10)]))
    lines = list(charge.lines.order_by("position"))
    assert [(line.cpt, line.modifiers) for line in lines] == [("97124", "GP"), ("97140", "GP 59")]
    assert lines[0].unit_fee == Decimal("42.50") and lines[0].amount == Decimal("85.00")
    assert lines[1].unit_fee == Decimal("35.00")  # no payer fee: the code's fee


def test_auto_pip_gets_no_gp(cast):
    insure(cast.client, kind="auto_pip", unit_rule="per_code")
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 30)]))
    assert charge.payer_type == "auto_pip"
    assert _lines(charge) == [("97124", 30, 2, "")]


def test_technique_without_a_code_is_left_out_with_a_remark(cast):
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 30), ("cupping", 10)]))
    assert _lines(charge) == [("97124", 30, 2, "")]
    assert "Cupping therapy (10 minutes) has no billing code: left out of the charge" in (
        charge_remarks(charge)
    )


def test_diagnoses_copied_from_the_plan_and_pointed_to(cast):
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 30), ("trigger_point", 10)]))
    assert charge.diagnoses == [
        {"code": "M54.2", "description": "Cervicalgia"},
        {"code": "M62.838", "description": "Other muscle spasm"},
    ]
    assert set(charge.lines.values_list("diagnosis_pointers", flat=True)) == {"12"}


def test_without_plan_diagnoses_the_health_history_code(cast):
    HealthHistoryFactory(client=cast.client, icd10_code="M54.2")
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 30)], diagnoses=[]))
    assert [d["code"] for d in charge.diagnoses] == ["M54.2"]
    assert charge.diagnoses[0]["description"]  # from the ICD-10-CM classification
    assert charge.lines.get().diagnosis_pointers == "1"


def test_no_diagnosis_is_a_remark(cast):
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 30)], diagnoses=[]))
    assert charge.diagnoses == []
    assert drafting.NO_DIAGNOSIS in charge_remarks(charge)


def test_coverage_authorization_and_audit(cast):
    authorization = AuthorizationFactory(
        coverage=insure(cast.client, kind="workers_comp"),
        starts_on=dt.date(2020, 1, 1),
    )
    note = signed(cast.therapist, cast.client, [("swedish", 30)])
    charge = _charge(note)
    assert charge.coverage == authorization.coverage
    assert charge.authorization == authorization
    assert charge.rendering == cast.therapist.therapist_profile
    assert charge.status == "draft" and charge.kind == "visit"
    entry = AuditEntry.objects.get(object_id=str(charge.pk))
    assert (entry.actor, entry.action, entry.client) == (cast.therapist, "create", cast.client)


def test_ended_coverage_and_second_priority_are_not_billed(cast):
    ended = insure(cast.client)
    ended.starts_on, ended.ends_on = dt.date(2019, 1, 1), dt.date(2020, 1, 1)
    ended.save()
    secondary = insure(cast.client)
    secondary.priority = 2
    secondary.save()
    primary = insure(cast.client, kind="auto_pip")
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 30)]))
    assert charge.coverage == primary


def test_self_pay_flat_fee_spread_by_units(cast):
    appointment = visit(cast.therapist, cast.client)
    AppointmentTypeFee.objects.create(
        appointment_type=appointment.appointment_type, fee=Decimal("100.00")
    )
    note = signed(
        cast.therapist,
        cast.client,
        [("swedish", 30), ("trigger_point", 15)],
        appointment=appointment,
    )
    amounts = list(_charge(note).lines.order_by("position").values_list("units", "amount"))
    # 2 + 1 units: 66.66 and 33.33, the left-over cent to the first line.
    assert amounts == [(2, Decimal("66.67")), (1, Decimal("33.33"))]
    assert sum(a for _, a in amounts) == Decimal("100.00")


def test_package_pays_a_self_pay_visit(cast):
    appointment = visit(cast.therapist, cast.client)
    PackageFactory(client=cast.client, visits=1, appointment_type=None)
    package = PackageFactory(client=cast.client, appointment_type=appointment.appointment_type)
    charge = _charge(
        signed(cast.therapist, cast.client, [("swedish", 30)], appointment=appointment)
    )
    assert charge.package == package  # the appointment's own type first
    assert PackageUse.objects.get(appointment=appointment).package == package
    assert Charge.objects.with_amounts().get(pk=charge.pk).outstanding == 0


def test_used_up_or_expired_packages_are_not_used(cast):
    used_up = PackageFactory(client=cast.client, visits=1)
    PackageUse.objects.create(package=used_up, appointment=visit(cast.therapist, cast.client))
    PackageFactory(client=cast.client, expires_on=dt.date(2020, 1, 1))
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 30)]))
    assert charge.package is None


def test_insured_visit_uses_no_package(cast):
    insure(cast.client)
    PackageFactory(client=cast.client)
    assert _charge(signed(cast.therapist, cast.client, [("swedish", 30)])).package is None


def test_a_self_pay_coverage_row_is_self_pay(cast):
    CoverageFactory(client=cast.client)
    charge = _charge(signed(cast.therapist, cast.client, [("swedish", 30)]))
    assert charge.payer_type == "self_pay" and charge.coverage is not None


def test_a_second_signal_makes_no_second_charge(cast):
    note = signed(cast.therapist, cast.client, [("swedish", 30)])
    first = _charge(note)
    assert charge_draft(actor=cast.therapist, note=note) == first
    assert Charge.objects.filter(appointment=note.appointment).count() == 1


def test_no_note_no_charge(cast):
    visit(cast.therapist, cast.client)
    assert not Charge.objects.exists()


def test_only_the_author_drafts_from_a_signed_note(cast):
    from django.core.exceptions import PermissionDenied

    note = signed(cast.therapist, cast.client, [("swedish", 30)])
    with pytest.raises(PermissionDenied):
        charge_draft(actor=cast.therapist2, note=note)


# --- the pure logic --------------------------------------------------------------------------


CODES = {
    "97124": drafting.Code("97124", "Massage", True, Decimal("30.00")),
    "97140": drafting.Code("97140", "Manual therapy", True, Decimal("35.00")),
    "97010": drafting.Code("97010", "Hot or cold packs", False, Decimal("10.00")),
}


def test_untimed_codes_are_one_unit_and_not_counted_as_timed():
    result = drafting.draft(
        [
            drafting.Technique("Hot pack", "97010", 10),
            drafting.Technique("Swedish", "97124", 7),
        ],
        codes=CODES,
        rule="cms",
        commercial=True,
        diagnoses=5,
    )
    assert [
        (line.code, line.timed_minutes, line.units, line.modifiers) for line in result.lines
    ] == [("97010", None, 1, [])]
    assert result.lines[0].diagnosis_pointers == "1234"  # at most four
    assert result.remarks == ["97124: 7 minutes, below the 8 minutes of a unit"]


def test_cms_remark_when_minutes_make_no_unit_left():
    result = drafting.draft(
        [drafting.Technique("Swedish", "97124", 10), drafting.Technique("MFR", "97140", 10)],
        codes=CODES,
        rule="cms",
        commercial=False,
        diagnoses=1,
    )
    assert [(line.code, line.units) for line in result.lines] == [("97124", 1)]
    assert result.remarks == [
        "97140: 10 minutes, no unit left by the CMS 8-minute rule (the visit's 20 timed "
        "minutes make 1)"
    ]


@pytest.mark.parametrize(
    ("fee", "units", "shares"),
    [
        ("100.00", [2, 1], ["66.67", "33.33"]),
        ("90.00", [1, 1, 1], ["30.00", "30.00", "30.00"]),
        ("10.00", [1, 2], ["3.34", "6.66"]),
    ],
)
def test_flat_fee_shares_add_up(fee, units, shares):
    lines = [
        drafting.Line(str(i), "", 15 * u, u, Decimal(0), Decimal(0)) for i, u in enumerate(units)
    ]
    drafting.spread_flat_fee(lines, Decimal(fee))
    assert [str(line.amount) for line in lines] == shares
    assert sum(line.amount for line in lines) == Decimal(fee)
