"""Billing staff's reports (issue 18): accounts receivable aging by payer, revenue by month,
therapist and code, and the visits left on current authorizations.

Every figure is summed in the database (`values()` / `annotate()`) over the one definition of
amounts (`with_amounts()`, billing/querysets.py), so each report costs a fixed number of
queries however many charges there are. The selectors return plain dataclasses; the page only
lays them out.

Rows start from `visible_to(user)` like every billing read; the page is for billing staff and
the admin, who see every row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from billing.models import Authorization, Charge, ChargeLine, PayerType
from billing.models.money import ZERO, cents
from billing.querysets import NOTHING
from clinic.clinic_time import today

# --- accounts receivable aging ------------------------------------------------------------

# (label, first day of age, last day of age or None for "and older"), age = as_of - date of
# service in days. A service on the as-of day itself is 0 days old.
BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
BUCKET_LABELS = tuple(label for label, *_ in BUCKETS)


@dataclass(frozen=True)
class AgingRow:
    payer: str  # the payer's name, or "Self-pay"
    client: str  # for self-pay: the client who owes it; else ""
    payer_type: str
    buckets: tuple[Decimal, ...]  # one amount per BUCKETS entry

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO)


@dataclass(frozen=True)
class Aging:
    as_of: dt.date
    rows: list[AgingRow]
    labels: tuple[str, ...] = BUCKET_LABELS

    @property
    def totals(self) -> tuple[Decimal, ...]:
        columns = range(len(BUCKETS))
        return tuple(sum((r.buckets[i] for r in self.rows), ZERO) for i in columns)

    @property
    def total(self) -> Decimal:
        return sum(self.totals, ZERO)


def _bucket(as_of: dt.date):
    """The index in BUCKETS of a charge's age on `as_of` (None after `as_of`)."""
    whens = []
    for index, (_, first, last) in enumerate(BUCKETS):
        age = Q(date_of_service__lte=as_of - dt.timedelta(days=first))
        if last is not None:
            age &= Q(date_of_service__gte=as_of - dt.timedelta(days=last))
        whens.append(When(age, then=Value(index)))
    return Case(*whens, default=None, output_field=IntegerField())


def ar_aging(user, *, as_of: dt.date | None = None) -> Aging:
    """What is still owed on posted charges, by who owes it and by the age of the service on
    `as_of` (default: the clinic's today). Amounts are what is outstanding now (the one
    definition of what is owed has no date); `as_of` sets the day ages are counted from, and
    services after it are left out. Two queries: insurers, then self-paying clients; each sums
    `outstanding` once per (who, bucket) and the buckets are laid out here. (Summing it once
    per bucket column and filtering on it made PostgreSQL compute each charge's amounts
    twice: bench/billing.py.) Whoever owes nothing is not listed."""
    as_of = as_of or today()
    owed = (
        Charge.objects.visible_to(user)
        .posted()
        .filter(date_of_service__lte=as_of)
        .with_amounts()
        .annotate(bucket=_bucket(as_of))
    )
    insured = (
        owed.exclude(payer_type=PayerType.SELF_PAY)
        .values("payer_type", "coverage__payer_id", "coverage__payer__name", "bucket")
        .annotate(owed=Sum("outstanding"))
        .order_by("coverage__payer__name", "payer_type", "coverage__payer_id")
    )
    self_pay = (
        owed.filter(payer_type=PayerType.SELF_PAY)
        .values("client_id", "client__last_name", "client__first_name", "bucket")
        .annotate(owed=Sum("outstanding"))
        .order_by("client__last_name", "client__first_name", "client_id")
    )
    rows = [
        AgingRow(
            payer=row["coverage__payer__name"] or PayerType(row["payer_type"]).label,
            client="",
            payer_type=row["payer_type"],
            buckets=buckets,
        )
        for row, buckets in _by_owner(insured, ("payer_type", "coverage__payer_id"))
    ] + [
        AgingRow(
            payer=PayerType.SELF_PAY.label,
            client=f"{row['client__first_name']} {row['client__last_name']}",
            payer_type=PayerType.SELF_PAY,
            buckets=buckets,
        )
        for row, buckets in _by_owner(self_pay, ("client_id",))
    ]
    return Aging(as_of=as_of, rows=rows)


def _by_owner(rows, key: tuple[str, ...]) -> list[tuple[dict, tuple[Decimal, ...]]]:
    """(first row, amount per bucket) of each owner in the rows' order, owners owing nothing
    left out."""
    owners: dict = {}
    for row in rows:
        first, amounts = owners.setdefault(tuple(row[k] for k in key), (row, [ZERO] * len(BUCKETS)))
        if row["bucket"] is not None:
            amounts[row["bucket"]] += cents(row["owed"] or ZERO)
    return [(first, tuple(amounts)) for first, amounts in owners.values() if any(amounts)]


# --- revenue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevenueRow:
    label: str
    charged: Decimal
    credited: Decimal
    paid: Decimal
    month: dt.date | None = None  # the by-month rows: the month's first day


def _total(rows: list[RevenueRow]) -> RevenueRow:
    return RevenueRow(
        label="Total",
        charged=sum((r.charged for r in rows), ZERO),
        credited=sum((r.credited for r in rows), ZERO),
        paid=sum((r.paid for r in rows), ZERO),
    )


@dataclass(frozen=True)
class RevenueTable:
    title: str
    heading: str  # of the rows' label column
    rows: list[RevenueRow]

    @property
    def total(self) -> RevenueRow:
        return _total(self.rows)


@dataclass(frozen=True)
class Revenue:
    start: dt.date
    end: dt.date
    by_month: list[RevenueRow]
    by_therapist: list[RevenueRow]
    by_code: list[RevenueRow]

    @property
    def total(self) -> RevenueRow:
        return _total(self.by_month)

    @property
    def tables(self) -> list[RevenueTable]:
        return [
            RevenueTable("By month of service", "Month", self.by_month),
            RevenueTable("By rendering therapist", "Therapist", self.by_therapist),
            RevenueTable("By CPT code", "Code", self.by_code),
        ]

    @property
    def credited_to_whole_charges(self) -> Decimal:
        """Credit notes on a whole charge rather than one line: in the month and therapist
        tables, but in no code's row."""
        return self.total.credited - _total(self.by_code).credited


def _sums(charged: str) -> dict:
    return {
        "charged_sum": Coalesce(Sum(charged), NOTHING),
        "credited_sum": Coalesce(Sum("credited"), NOTHING),
        "paid_sum": Coalesce(Sum("paid"), NOTHING),
    }


def _added_up(cells: list[dict], key: tuple[str, ...], *, order) -> list[dict]:
    """The cells' sums added up by `key`, each group keeping its first cell's other values,
    in `order`."""
    groups: dict = {}
    for cell in cells:
        group_key = tuple(cell[k] for k in key)
        if group_key not in groups:
            groups[group_key] = {**cell}
            continue
        for name in ("charged_sum", "credited_sum", "paid_sum"):
            groups[group_key][name] += cell[name]
    return sorted(groups.values(), key=order)


def _revenue_row(label: str, row: dict, **extra) -> RevenueRow:
    return RevenueRow(
        label=label,
        # Two places whatever the database hands back (SQLite's sums drop trailing zeros).
        charged=cents(row["charged_sum"]),
        credited=cents(row["credited_sum"]),
        paid=cents(row["paid_sum"]),
        **extra,
    )


def revenue(user, *, start: dt.date, end: dt.date) -> Revenue:
    """Posted charges with a date of service in [start, end] (drafts and voids left out):
    charged (their lines' amounts), credited (credit notes) and paid (payments allocated to
    their lines), by month of service, by rendering therapist and by CPT code. Credits and
    payments count toward the service they were for, whenever they were received. Two
    queries: the charges' sums by month and therapist at once (each charge's amounts are
    computed once; the month and therapist tables are added up here), then the lines' by
    code."""
    charges = (
        Charge.objects.visible_to(user)
        .posted()
        .filter(date_of_service__range=(start, end))
        .with_amounts()
    )
    cells = list(
        charges.annotate(month=TruncMonth("date_of_service"))
        .values(
            "month", "rendering_id", "rendering__user__first_name", "rendering__user__last_name"
        )
        .annotate(**_sums("total"))
        .order_by()
    )
    months = _added_up(cells, ("month",), order=lambda r: r["month"])
    therapists = _added_up(
        cells,
        ("rendering_id",),
        order=lambda r: (
            r["rendering__user__last_name"],
            r["rendering__user__first_name"],
            str(r["rendering_id"]),
        ),
    )
    codes = (
        ChargeLine.objects.visible_to(user)
        .filter(charge__status=Charge.Status.POSTED, charge__date_of_service__range=(start, end))
        .with_amounts()
        .values("billing_code__code", "billing_code__description")
        .annotate(**_sums("amount"))
        .order_by("billing_code__code")
    )
    return Revenue(
        start=start,
        end=end,
        by_month=[_revenue_row(f"{r['month']:%B %Y}", r, month=r["month"]) for r in months],
        by_therapist=[
            _revenue_row(f"{r['rendering__user__first_name']} {r['rendering__user__last_name']}", r)
            for r in therapists
        ],
        by_code=[
            _revenue_row(
                f"{r['billing_code__code']} {r['billing_code__description']}"
                if r["billing_code__code"]
                else "No code (no-show fees)",
                r,
            )
            for r in codes
        ],
    )


# --- visits left on authorizations ----------------------------------------------------------

FEW_VISITS_LEFT = 2
ENDS_SOON_DAYS = 14


@dataclass(frozen=True)
class AuthorizationLeft:
    client_id: object
    client: str
    payer: str
    number: str
    approved: int
    used: int
    ends_on: dt.date
    few_left: bool
    ends_soon: bool

    @property
    def left(self) -> int:
        return self.approved - self.used

    @property
    def over(self) -> int:
        """Visits used beyond those approved (0 when within)."""
        return max(0, self.used - self.approved)

    @property
    def marked(self) -> bool:
        return self.few_left or self.ends_soon


def visits_left(user, *, on: dt.date | None = None) -> list[AuthorizationLeft]:
    """Each authorization current on `on` (default: the clinic's today) with the visits used
    (live charges under it: drafts and posted, not voids) and left, fewest left first; marked
    when FEW_VISITS_LEFT or fewer are left or it ends within ENDS_SOON_DAYS days. One query."""
    on = on or today()
    used = (
        Charge.objects.live()
        .filter(authorization=OuterRef("pk"))
        .order_by()
        .values("authorization")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Authorization.objects.visible_to(user)
        .filter(starts_on__lte=on, ends_on__gte=on)
        .annotate(used=Coalesce(Subquery(used), 0))
        .annotate(left=F("visits_approved") - F("used"))
        .select_related("coverage__client", "coverage__payer")
        .order_by("left", "ends_on", "number")
    )
    soon = on + dt.timedelta(days=ENDS_SOON_DAYS)
    return [
        AuthorizationLeft(
            client_id=a.coverage.client_id,
            client=str(a.coverage.client),
            payer=str(a.coverage),
            number=a.number,
            approved=a.visits_approved,
            used=a.used,
            ends_on=a.ends_on,
            few_left=a.left <= FEW_VISITS_LEFT,
            ends_soon=a.ends_on <= soon,
        )
        for a in rows
    ]
