"""Writes of a client's coverage (who pays, in order) and of payers' authorizations. Each is one
transaction, checks the actor's permission again and leaves an audit entry."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from billing.models import Authorization, Coverage, PayerType
from clinic import audit
from clinic.clinic_time import today
from clinic.date_formats import day
from clinic.models import Client
from clinic.permissions import Can

COVERAGE_FIELDS = (
    "payer_type",
    "payer",
    "priority",
    "starts_on",
    "ends_on",
    "member_id",
    "group_number",
    "subscriber_name",
    "subscriber_relation",
    "subscriber_date_of_birth",
    "claim_number",
    "date_of_accident",
    "adjuster_name",
    "adjuster_phone",
    "employer",
    "date_of_injury",
    "case_manager",
    "signature_on_file_on",
)
AUTHORIZATION_FIELDS = ("number", "visits_approved", "starts_on", "ends_on", "note")


def _require(actor) -> None:
    if not Can(actor).edit_coverage:
        raise PermissionDenied("Only billing staff, the front desk and the admin edit coverage.")


def _is_current(coverage: Coverage, on: dt.date) -> bool:
    """Not ended by `on`: a coverage starting later is current too (it will be billed)."""
    return coverage.ends_on is None or coverage.ends_on >= on


def _check_priority(coverage: Coverage) -> None:
    """Priority unique among the client's current coverages."""
    on = today()
    if not _is_current(coverage, on):
        return
    clash = (
        # of=("self",): the payer is on the nullable side of the join, and PostgreSQL locks
        # no such row ("FOR UPDATE cannot be applied to the nullable side of an outer join").
        Coverage.objects.select_for_update(of=("self",))
        .filter(client_id=coverage.client_id, priority=coverage.priority)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .exclude(pk=coverage.pk)
        .select_related("payer")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "priority": f"{clash} (since {day(clash.starts_on)}) is billed "
                f"{coverage.priority} already: choose another place in the order, or end that "
                "coverage first."
            }
        )


def _check_payer(coverage: Coverage) -> None:
    if coverage.payer_type == PayerType.SELF_PAY:
        coverage.payer = None
        return
    if coverage.payer is None:
        raise ValidationError({"payer": "Choose who pays for this coverage."})
    if coverage.payer.kind != coverage.payer_type:
        raise ValidationError({"payer": f"{coverage.payer} does not pay this kind of coverage."})


def _save(coverage: Coverage) -> None:
    _check_payer(coverage)
    coverage.full_clean(exclude=["created_by", "client"])
    _check_priority(coverage)
    coverage.save()


@transaction.atomic
def coverage_add(*, actor, client: Client, data: dict) -> Coverage:
    _require(actor)
    coverage = Coverage(client=client, created_by=actor)
    for name in COVERAGE_FIELDS:
        if name in data:
            setattr(coverage, name, data[name])
    _save(coverage)
    audit.record(
        actor=actor,
        action="create",
        client=client,
        target=coverage,
        detail=f"coverage {coverage.priority}: {coverage.get_payer_type_display()}",
    )
    return coverage


@transaction.atomic
def coverage_update(*, actor, coverage: Coverage, data: dict) -> Coverage:
    _require(actor)
    coverage = Coverage.objects.select_for_update().get(pk=coverage.pk)
    changed = [
        name for name in COVERAGE_FIELDS if name in data and getattr(coverage, name) != data[name]
    ]
    for name in changed:
        setattr(coverage, name, data[name])
    _save(coverage)
    audit.record(
        actor=actor,
        action="update",
        client=coverage.client,
        target=coverage,
        detail=f"coverage changed: {', '.join(changed) or 'nothing'}",
    )
    return coverage


@transaction.atomic
def coverage_end(*, actor, coverage: Coverage, ends_on: dt.date) -> Coverage:
    _require(actor)
    coverage = Coverage.objects.select_for_update().get(pk=coverage.pk)
    if ends_on < coverage.starts_on:
        raise ValidationError(
            {"ends_on": f"The coverage started on {day(coverage.starts_on)}: it cannot end before."}
        )
    coverage.ends_on = ends_on
    coverage.save(update_fields=["ends_on", "updated_at"])
    audit.record(
        actor=actor,
        action="update",
        client=coverage.client,
        target=coverage,
        detail=f"coverage ended on {ends_on.isoformat()}",
    )
    return coverage


def _authorization_save(authorization: Authorization) -> None:
    authorization.full_clean(exclude=["created_by", "coverage"])
    clash = (
        Authorization.objects.filter(
            coverage_id=authorization.coverage_id, number__iexact=authorization.number
        )
        .exclude(pk=authorization.pk)
        .exists()
    )
    if clash:
        raise ValidationError(
            {"number": f"This coverage already has authorization {authorization.number}."}
        )
    authorization.save()


@transaction.atomic
def authorization_add(*, actor, coverage: Coverage, data: dict) -> Authorization:
    _require(actor)
    coverage = Coverage.objects.select_for_update().get(pk=coverage.pk)
    if coverage.payer_type == PayerType.SELF_PAY:
        raise ValidationError("Self-pay needs no authorization: no payer approves visits.")
    authorization = Authorization(coverage=coverage, created_by=actor)
    for name in AUTHORIZATION_FIELDS:
        if name in data:
            setattr(authorization, name, data[name])
    _authorization_save(authorization)
    audit.record(
        actor=actor,
        action="create",
        client=coverage.client,
        target=authorization,
        detail=f"authorization {authorization.number}: {authorization.visits_approved} visits",
    )
    return authorization


@transaction.atomic
def authorization_update(*, actor, authorization: Authorization, data: dict) -> Authorization:
    _require(actor)
    authorization = (
        Authorization.objects.select_for_update(of=("self",))
        .select_related("coverage__client")
        .get(pk=authorization.pk)
    )
    changed = [
        name
        for name in AUTHORIZATION_FIELDS
        if name in data and getattr(authorization, name) != data[name]
    ]
    for name in changed:
        setattr(authorization, name, data[name])
    _authorization_save(authorization)
    audit.record(
        actor=actor,
        action="update",
        client=authorization.coverage.client,
        target=authorization,
        detail=f"authorization changed: {', '.join(changed) or 'nothing'}",
    )
    return authorization
