"""The billing identity page: the clinic's billing profile and each therapist's NPI, taxonomy and
licence; an NPI failing its check digit is refused at the field with everything typed kept."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import ClinicBilling, TherapistBilling
from billing.tests.factories import (
    CLINIC_NPI,
    THERAPIST_NPIS,
    TherapistBillingFactory,
    clinic_billing,
)
from billing.views.identity import billing_identity
from clinic.models import AuditEntry
from clinic.permissions import Can

pytestmark = pytest.mark.django_db

URL = "/billing/identity/"
BAD_NPI = "1234567890"  # the right length, the wrong check digit


@pytest.fixture
def biller(client, cast):
    client.force_login(cast.biller)
    return client


def _clinic(**change):
    data = {
        "which": "clinic",
        "clinic-legal_name": "Riverside Medical Massage LLC",
        "clinic-ein": "12-3456789",
        "clinic-npi": CLINIC_NPI,
        "clinic-taxonomy": "225700000X",
        "clinic-address": "12 River Road",
        "clinic-city": "Springfield",
        "clinic-state": "ny",
        "clinic-postal_code": "12345",
        "clinic-phone": "555-0100",
        "clinic-place_of_service": "11",
        "clinic-no_show_fee": "40.00",
    }
    data.update({f"clinic-{k}": v for k, v in change.items()})
    return data


def _errors(response, field):
    return response.context["clinic_form"].errors.get(field, [])


def test_url_is_billing_identity():
    assert reverse("billing_identity") == URL
    assert billing_identity.allowed_roles == Can.bill.fget.roles


def test_the_clinic_profile_is_saved_and_audited(biller, cast):
    response = biller.post(URL, _clinic())
    assert response.status_code == 302
    billing = ClinicBilling.current()
    assert (billing.state, billing.no_show_fee, billing.place_of_service) == (
        "NY",
        Decimal("40.00"),
        "11",
    )
    assert AuditEntry.objects.filter(actor=cast.biller, action="create").exists()
    assert biller.post(URL, _clinic(city="Shelbyville")).status_code == 302
    assert ClinicBilling.objects.get().city == "Shelbyville"  # still one row
    assert AuditEntry.objects.filter(actor=cast.biller, action="update").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("npi", BAD_NPI, "This NPI fails its check digit: check it against the NPPES registry."),
        ("npi", "12345", "An NPI is 10 digits."),
        ("ein", "123456789", "An employer identification number is NN-NNNNNNN."),
        ("postal_code", "1234", "A ZIP code: 5 or 9 digits."),
        ("taxonomy", "2257", "A taxonomy code is ten characters ending in X."),
        ("place_of_service", "1", "Two digits."),
        ("no_show_fee", "-5", "A fee cannot be negative (0: no no-show fee)."),
        ("legal_name", "", "This field is required."),
    ],
)
def test_clinic_refusals_at_the_field_with_everything_kept(biller, field, value, message):
    response = biller.post(URL, _clinic(**{field: value}))
    assert response.status_code == 200
    assert message in _errors(response, field)
    assert b"Springfield" in response.content and b"12 River Road" in response.content
    assert not ClinicBilling.objects.exists()


def _therapist_data(therapist, **change):
    prefix = f"t-{therapist.pk}"
    data = {
        "which": str(therapist.pk),
        f"{prefix}-npi": THERAPIST_NPIS[0],
        f"{prefix}-taxonomy": "225700000x",
        f"{prefix}-license_number": "MT-00123",
        f"{prefix}-license_state": "ny",
    }
    data.update({f"{prefix}-{k}": v for k, v in change.items()})
    return data


def test_a_therapists_identity_and_licence_number_are_saved(biller, cast):
    therapist = cast.therapist.therapist_profile
    assert biller.post(URL, _therapist_data(therapist)).status_code == 302
    identity = TherapistBilling.objects.get(therapist=therapist)
    assert (identity.npi, identity.taxonomy, identity.license_state) == (
        THERAPIST_NPIS[0],
        "225700000X",
        "NY",
    )
    therapist.refresh_from_db()
    assert therapist.license_number == "MT-00123"
    entry = AuditEntry.objects.get(object_id=str(identity.pk))
    assert "license_number" in entry.detail


def test_a_therapists_bad_npi_is_refused_at_the_field_and_kept(biller, cast):
    therapist = cast.therapist.therapist_profile
    response = biller.post(URL, _therapist_data(therapist, npi=BAD_NPI))
    assert response.status_code == 200
    form = dict((t.pk, f) for t, f in response.context["therapist_forms"])[therapist.pk]
    assert form.errors["npi"] == [
        "This NPI fails its check digit: check it against the NPPES registry."
    ]
    assert BAD_NPI.encode() in response.content and b"MT-00123" in response.content
    assert not TherapistBilling.objects.exists()
    therapist.refresh_from_db()
    assert therapist.license_number == ""


def test_an_npi_is_one_therapists(biller, cast):
    TherapistBillingFactory(therapist=cast.therapist2.therapist_profile, npi=THERAPIST_NPIS[0])
    therapist = cast.therapist.therapist_profile
    response = biller.post(URL, _therapist_data(therapist))
    form = dict((t.pk, f) for t, f in response.context["therapist_forms"])[therapist.pk]
    assert form.errors["npi"] == ["Another therapist has this NPI: an NPI is one person's."]


def test_the_page_lists_active_therapists_with_their_identity(biller, cast):
    clinic_billing()
    TherapistBillingFactory(therapist=cast.therapist.therapist_profile, npi=THERAPIST_NPIS[1])
    response = biller.get(URL)
    assert THERAPIST_NPIS[1].encode() in response.content
    assert CLINIC_NPI.encode() in response.content
    assert len(response.context["therapist_forms"]) == 2


def test_the_service_refuses_the_front_desk(cast):
    from django.core.exceptions import PermissionDenied

    from billing.services.identity import clinic_billing_save

    with pytest.raises(PermissionDenied):
        clinic_billing_save(actor=cast.frontdesk, data={"legal_name": "X"})


def test_the_admin_site_edits_payers_and_fees(client, cast):
    from django.contrib import admin

    from billing.models import (
        AppointmentTypeFee,
        Payer,
        PaymentMethod,
    )

    for model in (Payer, AppointmentTypeFee, PaymentMethod, ClinicBilling, TherapistBilling):
        assert admin.site.is_registered(model), model
    inlines = admin.site._registry[Payer].inlines
    assert [inline.model.__name__ for inline in inlines] == ["PayerFee"]
