"""The demo's billing story (issue 18, item 11), as a person signing in would find it."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from billing.models import Authorization, Charge, Package, Payment, TherapistBilling
from billing.npi import validate_npi
from billing.selectors.authorizations import authorization_usage
from documents.models import BillingDocument
from intake.diagnoses import billable_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())


def _charges(last_name):
    return Charge.objects.filter(client__last_name=last_name)


def test_karen_is_billed_to_auto_pip_and_marcus_to_workers_comp(demo):
    assert set(_charges("Whitfield").values_list("payer_type", flat=True)) == {"auto_pip"}
    assert set(_charges("Bell").values_list("payer_type", flat=True)) == {"workers_comp"}
    assert _charges("Whitfield").filter(status="posted").count() >= 3
    assert _charges("Whitfield").filter(status="draft").count() == 2  # left for the biller


def test_marcus_has_twelve_authorized_visits_with_his_charges_counted(demo):
    authorization = Authorization.objects.get(coverage__client__last_name="Bell")
    usage = authorization_usage([authorization])[0]
    assert authorization.visits_approved == 12
    assert usage.used == _charges("Bell").count() > 0
    assert usage.left == 12 - usage.used


def test_tom_pays_himself_with_a_package_his_visits_use(demo):
    package = Package.objects.with_amounts().get(client__last_name="Haldane")
    assert package.visits_used == _charges("Haldane").count() > 0
    assert package.outstanding == 0  # paid by card
    assert set(_charges("Haldane").values_list("payer_type", flat=True)) == {"self_pay"}


def test_codes_npis_payments_and_a_superbill_are_in_place(demo):
    for charge in Charge.objects.all():
        assert charge.diagnoses and all(
            billable_problem(d["code"]) is None for d in charge.diagnoses
        )
    for npi in TherapistBilling.objects.values_list("npi", flat=True):
        validate_npi(npi)
    assert Payment.objects.filter(method__code="insurance", reference__startswith="EOB").exists()
    superbill = BillingDocument.objects.get(kind="superbill", client__last_name="Bell")
    assert superbill.status == "ready"
