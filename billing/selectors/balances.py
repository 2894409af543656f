"""What a client owes (issue 18): the one balance, for one client or many.

    balance = what their posted self-pay charges still owe (a visit paid from a package owes
              nothing; a draft or a void neither)
            + what their packages' prices still owe
            - their credit: money they paid that is neither allocated nor refunded

Every amount comes from `with_amounts()` (billing/querysets.py), the one definition of what is
owed and paid; this module only adds them up per client. Insurance charges are the payer's to
pay, not the client's: they are shown apart (`insurance_outstanding`), never in the balance.
Likewise a payer's payment not yet allocated is the payer's money, not the client's credit.

Callers decide which clients the viewer may see; `user` (when given) narrows each read to
`visible_to(user)` as well, so a page never adds up rows its viewer may not read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum

from billing.models import Charge, Package, PayerType, Payment, PaymentMethod
from billing.models.money import ZERO, cents


@dataclass(frozen=True)
class Balance:
    charges_due: Decimal = ZERO  # posted self-pay charges, not from a package
    packages_due: Decimal = ZERO  # packages' prices not yet paid
    credit: Decimal = ZERO  # the client's payments not allocated nor refunded
    insurance_outstanding: Decimal = ZERO  # payers' part: shown, not owed by the client

    @property
    def owed(self) -> Decimal:
        """What the client owes; negative when their credit is larger (see `in_credit`)."""
        return self.charges_due + self.packages_due - self.credit

    @property
    def in_credit(self) -> bool:
        return self.owed < ZERO

    @property
    def credit_left(self) -> Decimal:
        """The credit beyond what is owed, as a positive amount."""
        return -self.owed if self.in_credit else ZERO


def client_balance(client, *, user=None) -> Balance:
    """`client`'s balance (3 queries)."""
    return client_balances([client], user=user)[client.pk]


def client_balances(clients: Iterable, *, user=None) -> dict:
    """{client id: Balance} for every client given, in 3 queries whatever their number."""
    ids = [getattr(client, "pk", client) for client in clients]
    charges = _sums(
        _rows(Charge.objects, user).posted().with_amounts(),
        ids,
        due=Sum("outstanding", filter=Q(payer_type=PayerType.SELF_PAY)),
        insurance=Sum("outstanding", filter=~Q(payer_type=PayerType.SELF_PAY)),
    )
    packages = _sums(_rows(Package.objects, user).with_amounts(), ids, due=Sum("outstanding"))
    credit = _sums(
        _rows(Payment.objects, user).filter(method__kind=PaymentMethod.Kind.CLIENT).with_amounts(),
        ids,
        credit=Sum("unallocated"),
    )
    return {
        pk: Balance(
            charges_due=_cents(charges, pk, "due"),
            packages_due=_cents(packages, pk, "due"),
            credit=_cents(credit, pk, "credit"),
            insurance_outstanding=_cents(charges, pk, "insurance"),
        )
        for pk in ids
    }


def _cents(sums: dict, pk, name: str) -> Decimal:
    # To the cent: SQLite's sums of differences come back as 60 or 59.99999999999999.
    return cents(sums.get(pk, {}).get(name) or ZERO)


def _rows(manager, user):
    return manager.visible_to(user) if user is not None else manager.all()


def _sums(rows, ids, **sums) -> dict:
    """{client id: {name: sum}} over `rows` of these clients, grouped in the database."""
    grouped = rows.filter(client__in=ids).order_by().values("client").annotate(**sums)
    return {row.pop("client"): row for row in grouped}
