"""Billing reports (issue 18, item 9): accounts receivable aging at the bucket edges, revenue
sums by month, therapist and code, visits left on current authorizations; bad dates at their
field; the read audited; a fixed number of queries however many rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import CreditNote, PayerType, PaymentAllocation
from billing.selectors.reports import ar_aging, revenue, visits_left
from billing.tests.factories import (
    AuthorizationFactory,
    ChargeFactory,
    ChargeLineFactory,
    CoverageFactory,
    PackageFactory,
    PayerFactory,
    PaymentFactory,
    TherapistBillingFactory,
    code,
)
from billing.tests.test_export import posted_charge
from clinic.clinic_time import today
from clinic.models import AuditEntry
from clinic.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 30)
D = Decimal


def _line(charge, amount: str, **extra):
    return ChargeLineFactory(charge=charge, units=1, unit_fee=D(amount), **extra)


def _pay(line, amount: str, user):
    payment = PaymentFactory(client=line.charge.client, amount=D(amount))
    PaymentAllocation.objects.create(
        payment=payment, line=line, amount=D(amount), allocated_by=user
    )


def _credit(charge, amount: str, user, line=None):
    CreditNote.objects.create(
        number=f"CN-{CreditNote.objects.count() + 1}",
        charge=charge,
        line=line,
        amount=D(amount),
        reason="courtesy",
        created_by=user,
    )


# --- accounts receivable aging --------------------------------------------------------------


def test_aging_buckets_at_their_edges(cast):
    coverage = CoverageFactory(insured=True, payer__name="Blue Harbor Health")
    # Ages in days -> an amount each, powers of two so every bucket's sum says who is in it.
    for age, amount in [
        (0, 1),
        (30, 2),
        (31, 4),
        (60, 8),
        (61, 16),
        (90, 32),
        (91, 64),
        (400, 128),
    ]:
        _line(posted_charge(coverage=coverage, day=AS_OF - dt.timedelta(age)), f"{amount}.00")
    _line(posted_charge(coverage=coverage, day=AS_OF + dt.timedelta(1)), "1000.00")  # later

    aging = ar_aging(cast.biller, as_of=AS_OF)
    (row,) = aging.rows
    assert (row.payer, row.client, row.payer_type) == ("Blue Harbor Health", "", "commercial")
    assert row.buckets == (D("3.00"), D("12.00"), D("48.00"), D("192.00"))
    assert row.total == D("255.00")
    assert [str(amount) for amount in row.buckets] == ["3.00", "12.00", "48.00", "192.00"]
    assert aging.totals == row.buckets and aging.total == D("255.00")
    assert aging.labels == ("0-30", "31-60", "61-90", "90+")


def test_aging_is_what_is_still_owed_by_payer_with_self_pay_by_client(cast):
    blue = CoverageFactory(insured=True, payer__name="Blue Harbor Health")
    auto = CoverageFactory(
        payer_type=PayerType.AUTO_PIP,
        payer=PayerFactory(name="Keystone Auto", kind=PayerType.AUTO_PIP),
        claim_number="PIP-1",
    )
    ada = ClientFactory(user=None, first_name="Ada", last_name="Zeller")
    ben = ClientFactory(user=None, first_name="Ben", last_name="Abbott")
    day = AS_OF - dt.timedelta(10)
    old = AS_OF - dt.timedelta(45)
    partly = _line(posted_charge(coverage=blue, day=day), "100.00")
    _pay(partly, "30.00", cast.biller)
    _credit(partly.charge, "10.00", cast.biller, line=partly)
    _line(posted_charge(coverage=blue, day=old), "50.00")
    paid_up = _line(posted_charge(coverage=auto, day=day), "40.00")
    _pay(paid_up, "40.00", cast.biller)  # nothing owed: not listed
    _line(posted_charge(coverage=auto, day=old), "70.00")
    for client, amount in ((ada, "25.00"), (ben, "35.00")):
        charge = ChargeFactory(
            appointment__client=client, date_of_service=day, status="posted", payer_type="self_pay"
        )
        _line(charge, amount)
    from_package = ChargeFactory(
        appointment__client=ada, date_of_service=day, status="posted", payer_type="self_pay",
        package=PackageFactory(client=ada),
    )  # fmt: skip
    _line(from_package, "95.00")  # paid from a package: owes nothing
    for status in ("draft", "void"):
        _line(
            ChargeFactory(date_of_service=day, status=status, void_reason="x" * (status == "void")),
            "500.00",
        )

    aging = ar_aging(cast.admin, as_of=AS_OF)
    zero = D("0.00")
    assert [(r.payer, r.client, r.buckets) for r in aging.rows] == [
        ("Blue Harbor Health", "", (D("60.00"), D("50.00"), zero, zero)),
        ("Keystone Auto", "", (zero, D("70.00"), zero, zero)),
        ("Self-pay", "Ben Abbott", (D("35.00"), zero, zero, zero)),
        ("Self-pay", "Ada Zeller", (D("25.00"), zero, zero, zero)),
    ]
    assert aging.total == D("240.00")


def test_aging_as_of_defaults_to_the_clinics_today_and_is_validated(client, cast):
    client.force_login(cast.biller)
    response = client.get(reverse("billing_reports"))
    assert response.status_code == 200
    assert response.context["aging"].as_of == today()

    response = client.get(reverse("billing_reports"), {"as_of": "2026-02-30"})
    assert response.status_code == 400
    assert response.context["aging"] is None
    assert "Enter a real date" in response.context["as_of_form"].errors["as_of"][0]
    assert 'value="2026-02-30"' in response.content.decode()  # what was typed is kept
    assert response.context["revenue"] is not None  # the other sections are still shown

    response = client.get(reverse("billing_reports"), {"as_of": "2026-05-31"})
    assert response.context["aging"].as_of == dt.date(2026, 5, 31)


# --- revenue --------------------------------------------------------------------------------


def test_revenue_by_month_therapist_and_code(cast):
    year = 2026
    north = TherapistBillingFactory(
        therapist__user__first_name="Nell", therapist__user__last_name="North"
    ).therapist
    south = TherapistBillingFactory(
        therapist__user__first_name="Sam", therapist__user__last_name="South"
    ).therapist
    jan, mar = dt.date(year, 1, 15), dt.date(year, 3, 3)
    a = posted_charge(day=jan, rendering=north)
    a1 = _line(a, "60.00")  # 97124
    a2 = _line(a, "40.00", billing_code=code("97140"), position=2)
    b = posted_charge(day=mar, rendering=south)
    b1 = _line(b, "90.00", billing_code=code("97140"))
    c = posted_charge(day=dt.date(year, 3, 31), rendering=north)
    _line(c, "10.00", billing_code=code("97010"), timed_minutes=None)
    _pay(a1, "60.00", cast.biller)
    _pay(b1, "50.00", cast.biller)
    _credit(a, "5.00", cast.biller, line=a2)  # on a line
    _credit(b, "15.00", cast.biller)  # on the whole charge: in no code's row
    # Left out: a draft, a void, and services outside the range.
    _line(ChargeFactory(date_of_service=jan, status="draft", rendering=north), "700.00")
    _line(ChargeFactory(date_of_service=jan, status="void", void_reason="twice"), "700.00")
    _line(posted_charge(day=dt.date(year - 1, 12, 31), rendering=north), "700.00")
    _line(posted_charge(day=dt.date(year + 1, 1, 1), rendering=north), "700.00")

    report = revenue(cast.biller, start=dt.date(year, 1, 1), end=dt.date(year, 12, 31))

    def table(rows):
        return [(r.label, r.charged, r.credited, r.paid) for r in rows]

    zero = D("0.00")
    assert table(report.by_month) == [
        ("January 2026", D("100.00"), D("5.00"), D("60.00")),
        ("March 2026", D("100.00"), D("15.00"), D("50.00")),
    ]
    assert report.by_month[0].month == dt.date(year, 1, 1)
    assert [str(r.charged) for r in report.by_month] == ["100.00", "100.00"]  # as money shows
    assert table(report.by_therapist) == [
        ("Nell North", D("110.00"), D("5.00"), D("60.00")),
        ("Sam South", D("90.00"), D("15.00"), D("50.00")),
    ]
    assert [(label[:5], *rest) for label, *rest in table(report.by_code)] == [
        ("97010", D("10.00"), zero, zero),
        ("97124", D("60.00"), zero, D("60.00")),
        ("97140", D("130.00"), D("5.00"), D("50.00")),
    ]
    total = report.total
    assert (total.charged, total.credited, total.paid) == (D("200.00"), D("20.00"), D("110.00"))
    assert report.credited_to_whole_charges == D("15.00")
    assert [t.total.charged for t in report.tables] == [D("200.00")] * 3


def test_revenue_defaults_to_this_year_and_refuses_a_backward_range(client, cast):
    client.force_login(cast.biller)
    response = client.get(reverse("billing_reports"))
    year = today().year
    assert (response.context["revenue"].start, response.context["revenue"].end) == (
        dt.date(year, 1, 1), dt.date(year, 12, 31),
    )  # fmt: skip

    response = client.get(reverse("billing_reports"), {"from": "2026-05-01", "to": "2026-04-01"})
    assert response.status_code == 400
    assert response.context["revenue"] is None
    assert "before the first date" in response.context["range_form"].errors["to"][0]
    html = response.content.decode()
    assert 'value="2026-05-01"' in html and 'value="2026-04-01"' in html
    assert response.context["aging"] is not None

    response = client.get(reverse("billing_reports"), {"from": "2026-04-01"})  # to: year's end
    assert (response.context["revenue"].start, response.context["revenue"].end) == (
        dt.date(2026, 4, 1), dt.date(year, 12, 31),
    )  # fmt: skip


# --- visits left on authorizations ------------------------------------------------------------


def _used(authorization, n: int, status="posted"):
    for _ in range(n):
        ChargeFactory(
            authorization=authorization,
            appointment__client=authorization.coverage.client,
            status=status,
            void_reason="twice" if status == "void" else "",
        )


def test_visits_left_fewest_first_with_the_close_ones_marked(cast):
    on = today()
    far = on + dt.timedelta(days=200)
    nearly_used = AuthorizationFactory(
        number="A-LOW", visits_approved=12, starts_on=on - dt.timedelta(30), ends_on=far,
        coverage__client__first_name="Lena", coverage__client__last_name="Low",
    )  # fmt: skip
    _used(nearly_used, 8)
    _used(nearly_used, 2, status="draft")  # drafts are live: used
    _used(nearly_used, 3, status="void")  # voids are not
    ending = AuthorizationFactory(
        number="A-END", visits_approved=12, starts_on=on, ends_on=on + dt.timedelta(14)
    )
    _used(ending, 1)
    roomy = AuthorizationFactory(
        number="A-ROOMY", visits_approved=20, starts_on=on - dt.timedelta(1),
        ends_on=on + dt.timedelta(15),
    )  # fmt: skip
    _used(roomy, 3)
    over = AuthorizationFactory(number="A-OVER", visits_approved=2, ends_on=far)
    _used(over, 3)
    AuthorizationFactory(
        number="ENDED", starts_on=on - dt.timedelta(60), ends_on=on - dt.timedelta(1)
    )
    AuthorizationFactory(number="LATER", starts_on=on + dt.timedelta(1), ends_on=far)

    rows = visits_left(cast.biller)
    assert [(r.number, r.approved, r.used, r.left, r.marked) for r in rows] == [
        ("A-OVER", 2, 3, -1, True),
        ("A-LOW", 12, 10, 2, True),
        ("A-END", 12, 1, 11, True),  # ends within 14 days
        ("A-ROOMY", 20, 3, 17, False),  # ends in 15 days
    ]
    assert rows[0].over == 1 and rows[1].over == 0
    assert (rows[1].client, rows[1].few_left, rows[1].ends_soon) == ("Lena Low", True, False)
    assert (rows[2].few_left, rows[2].ends_soon) == (False, True)
    assert rows[1].payer == str(nearly_used.coverage.payer)


# --- the page -------------------------------------------------------------------------------


def test_the_page_shows_the_three_reports_and_audits_the_read(client, cast):
    on = today()
    coverage = CoverageFactory(client=cast.client, payer_type="self_pay")
    _line(posted_charge(coverage=coverage, day=on - dt.timedelta(3)), "45.00")
    authorization = AuthorizationFactory(
        coverage__client=cast.client2,
        number="WC-AUTH-9",
        visits_approved=3,
        ends_on=on + dt.timedelta(100),
    )
    _used(authorization, 2)
    client.force_login(cast.biller)
    response = client.get(reverse("billing_reports"), REMOTE_ADDR="203.0.113.5")
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Accounts receivable aging",
        "Self-pay / Oriana Quillfeather",
        "45.00",
        "Revenue",
        "Visits left on authorizations",
        "Bastian Wrenhollow",
        "WC-AUTH-9",
        "1 left",
        'class="table-warning"',
        reverse("billing_export_form"),
    ):
        assert text in html, text
    entry = AuditEntry.objects.get(action="list", actor=cast.biller)
    assert entry.client is None and entry.ip_address == "203.0.113.5"
    assert "billing reports" in entry.detail and "1 current authorizations" in entry.detail


def _rows_of_everything(n: int, biller) -> None:
    """`n` of every kind of row each report reads: charges of several payers, therapists and
    codes over several months, with payments and credits, and authorizations in use."""
    therapists = [TherapistBillingFactory().therapist for _ in range(2)]
    coverages = [CoverageFactory(insured=True), None]
    codes = [code("97124"), code("97140"), code("97010")]
    on = today()
    for i in range(n):
        charge = posted_charge(
            coverage=coverages[i % 2],
            rendering=therapists[i % 2],
            day=on - dt.timedelta(days=17 * i),
        )
        line = _line(charge, "30.00", billing_code=codes[i % 3])
        _pay(line, "10.00", biller)
        _credit(charge, "1.00", biller)
        _used(AuthorizationFactory(ends_on=on + dt.timedelta(days=i + 1)), 1)


EVERY_YEAR = {"from": "2020-01-01", "to": "2026-12-31"}


@pytest.mark.parametrize("n", [3, 30])
def test_the_page_costs_the_same_queries_for_3_and_30_rows(
    client, cast, django_assert_max_num_queries, n
):
    _rows_of_everything(n, cast.biller)
    client.force_login(cast.biller)
    with django_assert_max_num_queries(10):
        response = client.get(
            reverse("billing_reports"), {"from": "2020-01-01", "to": "2026-12-31"}
        )
    assert response.status_code == 200
    assert len(response.context["authorizations"]) == n


def test_the_query_count_does_not_grow(client, cast):
    client.force_login(cast.biller)
    counts = []
    for n in (3, 27):
        _rows_of_everything(n, cast.biller)
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("billing_reports"), EVERY_YEAR)
        counts.append(len(queries))
    assert counts[0] == counts[1]
