"""The access rule for billing records (issue 18; DESIGN.md, "Who may see what").

- Billing staff and the admin: every row.
- The front desk: coverage, payments, invoices, packages and posted charges (balances are made
  of them); the selectors leave out what is clinical (diagnosis codes).
- A therapist: the charges drafted from their own notes, and those charges' lines; every
  authorization (the visits approved are part of planning care).
- A client: their own rows (charges once posted).
- A physician: nothing. Billing is never part of the care team's view.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Case, Count, F, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Round

from clinic.roles import BILLING_ROLES, Role, role_of


class BillingQuerySet(models.QuerySet):
    client_lookup = "client"
    # The path to the rendering therapist's user, for rows a therapist may read (None: none).
    therapist_lookup: str | None = None
    # Extra filter for what the front desk and the client see (e.g. posted charges only).
    shared_only: dict | None = None
    front_desk_reads = True
    # Rows every therapist reads (not only those of their own notes).
    therapists_read_all = False

    def visible_to(self, user) -> models.QuerySet:
        role = role_of(user)
        if role in BILLING_ROLES:
            return self
        if role == Role.FRONT_DESK and self.front_desk_reads:
            return self._shared()
        if role == Role.THERAPIST and self.therapists_read_all:
            return self
        if role == Role.THERAPIST and self.therapist_lookup:
            return self.filter(**{self.therapist_lookup: user})
        if role == Role.CLIENT:
            return self._shared().filter(**{f"{self.client_lookup}__user": user})
        return self.none()

    def _shared(self) -> models.QuerySet:
        return self.filter(**self.shared_only) if self.shared_only else self


class CoverageQuerySet(BillingQuerySet):
    def current_on(self, day) -> CoverageQuerySet:
        return self.filter(starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


class AuthorizationQuerySet(BillingQuerySet):
    """Therapists read authorizations too: they plan the visits a payer approved (the plan
    page shows them the visits used and left, not the payer's ids)."""

    client_lookup = "coverage__client"
    therapists_read_all = True


class ChargeQuerySet(BillingQuerySet):
    therapist_lookup = "rendering__user"
    shared_only = {"status__in": ["posted", "void"]}

    def posted(self) -> ChargeQuerySet:
        return self.filter(status="posted")

    def live(self) -> ChargeQuerySet:
        """Drafts and posted charges: not voided."""
        return self.exclude(status="void")

    def with_amounts(self) -> ChargeQuerySet:
        """`total` (its lines), `credited`, `paid` and `outstanding` on each charge."""
        from billing.models import ChargeLine, CreditNote, PaymentAllocation

        return self.annotate(
            total=sum_of(ChargeLine.objects.all(), "charge"),
            credited=sum_of(CreditNote.objects.all(), "charge"),
            paid=sum_of(PaymentAllocation.objects.all(), "line__charge"),
        ).annotate(
            outstanding=_owed(
                F("total") - F("credited") - F("paid"), posted="status", package="package"
            )
        )


class ChargeLineQuerySet(BillingQuerySet):
    client_lookup = "charge__client"
    therapist_lookup = "charge__rendering__user"
    shared_only = {"charge__status__in": ["posted", "void"]}

    def with_amounts(self) -> ChargeLineQuerySet:
        """`credited`, `paid` and `outstanding` on each line."""
        from billing.models import CreditNote, PaymentAllocation

        return self.annotate(
            credited=sum_of(CreditNote.objects.all(), "line"),
            paid=sum_of(PaymentAllocation.objects.all(), "line"),
        ).annotate(
            outstanding=_owed(
                F("amount") - F("credited") - F("paid"),
                posted="charge__status",
                package="charge__package",
            )
        )


class CreditNoteQuerySet(BillingQuerySet):
    client_lookup = "charge__client"


class InvoiceQuerySet(BillingQuerySet):
    pass


class PackageQuerySet(BillingQuerySet):
    def with_amounts(self) -> PackageQuerySet:
        """`paid`, `outstanding` (of the price) and `visits_used` on each package."""
        from billing.models import PaymentAllocation

        return self.annotate(
            paid=sum_of(PaymentAllocation.objects.all(), "package"),
            visits_used=Count("uses", distinct=True),
        ).annotate(outstanding=to_cents(F("price") - F("paid")))


class PaymentQuerySet(BillingQuerySet):
    def with_amounts(self) -> PaymentQuerySet:
        """`allocated`, `refunded` and `unallocated` (credit on account) on each payment."""
        from billing.models import PaymentAllocation, Refund

        return self.annotate(
            allocated=sum_of(PaymentAllocation.objects.all(), "payment"),
            refunded=sum_of(Refund.objects.all(), "payment"),
        ).annotate(unallocated=to_cents(F("amount") - F("allocated") - F("refunded")))


class PaymentAllocationQuerySet(BillingQuerySet):
    client_lookup = "payment__client"


class RefundQuerySet(BillingQuerySet):
    client_lookup = "payment__client"


# --- amounts: what is owed, credited, paid ----------------------------------------------------
# One definition, used by balances, invoices, the aging report and the export. Sums come from
# correlated subqueries, not joins, so a line with two payments and a credit is not counted
# twice, and a list costs one query whatever its length. A charge is owed once posted; a draft,
# a void or a visit paid from a package owes nothing.

MONEY = models.DecimalField(max_digits=12, decimal_places=2)
NOTHING = Value(Decimal("0.00"), output_field=MONEY)


def to_cents(expression):
    """`expression` rounded to the cent in the database. PostgreSQL's numeric is exact; SQLite
    adds decimals as floating point (60 - 0.01 - 59.99 is not 0 there), and rounding puts the
    cents back before anyone compares or adds them up."""
    return Round(expression, 2, output_field=MONEY)


def sum_of(rows: models.QuerySet, link: str, value: str = "amount"):
    """The sum of `value` over `rows` whose `link` is the outer row (0 when there are none)."""
    total = (
        rows.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(total=Sum(value))
        .values("total")
    )
    return to_cents(Coalesce(Subquery(total, output_field=MONEY), NOTHING, output_field=MONEY))


def _owed(amount, *, posted: str, package: str):
    """`amount` where the charge is posted and not paid from a package, else 0."""
    return Case(
        When(**{posted: "posted", f"{package}__isnull": True}, then=to_cents(amount)),
        default=NOTHING,
        output_field=MONEY,
    )
