"""The billing clients list: each client with the coverage billed first today and their
balance, in a fixed number of queries whatever the page's length."""

from __future__ import annotations

from dataclasses import dataclass

from billing.models import Coverage
from billing.selectors.balances import Balance, client_balances
from clinic.clinic_time import today


@dataclass(frozen=True)
class ClientBillingRow:
    client: object
    pays_first: Coverage | None
    balance: Balance


def client_billing_rows(user, clients: list) -> list[ClientBillingRow]:
    balances = client_balances(clients, user=user)
    first: dict = {}
    current = (
        Coverage.objects.visible_to(user)
        .filter(client__in=clients)
        .current_on(today())
        .select_related("payer")
        .order_by("client", "priority", "starts_on")
    )
    for coverage in current:
        first.setdefault(coverage.client_id, coverage)
    return [
        ClientBillingRow(client=c, pays_first=first.get(c.pk), balance=balances[c.pk])
        for c in clients
    ]
