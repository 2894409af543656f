"""The export for the billing service (issue 18, item 8): parsed back with csv.DictReader,
every column checked for each kind of payer; drafts, voids and lines outside the range left
out; a bad range is the form again with its messages; formula cells defused; audited;
streamed in a fixed number of queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.export import HEADER, safe_text
from billing.models import PayerType
from billing.tests.factories import (
    CLINIC_NPI,
    ChargeFactory,
    ChargeLineFactory,
    CoverageFactory,
    PayerFactory,
    TherapistBillingFactory,
    clinic_billing,
    code,
    dx,
)
from clinic.clinic_time import today
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)
EXPECTED_HEADER = (
    "date_of_service,client_id,payer_type,payer,claim_number,cpt,modifiers,timed_minutes,"
    "units,unit_rule,icd10,charge,rendering_npi,billing_npi"
)


_VISITS = itertools.count(1)


def posted_charge(*, coverage=None, payer_type=None, day=DAY, rendering=None, **extra):
    """A posted visit charge of `coverage`'s client (self-pay without one), rendered by
    `rendering` (default: a new therapist without an NPI)."""
    client = coverage.client if coverage else ClientFactory(user=None)
    rendering = rendering or TherapistFactory()
    return ChargeFactory(
        appointment__client=client,
        appointment__therapist=rendering,
        # A day apart: one therapist's visits never overlap (PostgreSQL refuses that).
        appointment__starts_at=timezone.now() + dt.timedelta(days=next(_VISITS)),
        date_of_service=day,
        payer_type=payer_type or (coverage.payer_type if coverage else PayerType.SELF_PAY),
        coverage=coverage,
        status="posted",
        diagnoses=extra.pop("diagnoses", dx("M54.2", "M62.830", "S13.4XXA")),
        **extra,
    )


def _export(client, user, start, end, **extra):
    client.force_login(user)
    return client.get(reverse("billing_export"), {"from": start, "to": end, **extra})


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.content[:500]
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0] == EXPECTED_HEADER
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def four_payers():
    clinic_billing()
    therapist = TherapistBillingFactory(npi="1245319599").therapist
    commercial = CoverageFactory(insured=True, payer__name="Blue Harbor Health")
    auto = CoverageFactory(
        payer_type=PayerType.AUTO_PIP,
        payer=PayerFactory(name="Keystone Auto", kind=PayerType.AUTO_PIP),
        claim_number="PIP-2026-0042",
        member_id="not-this",
    )
    comp = CoverageFactory(
        payer_type=PayerType.WORKERS_COMP,
        payer=PayerFactory(name="State Comp Fund", kind=PayerType.WORKERS_COMP),
        claim_number="WC-77-1234",
    )
    charges = {
        "commercial": posted_charge(coverage=commercial, rendering=therapist),
        "auto": posted_charge(coverage=auto, rendering=therapist, unit_rule="per_code"),
        "comp": posted_charge(coverage=comp, rendering=therapist, day=DAY + dt.timedelta(1)),
        "self": posted_charge(rendering=therapist, day=DAY + dt.timedelta(2)),
    }
    lines = {
        "commercial": ChargeLineFactory(
            charge=charges["commercial"],
            billing_code=code("97140"),
            modifiers="GP 59",
            timed_minutes=23,
            units=2,
            unit_fee=Decimal("42.50"),
            diagnosis_pointers="21",
        ),
        "commercial_pack": ChargeLineFactory(
            charge=charges["commercial"],
            billing_code=code("97010"),
            modifiers="GP",
            timed_minutes=None,
            units=1,
            unit_fee=Decimal("10.00"),
            diagnosis_pointers="1",
            position=2,
        ),
        "auto": ChargeLineFactory(
            charge=charges["auto"], diagnosis_pointers="123", modifiers="", timed_minutes=38
        ),
        "comp": ChargeLineFactory(charge=charges["comp"], billing_code=code("97112")),
        "self": ChargeLineFactory(
            charge=charges["self"], units=4, unit_fee=Decimal("25.00"), timed_minutes=60
        ),
    }
    return charges, lines


def test_the_header_is_exactly_the_billing_services():
    assert ",".join(HEADER) == EXPECTED_HEADER


def test_every_column_for_each_kind_of_payer(client, cast, four_payers):
    charges, _ = four_payers
    rows = _rows(_export(client, cast.biller, "2026-03-01", "2026-03-31"))
    assert len(rows) == 5
    commercial, pack, auto, comp, self_pay = rows  # by date of service, then line position
    assert commercial == {
        "date_of_service": "2026-03-10",
        "client_id": str(charges["commercial"].client_id),
        "payer_type": "commercial",
        "payer": "Blue Harbor Health",
        "claim_number": "XJH123456789",  # commercial: the member id
        "cpt": "97140",
        "modifiers": "GP 59",
        "timed_minutes": "23",
        "units": "2",
        "unit_rule": "cms",
        "icd10": "M62.830;M54.2",  # pointers "21", in their order
        "charge": "85.00",
        "rendering_npi": "1245319599",
        "billing_npi": CLINIC_NPI,
    }
    assert (pack["cpt"], pack["timed_minutes"], pack["units"], pack["icd10"]) == (
        "97010", "", "1", "M54.2",
    )  # fmt: skip
    assert pack["charge"] == "10.00"
    assert auto | {"client_id": ""} == {
        "date_of_service": "2026-03-10",
        "client_id": "",
        "payer_type": "auto_pip",
        "payer": "Keystone Auto",
        "claim_number": "PIP-2026-0042",  # auto / PIP: the claim number
        "cpt": "97124",
        "modifiers": "",
        "timed_minutes": "38",
        "units": "2",
        "unit_rule": "per_code",
        "icd10": "M54.2;M62.830;S13.4XXA",
        "charge": "60.00",
        "rendering_npi": "1245319599",
        "billing_npi": CLINIC_NPI,
    }
    assert auto["client_id"] == str(charges["auto"].client_id)
    assert (comp["date_of_service"], comp["payer_type"], comp["payer"], comp["claim_number"]) == (
        "2026-03-11", "workers_comp", "State Comp Fund", "WC-77-1234",
    )  # fmt: skip
    assert (comp["cpt"], comp["timed_minutes"], comp["charge"]) == ("97112", "30", "60.00")
    assert self_pay == {
        "date_of_service": "2026-03-12",
        "client_id": str(charges["self"].client_id),
        "payer_type": "self_pay",
        "payer": "",
        "claim_number": "",
        "cpt": "97124",
        "modifiers": "",
        "timed_minutes": "60",
        "units": "4",
        "unit_rule": "cms",
        "icd10": "M54.2",
        "charge": "100.00",
        "rendering_npi": "1245319599",
        "billing_npi": CLINIC_NPI,
    }


def test_drafts_voids_and_days_outside_the_range_are_left_out(client, cast):
    clinic_billing()
    first, last = dt.date(2026, 4, 1), dt.date(2026, 4, 30)
    kept = [
        ChargeLineFactory(charge=posted_charge(day=first)),
        ChargeLineFactory(charge=posted_charge(day=last)),  # both ends included
    ]
    ChargeLineFactory(charge=posted_charge(day=first - dt.timedelta(1)))
    ChargeLineFactory(charge=posted_charge(day=last + dt.timedelta(1)))
    ChargeLineFactory(charge=ChargeFactory(date_of_service=first, status="draft"))
    ChargeLineFactory(
        charge=ChargeFactory(date_of_service=first, status="void", void_reason="entered twice")
    )
    rows = _rows(_export(client, cast.admin, "2026-04-01", "2026-04-30"))
    assert [(r["date_of_service"], r["client_id"]) for r in rows] == [
        (str(line.charge.date_of_service), str(line.charge.client_id)) for line in kept
    ]


def test_the_file_is_an_uncached_attachment_named_by_its_range(client, cast):
    response = _export(client, cast.biller, "2026-01-01", "2026-06-30")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="billing-2026-01-01-2026-06-30.csv"'
    )
    assert "no-store" in response["Cache-Control"]
    # No clinic billing identity yet, no lines: the header alone, nothing breaks.
    assert _rows(response) == []


def test_the_export_is_audited_once_with_its_range(client, cast, four_payers):
    b"".join(_export(client, cast.biller, "2026-03-01", "2026-03-31").streaming_content)
    entry = AuditEntry.objects.get(action="download")  # one, however many lines
    assert entry.actor == cast.biller
    assert entry.action == "download"
    assert entry.client is None  # many clients' lines: none singled out
    assert "2026-03-01 to 2026-03-31" in entry.detail
    assert "(5 lines)" in entry.detail


def test_a_payer_name_that_looks_like_a_formula_stays_text(client, cast):
    clinic_billing()
    for name in ('=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)"):
        coverage = CoverageFactory(
            insured=True, payer__name=name, member_id="=1+1", group_number=""
        )
        ChargeLineFactory(charge=posted_charge(coverage=coverage))
    rows = _rows(_export(client, cast.biller, "2026-03-01", "2026-03-31"))
    assert sorted(r["payer"] for r in rows) == sorted(
        ['\'=HYPERLINK("http://x","y")', "'+1", "'-2", "'@SUM(A1)"]
    )
    assert {r["claim_number"] for r in rows} == {"'=1+1"}
    assert safe_text("Blue Harbor") == "Blue Harbor"
    assert safe_text("\tcmd") == "'\tcmd"


# --- bad input: the form again, with the message at its field and the dates kept ------------


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("", "", "from", "Enter the first date"),
        ("2026-03-01", "", "to", "Enter the last date"),
        ("2026-02-30", "2026-03-31", "from", "Enter a real date"),
        ("yesterday", "2026-03-31", "from", "Enter a real date"),
        ("2026-03-31", "2026-03-01", "to", "before the first date"),
        ("2025-01-01", "2026-01-02", "to", "At most 366 days"),
        ("0001-01-01", "0001-12-31", "from", "must be between"),
    ],
)
def test_a_bad_range_shows_the_form_with_its_message(client, cast, start, end, field, message):
    response = _export(client, cast.biller, start, end)
    assert response.status_code == 400
    assert not response.streaming
    assert response["Content-Type"].startswith("text/html")
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    html = response.content.decode()
    assert f'value="{start}"' in html or not start  # what was typed is kept
    assert f'action="{reverse("billing_export")}"' in html
    assert AuditEntry.objects.filter(action="download").count() == 0


def test_a_leap_year_of_366_days_is_one_export(client, cast):
    assert _export(client, cast.biller, "2024-01-01", "2024-12-31").status_code == 200


def test_the_form_page_asks_for_the_csv(client, cast):
    client.force_login(cast.biller)
    response = client.get(reverse("billing_export_form"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="{reverse("billing_export")}"' in html
    assert 'name="from"' in html and 'name="to"' in html
    form = response.context["form"]  # last month, at first
    first, last = form.initial["from"], form.initial["to"]
    assert first.day == 1 and (last + dt.timedelta(days=1)).day == 1 and first <= last
    assert last < today() and (last + dt.timedelta(days=1)).month == today().month


@pytest.mark.parametrize("role", ["therapist", "frontdesk", "client_user", "physician_user"])
def test_no_other_role_gets_the_file_even_with_a_good_range(client, cast, four_payers, role):
    response = _export(client, getattr(cast, role), "2026-03-01", "2026-03-31")
    assert response.status_code == 403
    assert AuditEntry.objects.filter(action="download").count() == 0


def test_the_views_admit_exactly_the_roles_of_can_see_billing_reports():
    from django.urls import resolve

    from clinic.permissions import Can

    for name in ("billing_export", "billing_export_form", "billing_reports"):
        view = resolve(reverse(name)).func
        assert set(view.allowed_roles) == set(Can.see_billing_reports.fget.roles), name


def test_post_is_refused_after_the_role_check(client, cast):
    client.force_login(cast.frontdesk)
    assert client.post(reverse("billing_export")).status_code == 403
    client.force_login(cast.biller)
    assert client.post(reverse("billing_export")).status_code == 405


# --- queries: the same few however many lines ---------------------------------------------


def _lines(n: int) -> None:
    clinic_billing()
    therapist = TherapistBillingFactory().therapist
    payers = [
        CoverageFactory(insured=True),
        CoverageFactory(
            payer_type=PayerType.AUTO_PIP,
            payer=PayerFactory(kind=PayerType.AUTO_PIP),
            claim_number="C-1",
        ),
        None,
    ]
    for i in range(n):
        ChargeLineFactory(charge=posted_charge(coverage=payers[i % 3], rendering=therapist))


QUERY_LIMIT = 8  # session and user, the count, the audit entry, the clinic's NPI, the lines


@pytest.mark.parametrize("n", [3, 30])
def test_the_export_costs_the_same_queries_for_3_and_30_lines(
    client, cast, django_assert_max_num_queries, n
):
    _lines(n)
    client.force_login(cast.biller)
    with django_assert_max_num_queries(QUERY_LIMIT):
        response = client.get(reverse("billing_export"), {"from": "2026-03-01", "to": "2026-03-31"})
        text = b"".join(response.streaming_content).decode()
    assert len(text.splitlines()) == n + 1


def test_the_query_count_does_not_grow(client, cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.biller)
    counts = []
    for n in (3, 27):
        _lines(n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                reverse("billing_export"), {"from": "2026-03-01", "to": "2026-03-31"}
            )
            b"".join(response.streaming_content)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_icd10_follows_the_pointers_and_skips_what_points_nowhere():
    from billing.export import icd10
    from billing.models import Charge, ChargeLine

    charge = Charge(diagnoses=dx("M54.2", "M62.830"))
    assert icd10(ChargeLine(charge=charge, diagnosis_pointers="21")) == "M62.830;M54.2"
    assert icd10(ChargeLine(charge=charge, diagnosis_pointers="14")) == "M54.2"  # no 4th
    assert icd10(ChargeLine(charge=charge, diagnosis_pointers="")) == ""
