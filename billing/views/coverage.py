"""A client's coverage (who pays, in order) and its authorizations: the list, add, edit, end;
add and edit an authorization. For the roles of `Can.edit_coverage` (they read it too)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from billing.forms.coverage import (
    FIELDS_BY_TYPE,
    AuthorizationForm,
    CoverageEndForm,
    CoverageForm,
)
from billing.models import Authorization, Coverage, PayerType
from billing.selectors.coverage import coverage_rows
from billing.services import coverage as services
from clinic import audit
from clinic.clinic_time import today
from clinic.models import Client
from clinic.permissions import Can, role_required
from clinic.submissions import creates_once, saved

EDITORS = tuple(Can.edit_coverage.fget.roles)


def _client(request, client_id) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)


def _coverage(request, coverage_id) -> Coverage:
    return get_object_or_404(
        Coverage.objects.visible_to(request.user).select_related("client", "payer"),
        pk=coverage_id,
    )


def _attach(error: ValidationError, form) -> None:
    """A service's refusal, at its field when it names one the form has."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


@role_required(*EDITORS)
def coverage_list(request, client_id):
    client = _client(request, client_id)
    rows = coverage_rows(request.user, client)
    audit.record(actor=request.user, action="view", client=client, detail="coverage")
    return render(
        request,
        "billing/coverage/list.html",
        {"client": client, "rows": rows, "today": today(), "end_form": CoverageEndForm()},
    )


def _form_page(request, *, client, form, coverage=None, status=200):
    return render(
        request,
        "billing/coverage/form.html",
        {
            "client": client,
            "form": form,
            "coverage": coverage,
            "fields_by_type": {kind.value: names for kind, names in FIELDS_BY_TYPE.items()},
            "payer_types": PayerType,
        },
        status=status,
    )


@role_required(*EDITORS)
@creates_once
def coverage_new(request, client_id):
    client = _client(request, client_id)
    taken = set(
        Coverage.objects.visible_to(request.user)
        .filter(client=client)
        .current_on(today())
        .values_list("priority", flat=True)
    )
    first_free = next(n for n in range(1, len(taken) + 2) if n not in taken)
    form = CoverageForm(
        request.POST or None,
        instance=Coverage(client=client),
        initial={"priority": first_free, "starts_on": today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.coverage_add(actor=request.user, client=client, data=form.coverage_data())
        except ValidationError as error:
            _attach(error, form)
        else:
            messages.success(request, "Coverage added.")
            return saved(redirect("billing_coverage_list", client_id=client.pk))
    return _form_page(request, client=client, form=form)


@role_required(*EDITORS)
def coverage_edit(request, coverage_id):
    coverage = _coverage(request, coverage_id)
    form = CoverageForm(request.POST or None, instance=Coverage.objects.get(pk=coverage.pk))
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=coverage.client, target=coverage)
    if request.method == "POST" and form.is_valid():
        try:
            services.coverage_update(
                actor=request.user, coverage=coverage, data=form.coverage_data()
            )
        except ValidationError as error:
            _attach(error, form)
        else:
            messages.success(request, "Coverage saved.")
            return redirect("billing_coverage_list", client_id=coverage.client_id)
    return _form_page(request, client=coverage.client, form=form, coverage=coverage)


@role_required(*EDITORS)
@require_POST
def coverage_end(request, coverage_id):
    coverage = _coverage(request, coverage_id)
    form = CoverageEndForm(request.POST)
    if form.is_valid():
        try:
            services.coverage_end(
                actor=request.user, coverage=coverage, ends_on=form.cleaned_data["ends_on"]
            )
        except ValidationError as error:
            _attach(error, form)
    if form.errors:
        client = coverage.client
        return render(
            request,
            "billing/coverage/list.html",
            {
                "client": client,
                "rows": coverage_rows(request.user, client),
                "today": today(),
                "end_form": CoverageEndForm(),
                "failed_end": form,
                "failed_coverage": coverage,
            },
        )
    messages.success(request, f"{coverage} ends on {form.cleaned_data['ends_on']:%d %b %Y}.")
    return redirect("billing_coverage_list", client_id=coverage.client_id)


def _authorization_page(request, *, coverage, form, authorization=None):
    return render(
        request,
        "billing/coverage/authorization_form.html",
        {
            "client": coverage.client,
            "coverage": coverage,
            "form": form,
            "authorization": authorization,
        },
    )


@role_required(*EDITORS)
@creates_once
def authorization_new(request, coverage_id):
    coverage = _coverage(request, coverage_id)
    if coverage.payer_type == PayerType.SELF_PAY:
        messages.info(request, "Self-pay needs no authorization: no payer approves visits.")
        return redirect("billing_coverage_list", client_id=coverage.client_id)
    form = AuthorizationForm(
        request.POST or None,
        coverage=coverage,
        initial={"starts_on": today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.authorization_add(
                actor=request.user, coverage=coverage, data=form.authorization_data()
            )
        except ValidationError as error:
            _attach(error, form)
        else:
            messages.success(request, "Authorization added.")
            return saved(redirect("billing_coverage_list", client_id=coverage.client_id))
    return _authorization_page(request, coverage=coverage, form=form)


@role_required(*EDITORS)
def authorization_edit(request, authorization_id):
    authorization = get_object_or_404(
        Authorization.objects.visible_to(request.user).select_related(
            "coverage__client", "coverage__payer"
        ),
        pk=authorization_id,
    )
    coverage = authorization.coverage
    form = AuthorizationForm(
        request.POST or None,
        coverage=coverage,
        instance=Authorization.objects.get(pk=authorization.pk),
    )
    if request.method == "GET":
        audit.record(
            actor=request.user, action="view", client=coverage.client, target=authorization
        )
    if request.method == "POST" and form.is_valid():
        try:
            services.authorization_update(
                actor=request.user, authorization=authorization, data=form.authorization_data()
            )
        except ValidationError as error:
            _attach(error, form)
        else:
            messages.success(request, "Authorization saved.")
            return redirect("billing_coverage_list", client_id=coverage.client_id)
    return _authorization_page(request, coverage=coverage, form=form, authorization=authorization)
