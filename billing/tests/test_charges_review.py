"""A biller's review of drafted charges (issue 18, item 5): edit with a reason kept, post,
void, credit notes, no-show fees; each through its page and its service."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from billing import drafting
from billing.models import Charge, ChargeLine, ChargeLineEdit, CreditNote, PackageUse
from billing.services import charges as services
from billing.tests.charges_helpers import billable, insure, signed, visit
from billing.tests.factories import (
    ChargeFactory,
    ChargeLineFactory,
    CoverageFactory,
    PackageFactory,
    PaymentFactory,
    clinic_billing,
)
from clinic.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def charge(cast):
    """A drafted self-pay charge from a signed note: 97124 x2 (30 min), 97140 x1 (10 min)."""
    note = signed(cast.therapist, cast.client, [("swedish", 30), ("trigger_point", 10)])
    return Charge.objects.get(note=note)


def _line(charge, cpt="97124") -> ChargeLine:
    return charge.lines.get(billing_code__code=cpt)


def _edit(client, charge, line, **changes):
    data = {
        "billing_code": line.cpt,
        "modifiers": line.modifiers,
        "units": line.units,
        "unit_fee": line.unit_fee,
        "diagnosis_pointers": line.diagnosis_pointers,
        "reason": "",
        **changes,
    }
    url = reverse("billing_charge_line_edit", args=[charge.pk, line.pk])
    return client.post(url, data)


# --- edit ---------------------------------------------------------------------------------------


def test_edit_keeps_the_reason_and_recomputes_the_amount(client, cast, charge):
    client.force_login(cast.biller)
    line = _line(charge)
    response = _edit(client, charge, line, units=3, modifiers="gp", reason="Payer asked for GP")
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.units, line.modifiers, line.amount) == (3, "GP", Decimal("90.00"))
    edits = {e.field: (e.before, e.after, e.reason) for e in ChargeLineEdit.objects.all()}
    assert edits == {
        "units": ("2", "3", "Payer asked for GP"),
        "modifiers": ("", "GP", "Payer asked for GP"),
    }
    entry = AuditEntry.objects.filter(action="update", object_id=str(charge.pk)).get()
    assert entry.actor == cast.biller and entry.client == cast.client
    page = client.get(reverse("billing_charge", args=[charge.pk])).content.decode()
    assert "Payer asked for GP" in page


def test_edit_needs_a_reason_and_keeps_what_was_typed(client, cast, charge):
    client.force_login(cast.biller)
    line = _line(charge)
    response = _edit(client, charge, line, units=4, reason="")
    assert response.status_code == 200
    assert "This field is required." in response.context["form"].errors["reason"]
    assert response.context["form"]["units"].value() == "4"
    line.refresh_from_db()
    assert line.units == 2 and not ChargeLineEdit.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"modifiers": "GP XX"}, "modifiers", "Unknown modifier: XX"),
        ({"modifiers": "GP 59 GP"}, "modifiers", "listed twice"),
        ({"diagnosis_pointers": "13"}, "diagnosis_pointers", "No diagnosis 3"),
        ({"diagnosis_pointers": "1a"}, "diagnosis_pointers", "No diagnosis a"),
        ({"units": "0"}, "units", "greater than or equal to 1"),
        ({"unit_fee": "-1"}, "unit_fee", "greater than or equal to 0"),
        ({"billing_code": "99999"}, "billing_code", "Select a valid choice"),
    ],
)
def test_bad_edits_are_refused_at_the_field(client, cast, charge, changes, field, message):
    client.force_login(cast.biller)
    response = _edit(client, charge, _line(charge), reason="fixing", **changes)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not ChargeLineEdit.objects.exists()


def test_a_timed_code_needs_minutes(client, cast, charge):
    line = _line(charge)
    ChargeLine.objects.filter(pk=line.pk).update(timed_minutes=None)
    client.force_login(cast.biller)
    response = _edit(client, charge, line, reason="fixing", units=3)
    assert services.UNITS_WITHOUT_MINUTES in response.context["form"].errors["units"]


def test_posted_charge_cannot_change(client, cast, charge):
    billable(cast.therapist)
    services.charge_post(actor=cast.biller, charge=charge)
    client.force_login(cast.biller)
    line = _line(charge)
    page = client.get(reverse("billing_charge_line_edit", args=[charge.pk, line.pk]))
    assert services.POSTED_IS_FINAL in page.content.decode()
    response = _edit(client, charge, line, units=5, reason="late change")
    assert response.status_code == 200
    assert services.POSTED_IS_FINAL in response.content.decode()
    line.refresh_from_db()
    assert line.units == 2
    with pytest.raises(ValidationError):
        services.charge_line_edit(
            actor=cast.biller,
            line=line,
            reason="x",
            billing_code=line.billing_code,
            modifiers="",
            units=5,
            unit_fee=line.unit_fee,
            diagnosis_pointers="1",
        )


def test_only_billing_staff_edit(cast, charge):
    line = _line(charge)
    with pytest.raises(PermissionDenied):
        services.charge_line_edit(
            actor=cast.therapist,
            line=line,
            reason="x",
            billing_code=line.billing_code,
            modifiers="",
            units=5,
            unit_fee=line.unit_fee,
            diagnosis_pointers="1",
        )


# --- post ---------------------------------------------------------------------------------------


def test_post(client, cast, charge):
    billable(cast.therapist)
    client.force_login(cast.biller)
    response = client.post(reverse("billing_charge_post", args=[charge.pk]))
    assert response.status_code == 302
    charge.refresh_from_db()
    assert charge.status == "posted" and charge.posted_by == cast.biller
    assert charge.posted_at is not None
    assert Charge.objects.with_amounts().get(pk=charge.pk).outstanding == Decimal("95.00")


def test_posting_without_diagnoses_is_refused(client, cast):
    billable(cast.therapist)
    note = signed(cast.therapist, cast.client, [("swedish", 30)], diagnoses=[])
    charge = Charge.objects.get(note=note)
    client.force_login(cast.biller)
    response = client.post(reverse("billing_charge_post", args=[charge.pk]), follow=True)
    assert drafting.NO_DIAGNOSIS in response.content.decode()
    charge.refresh_from_db()
    assert charge.status == "draft"


def test_posting_without_lines_is_refused(cast):
    billable(cast.therapist)
    note = signed(cast.therapist, cast.client, [("swedish", 5)])
    charge = Charge.objects.get(note=note)
    with pytest.raises(ValidationError, match="without lines"):
        services.charge_post(actor=cast.biller, charge=charge)


def test_posting_needs_the_billing_identity(client, cast, charge):
    client.force_login(cast.biller)
    response = client.post(reverse("billing_charge_post", args=[charge.pk]), follow=True)
    page = response.content.decode()
    assert services.NO_NPI in page.replace("&#x27;", "'")
    clinic_billing()
    with pytest.raises(ValidationError, match="NPI"):
        services.charge_post(actor=cast.biller, charge=charge)
    charge.refresh_from_db()
    assert charge.status == "draft"


# --- void ---------------------------------------------------------------------------------------


def test_void_needs_a_reason(client, cast, charge):
    client.force_login(cast.biller)
    url = reverse("billing_charge_void", args=[charge.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    response = client.post(url, {"reason": "Billed to the wrong client"})
    assert response.status_code == 302
    charge.refresh_from_db()
    assert (charge.status, charge.void_reason, charge.voided_by) == (
        "void",
        "Billed to the wrong client",
        cast.biller,
    )
    assert client.post(url, {"reason": "again"}).status_code == 200  # a message, no 500


def test_void_gives_the_package_visit_back_and_the_note_can_be_billed_again(cast):
    appointment = visit(cast.therapist, cast.client)
    package = PackageFactory(client=cast.client, visits=1)
    note = signed(cast.therapist, cast.client, [("swedish", 30)], appointment=appointment)
    charge = Charge.objects.get(note=note)
    assert charge.package == package and PackageUse.objects.count() == 1
    services.charge_void(actor=cast.biller, charge=charge, reason="Signed on the wrong visit")
    assert not PackageUse.objects.exists()
    redrafted = services.charge_draft(actor=cast.therapist, note=note)
    assert redrafted != charge and redrafted.package == package


def test_a_posted_charge_is_voided(cast, charge):
    billable(cast.therapist)
    services.charge_post(actor=cast.biller, charge=charge)
    services.charge_void(actor=cast.biller, charge=charge, reason="Duplicate")
    charge.refresh_from_db()
    assert charge.status == "void"
    assert Charge.objects.with_amounts().get(pk=charge.pk).outstanding == 0


def test_a_paid_charge_is_not_voided_until_its_payments_are_taken_back(client, cast, charge):
    from django.utils.html import escape

    from billing.models import PaymentAllocation
    from billing.services.payments import allocation_remove

    billable(cast.therapist)
    services.charge_post(actor=cast.biller, charge=charge)
    line = charge.lines.first()
    payment = PaymentFactory(client=charge.client, amount=Decimal("10.00"))
    allocation = PaymentAllocation.objects.create(
        payment=payment, line=line, amount=Decimal("10.00"), allocated_by=cast.biller
    )
    client.force_login(cast.biller)
    url = reverse("billing_charge_void", args=[charge.pk])
    response = client.post(url, {"reason": "Billed to the wrong client"})
    assert response.status_code == 200
    assert escape(services.PAID_CANNOT_VOID) in response.content.decode()
    assert 'value="Billed to the wrong client"' in response.content.decode()  # kept
    charge.refresh_from_db()
    assert charge.status == "posted"
    allocation_remove(actor=cast.biller, allocation=allocation, reason="Wrong client")
    services.charge_void(actor=cast.biller, charge=charge, reason="Billed to the wrong client")
    charge.refresh_from_db()
    assert charge.status == "void"


def test_billing_staff_draft_a_void_charge_again_from_its_page(client, cast, charge):
    services.charge_void(actor=cast.biller, charge=charge, reason="Coverage was added later")
    client.force_login(cast.biller)
    page = client.get(reverse("billing_charge", args=[charge.pk])).content.decode()
    url = reverse("billing_charge_redraft", args=[charge.pk])
    assert url in page and "Draft it again from the note" in page
    response = client.post(url)
    redrafted = Charge.objects.live().get(appointment=charge.appointment)
    assert response.status_code == 302 and response["Location"].endswith(f"{redrafted.pk}/")
    assert redrafted.pk != charge.pk and redrafted.status == "draft"
    assert redrafted.note_id == charge.note_id and redrafted.lines.count() == 2
    assert AuditEntry.objects.filter(
        object_id=str(redrafted.pk), detail__contains=f"after void {charge.pk}"
    ).exists()
    # The void charge now points to its successor, and offers nothing more.
    page = client.get(reverse("billing_charge", args=[charge.pk])).content.decode()
    assert url not in page and reverse("billing_charge", args=[redrafted.pk]) in page
    # A second click: a message, never a second charge.
    response = client.post(url, follow=True)
    assert "already has a charge that is not void" in response.content.decode()
    assert Charge.objects.live().filter(appointment=charge.appointment).count() == 1


def test_only_a_void_visit_charge_is_drafted_again_and_only_by_billing_staff(cast, charge):
    with pytest.raises(ValidationError):
        services.charge_redraft(actor=cast.biller, charge=charge)  # still a draft
    services.charge_void(actor=cast.biller, charge=charge, reason="Wrong visit")
    for user in (cast.therapist, cast.frontdesk):
        with pytest.raises(PermissionDenied):
            services.charge_redraft(actor=user, charge=charge)
    assert not Charge.objects.live().filter(appointment=charge.appointment).exists()


# --- credit notes -------------------------------------------------------------------------------


@pytest.fixture
def posted(cast, charge):
    billable(cast.therapist)
    return services.charge_post(actor=cast.biller, charge=charge)


def test_credit_note(client, cast, posted):
    client.force_login(cast.biller)
    line = _line(posted)
    url = reverse("billing_credit_note_new", args=[posted.pk, line.pk])
    response = client.post(url, {"amount": "20.00", "reason": "Goodwill"})
    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert note.number.startswith("CN-") and note.number.endswith("-0001")
    assert (note.amount, note.line, note.reason) == (Decimal("20.00"), line, "Goodwill")
    assert ChargeLine.objects.with_amounts().get(pk=line.pk).outstanding == Decimal("40.00")
    second = services.credit_note_issue(
        actor=cast.biller, line=line, amount=Decimal("1.00"), reason="Rounding"
    )
    assert second.number.endswith("-0002")


def test_credit_note_over_the_outstanding_is_refused(client, cast, posted):
    client.force_login(cast.biller)
    line = _line(posted)
    url = reverse("billing_credit_note_new", args=[posted.pk, line.pk])
    response = client.post(url, {"amount": "60.01", "reason": "Too much"})
    assert response.status_code == 200
    assert "At most 60.00" in " ".join(response.context["form"].errors["amount"])
    assert response.context["form"]["reason"].value() == "Too much"
    assert not CreditNote.objects.exists()
    response = client.post(url, {"amount": "5", "reason": ""})
    assert "reason" in response.context["form"].errors
    response = client.post(url, {"amount": "0", "reason": "zero"})
    assert "amount" in response.context["form"].errors


def test_credit_note_on_a_draft_is_refused(client, cast, charge):
    client.force_login(cast.biller)
    line = _line(charge)
    url = reverse("billing_credit_note_new", args=[charge.pk, line.pk])
    response = client.post(url, {"amount": "5.00", "reason": "early"})
    assert response.status_code == 200
    assert "posted charges only" in response.content.decode()
    assert not CreditNote.objects.exists()


def test_credit_note_numbers_continue_past_9999(cast, posted):
    line = _line(posted)
    year = services.today().year
    CreditNote.objects.create(
        number=f"CN-{year}-9999",
        charge=posted,
        line=line,
        amount=Decimal("1.00"),
        reason="old",
        created_by=cast.biller,
    )
    assert services.next_credit_note_number(year) == f"CN-{year}-10000"
    CreditNote.objects.create(
        number=f"CN-{year}-10000",
        charge=posted,
        line=line,
        amount=Decimal("1.00"),
        reason="old",
        created_by=cast.biller,
    )
    assert services.next_credit_note_number(year) == f"CN-{year}-10001"


# --- no-show fees -------------------------------------------------------------------------------


@pytest.fixture
def no_show(cast):
    clinic_billing(no_show_fee=Decimal("40.00"))
    return visit(cast.therapist, cast.client, status="no_show")


def test_no_show_fee_for_a_self_pay_client(client, cast, no_show):
    client.force_login(cast.biller)
    page = client.get(reverse("billing_no_shows")).content.decode()
    assert "Oriana Quillfeather" in page
    response = client.post(reverse("billing_no_show_fee", args=[no_show.pk]))
    charge = Charge.objects.get(appointment=no_show)
    assert response["Location"] == reverse("billing_charge", args=[charge.pk])
    assert (charge.kind, charge.payer_type, charge.status) == ("no_show", "self_pay", "draft")
    line = charge.lines.get()
    assert (line.billing_code, line.description, line.units, line.amount) == (
        None,
        "No-show fee",
        1,
        Decimal("40.00"),
    )
    assert "Oriana Quillfeather" not in client.get(reverse("billing_no_shows")).content.decode()
    # Posting a no-show fee needs no diagnosis and no therapist NPI.
    services.charge_post(actor=cast.biller, charge=charge)
    # A second fee for the same no-show is refused.
    response = client.post(reverse("billing_no_show_fee", args=[no_show.pk]), follow=True)
    assert "already has its fee" in response.content.decode()


def test_no_shows_are_filtered_by_the_clinics_calendar_days(client, cast, no_show):
    import datetime as dt

    from clinic.clinic_time import local

    older = visit(
        cast.therapist,
        cast.client2,
        status="no_show",
        when=no_show.starts_at - dt.timedelta(days=10),
    )
    client.force_login(cast.biller)
    day = local(no_show.starts_at).date()
    url = reverse("billing_no_shows")
    page = client.get(url, {"date_from": day.isoformat()}).content.decode()
    assert reverse("billing_no_show_fee", args=[no_show.pk]) in page
    assert reverse("billing_no_show_fee", args=[older.pk]) not in page
    page = client.get(url, {"date_to": (day - dt.timedelta(days=1)).isoformat()}).content.decode()
    assert reverse("billing_no_show_fee", args=[older.pk]) in page
    assert reverse("billing_no_show_fee", args=[no_show.pk]) not in page
    response = client.get(url, {"date_from": day.isoformat(), "date_to": "2000-01-01"})
    assert response.status_code == 200
    assert "The end comes before the start." in response.content.decode()
    assert 'value="2000-01-01"' in response.content.decode()  # what was typed is kept


def test_a_self_pay_coverage_row_counts_as_self_pay(cast, no_show):
    CoverageFactory(client=cast.client)  # self-pay, written down
    charge = services.charge_no_show_fee(actor=cast.biller, appointment=no_show)
    assert charge.coverage is not None and charge.payer_type == "self_pay"


def test_no_show_fee_refused_for_insured_clients(client, cast, no_show):
    insure(cast.client)
    client.force_login(cast.biller)
    assert "Oriana Quillfeather" not in client.get(reverse("billing_no_shows")).content.decode()
    response = client.post(reverse("billing_no_show_fee", args=[no_show.pk]), follow=True)
    assert services.SELF_PAY_ONLY in response.content.decode()
    assert not Charge.objects.exists()


def test_no_show_fee_refused_when_the_fee_is_zero(cast, no_show):
    clinic_billing(no_show_fee=Decimal("0.00"))
    with pytest.raises(ValidationError, match="no-show fee is 0"):
        services.charge_no_show_fee(actor=cast.biller, appointment=no_show)


def test_no_show_fee_only_for_no_shows(cast):
    clinic_billing(no_show_fee=Decimal("40.00"))
    with pytest.raises(ValidationError, match="Only a no-show"):
        services.charge_no_show_fee(
            actor=cast.biller, appointment=visit(cast.therapist, cast.client)
        )


# --- what the therapist sees --------------------------------------------------------------------


def test_the_therapist_reads_their_charge_without_money_or_actions(client, cast, charge):
    client.force_login(cast.therapist)
    page = client.get(reverse("billing_charge", args=[charge.pk])).content.decode()
    assert "97124" in page and "97140" in page and "M54.2" in page
    assert "Post the charge" not in page and "Void the charge" not in page
    assert "Fee per unit" not in page and "60.00" not in page
    client.force_login(cast.therapist2)
    assert client.get(reverse("billing_charge", args=[charge.pk])).status_code == 404


def test_my_charges(client, cast, charge):
    other = ChargeFactory(appointment=visit(cast.therapist2, cast.client2))
    ChargeLineFactory(charge=other)
    client.force_login(cast.therapist)
    response = client.get(reverse("billing_my_charges"))
    page = response.content.decode()
    assert "97124" in page and "30 min, 2 units" in page and "Oriana Quillfeather" in page
    assert "Bastian Wrenhollow" not in page
    assert "60.00" not in page  # no money
    assert AuditEntry.objects.filter(actor=cast.therapist, action="list").exists()


def test_diagnoses_added_to_the_plan_after_drafting_are_taken_when_posted(client, cast):
    from treatment_plans.models import PlanDiagnosis

    billable(cast.therapist)
    note = signed(cast.therapist, cast.client, [("swedish", 30)], diagnoses=[])
    charge = Charge.objects.get(note=note)
    with pytest.raises(ValidationError, match="no diagnosis"):
        services.charge_post(actor=cast.biller, charge=charge)
    # Meanwhile the biller may still fix a line: no pointer is asked for while there is none.
    client.force_login(cast.biller)
    assert _edit(client, charge, _line(charge), units=1, reason="One unit").status_code == 302
    from billing.tests.charges_helpers import plan_version

    version = plan_version(cast.therapist, cast.client, diagnoses=[])
    note.__class__.objects.filter(pk=note.pk).update(plan_version=version)
    PlanDiagnosis.objects.create(
        plan=version.plan,
        position=1,
        code="M54.2",
        description="Cervicalgia",
        added_by=cast.therapist,
    )
    charge.refresh_from_db()
    services.charge_post(actor=cast.biller, charge=charge)
    charge.refresh_from_db()
    assert charge.status == "posted" and [d["code"] for d in charge.diagnoses] == ["M54.2"]
    assert _line(charge).diagnosis_pointers == "1"
    assert ChargeLineEdit.objects.filter(field="diagnosis_pointers", after="1").exists()


def test_a_package_already_used_for_the_visit_is_kept(cast):
    appointment = visit(cast.therapist, cast.client)
    first = PackageFactory(client=cast.client)
    PackageFactory(client=cast.client, appointment_type=appointment.appointment_type)
    PackageUse.objects.create(package=first, appointment=appointment)
    note = signed(cast.therapist, cast.client, [("swedish", 30)], appointment=appointment)
    assert Charge.objects.get(note=note).package == first
    assert PackageUse.objects.count() == 1


def test_the_signed_note_page_links_its_charge(client, cast, charge):
    url = reverse("note_detail", args=[charge.note_id])
    link = reverse("billing_charge", args=[charge.pk])
    for user in (cast.therapist, cast.admin):
        client.force_login(user)
        page = client.get(url).content.decode()
        assert link in page and "The charge drafted from this note (draft)" in page
    services.charge_void(actor=cast.biller, charge=charge, reason="Wrong visit")
    client.force_login(cast.therapist)
    assert link not in client.get(url).content.decode()


def test_a_credit_note_number_taken_meanwhile_is_retried(cast, posted, monkeypatch):
    """Two biller's credit notes at once read the same last number; the one that loses the
    unique index takes the next."""
    line = _line(posted)
    first = services.credit_note_issue(
        actor=cast.biller, line=line, amount=Decimal("1.00"), reason="First"
    )
    numbers = iter([first.number, first.number.replace("-0001", "-0002")])
    monkeypatch.setattr(services, "next_credit_note_number", lambda year: next(numbers))
    second = services.credit_note_issue(
        actor=cast.biller, line=line, amount=Decimal("1.00"), reason="Second"
    )
    assert second.number.endswith("-0002")
    assert CreditNote.objects.count() == 2
