"""The billing worklist and the charge pages' access (issue 18): filters, remarks counted,
query counts constant in data size, and each view's roles equal to the `can` predicate that
offers it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import get_resolver, reverse

from billing.models import Charge
from billing.tests.charges_helpers import insure, signed, visit
from billing.tests.factories import ChargeFactory, ChargeLineFactory, clinic_billing
from clinic.models import AuditEntry
from clinic.permissions import Can
from clinic.roles import Role
from clinic.tests.factories import ClientFactory
from clinic.tests.test_can import _patterns

pytestmark = pytest.mark.django_db


def _charges(cast, n, **extra):
    made = []
    for _ in range(n):
        charge = ChargeFactory(appointment=visit(cast.therapist, ClientFactory()), **extra)
        ChargeLineFactory(charge=charge)
        ChargeLineFactory(charge=charge, position=2)
        made.append(charge)
    return made


def _rows(response):
    return list(response.context["charges"])


def test_worklist_shows_drafts_by_default(client, cast):
    signed(cast.therapist, cast.client, [("swedish", 30), ("cupping", 10)], diagnoses=[])
    _charges(cast, 1, status="void", void_reason="x")
    client.force_login(cast.biller)
    response = client.get(reverse("billing_charges"))
    rows = _rows(response)
    assert [row.client for row in rows] == [cast.client]
    assert len(rows[0].remarks) == 2  # cupping has no code; no diagnosis
    page = response.content.decode()
    assert "Oriana Quillfeather" in page and "60.00" in page
    assert AuditEntry.objects.filter(actor=cast.biller, action="list").exists()


def test_worklist_filters(client, cast):
    insure(cast.client)
    signed(cast.therapist, cast.client, [("swedish", 30)])
    old = _charges(cast, 1)[0]
    Charge.objects.filter(pk=old.pk).update(date_of_service=dt.date(2025, 1, 10))
    posted = _charges(cast, 1)[0]
    Charge.objects.filter(pk=posted.pk).update(status="posted")
    client.force_login(cast.biller)
    url = reverse("billing_charges")
    assert [c.pk for c in _rows(client.get(url, {"status": "posted"}))] == [posted.pk]
    assert [c.payer_type for c in _rows(client.get(url, {"payer_type": "commercial"}))] == [
        "commercial"
    ]
    dated = _rows(client.get(url, {"date_from": "2025-01-01", "date_to": "2025-01-31"}))
    assert [c.pk for c in dated] == [old.pk]


def test_worklist_bad_filter_is_shown_at_the_field(client, cast):
    client.force_login(cast.biller)
    response = client.get(
        reverse("billing_charges"), {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert response.status_code == 200
    assert "The end comes before the start." in response.context["form"].errors["date_to"]
    response = client.get(reverse("billing_charges"), {"date_from": "yesterday"})
    assert response.status_code == 200 and "date_from" in response.context["form"].errors


def test_worklist_queries_do_not_grow_with_the_rows(client, cast, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.biller)
    url = reverse("billing_charges")
    # Two drafts from signed notes (techniques to recompute remarks from) and two made direct.
    signed(cast.therapist, cast.client, [("swedish", 30)])
    _charges(cast, 2)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    signed(cast.therapist, cast.client2, [("swedish", 30), ("cupping", 5)], diagnoses=[])
    _charges(cast, 10)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(_rows(response)) == 14


def test_no_shows_and_my_charges_queries_do_not_grow(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clinic_billing()

    def counts():
        out = []
        for user, name in (
            (cast.biller, "billing_no_shows"),
            (cast.therapist, "billing_my_charges"),
        ):
            client.force_login(user)
            client.get(reverse(name))
            with CaptureQueriesContext(connection) as captured:
                client.get(reverse(name))
            out.append(len(captured.captured_queries))
        return out

    visit(cast.therapist, cast.client, status="no_show")
    _charges(cast, 1)
    before = counts()
    for _ in range(5):
        visit(cast.therapist, ClientFactory(), status="no_show")
    _charges(cast, 5)
    assert counts() == before


# Each page's roles are the roles of the `can` predicate that offers it (clinic/tests/test_can.py
# does this for the older pages).
OFFERED_BY = {
    "billing_charges": Can.bill,
    "billing_charge_line_edit": Can.bill,
    "billing_charge_post": Can.bill,
    "billing_charge_void": Can.bill,
    "billing_credit_note_new": Can.bill,
    "billing_no_shows": Can.bill,
    "billing_no_show_fee": Can.bill,
}


@pytest.mark.parametrize(("name", "predicate"), OFFERED_BY.items())
def test_views_admit_the_roles_of_the_predicate(name, predicate):
    view = next(p.callback for p in _patterns(get_resolver()) if p.name == name)
    assert set(view.allowed_roles) == set(predicate.fget.roles)


def test_the_charge_page_adds_the_rendering_therapist():
    view = next(p.callback for p in _patterns(get_resolver()) if p.name == "billing_charge")
    assert set(view.allowed_roles) == set(Can.bill.fget.roles) | {Role.THERAPIST}
    mine = next(p.callback for p in _patterns(get_resolver()) if p.name == "billing_my_charges")
    assert set(mine.allowed_roles) == {Role.THERAPIST}


def test_front_desk_and_client_cannot_read_a_charge_even_posted(client, cast):
    charge = _charges(cast, 1)[0]
    Charge.objects.filter(pk=charge.pk).update(status="posted")
    for user in (cast.frontdesk, cast.client_user, cast.physician_user):
        client.force_login(user)
        assert client.get(reverse("billing_charge", args=[charge.pk])).status_code == 403


def test_wrong_method_is_checked_after_access(client, cast):
    charge = _charges(cast, 1)[0]
    url = reverse("billing_charge_post", args=[charge.pk])
    client.force_login(cast.therapist)
    assert client.get(url).status_code == 403
    client.force_login(cast.biller)
    assert client.get(url).status_code == 405
