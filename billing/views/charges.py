"""Charge pages (issue 18, item 5): the billing worklist, one charge, a draft line's edit,
posting, voiding, credit notes, no-show fees; and the therapist's own codes. Thin views:
parse, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from billing.forms.charges import (
    ChargeLineForm,
    CreditNoteForm,
    DatesFilterForm,
    VoidForm,
    WorklistFilterForm,
)
from billing.models import Charge, ChargeLine
from billing.selectors import charges as selectors
from billing.services import charges as services
from clinic import audit
from clinic.permissions import Can, role_required
from clinic.roles import Role
from clinic.submissions import creates_once, saved

BILL = tuple(Can.bill.fget.roles)
PER_PAGE = 50


def _charge(request, charge_id) -> Charge:
    return get_object_or_404(
        Charge.objects.visible_to(request.user).select_related("client"), pk=charge_id
    )


def _line(request, charge: Charge, line_id, *, amounts: bool = False) -> ChargeLine:
    lines = ChargeLine.objects.visible_to(request.user).select_related("billing_code")
    if amounts:
        lines = lines.with_amounts()
    return get_object_or_404(lines, pk=line_id, charge=charge)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- the worklist ------------------------------------------------------------------------------


@role_required(*BILL)
def charge_list(request):
    """Charges to review (drafts by default), posted or void, by date and payer type."""
    form = WorklistFilterForm(request.GET or None)
    wanted = selectors.WorklistFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        wanted = selectors.WorklistFilter(
            status=data["status"] or Charge.Status.DRAFT,
            date_from=data["date_from"],
            date_to=data["date_to"],
            payer_type=data["payer_type"],
        )
    page = Paginator(selectors.worklist(request.user, wanted), PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    audit.record(actor=request.user, action="list", detail=f"charges worklist: {wanted.status}")
    return render(
        request,
        "billing/charges/list.html",
        {
            "form": form,
            "wanted": wanted,
            "status_label": Charge.Status(wanted.status).label,
            "charges": selectors.with_remarks(page.object_list),
            "page": page,
            "query": query.urlencode(),
        },
    )


# --- one charge --------------------------------------------------------------------------------


@role_required(*BILL, Role.THERAPIST)
def charge_detail(request, charge_id):
    """The charge for billing staff; the rendering therapist reads it (no money, no action)."""
    charge = get_object_or_404(selectors.charge_for_page(request.user, charge_id), pk=charge_id)
    audit.record(actor=request.user, action="view", client=charge.client, target=charge)
    context = selectors.charge_detail(request.user, charge)
    if Can(request.user).bill and charge.is_draft:
        context["post_problems"] = services.post_problems(charge)
    return render(request, "billing/charges/detail.html", context)


@role_required(*BILL)
def charge_line_edit(request, charge_id, line_id):
    charge = _charge(request, charge_id)
    line = _line(request, charge, line_id)
    form = ChargeLineForm.for_line(line, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.charge_line_edit(actor=request.user, line=line, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Line {line.position} changed; the reason is kept.")
            return redirect("billing_charge", charge_id=charge.pk)
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=charge.client, target=charge)
    return render(
        request,
        "billing/charges/line_edit.html",
        {"charge": charge, "line": line, "form": form, "final": _final(charge)},
    )


def _final(charge: Charge) -> str:
    """Why the charge no longer changes ("" while it is a draft)."""
    if charge.status == Charge.Status.POSTED:
        return services.POSTED_IS_FINAL
    if charge.status == Charge.Status.VOID:
        return services.VOID_IS_FINAL
    return ""


@role_required(*BILL)
@require_POST
def charge_post(request, charge_id):
    charge = _charge(request, charge_id)
    try:
        services.charge_post(actor=request.user, charge=charge)
    except ValidationError as error:
        messages.error(request, f"Not posted: {_errors(error)}")
    else:
        messages.success(request, "Charge posted. It no longer changes.")
    return redirect("billing_charge", charge_id=charge.pk)


@role_required(*BILL)
def charge_void(request, charge_id):
    charge = _charge(request, charge_id)
    form = VoidForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.charge_void(
                actor=request.user, charge=charge, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Charge voided; the reason is kept.")
            return redirect("billing_charge", charge_id=charge.pk)
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=charge.client, target=charge)
    return render(
        request,
        "billing/charges/void.html",
        {
            "charge": charge,
            "form": form,
            "final": services.VOID_IS_FINAL if charge.status == Charge.Status.VOID else "",
        },
    )


@role_required(*BILL)
@require_POST
def charge_redraft(request, charge_id):
    charge = _charge(request, charge_id)
    try:
        new = services.charge_redraft(actor=request.user, charge=charge)
    except ValidationError as error:
        messages.error(request, f"Not drafted again: {_errors(error)}")
        return redirect("billing_charge", charge_id=charge.pk)
    messages.success(request, "Drafted again from the note: review it, then post it.")
    return redirect("billing_charge", charge_id=new.pk)


@role_required(*BILL)
@creates_once
def credit_note_new(request, charge_id, line_id):
    charge = _charge(request, charge_id)
    line = _line(request, charge, line_id, amounts=True)
    form = CreditNoteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.credit_note_issue(actor=request.user, line=line, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Credit note {note.number} issued.")
            return saved(redirect("billing_charge", charge_id=charge.pk))
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=charge.client, target=charge)
    posted = charge.status == Charge.Status.POSTED
    return render(
        request,
        "billing/charges/credit_note.html",
        {
            "charge": charge,
            "line": line,
            "form": form,
            "final": "" if posted else "Credit notes are issued on posted charges only.",
        },
    )


# --- no-show fees ------------------------------------------------------------------------------


@role_required(*BILL)
def no_show_list(request):
    form = DatesFilterForm(request.GET or None)
    no_shows = selectors.no_shows_for_fee(request.user)
    if form.is_bound and form.is_valid():
        no_shows = selectors.on_days(
            no_shows, form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        )
    page = Paginator(no_shows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    audit.record(actor=request.user, action="list", detail="no-shows without a fee")
    return render(
        request,
        "billing/charges/no_shows.html",
        {"page": page, "form": form, "query": query.urlencode()},
    )


@role_required(*BILL)
@require_POST
def no_show_fee(request, appointment_id):
    appointment = get_object_or_404(
        selectors.appointments_for_billing(request.user), pk=appointment_id
    )
    try:
        charge = services.charge_no_show_fee(actor=request.user, appointment=appointment)
    except ValidationError as error:
        messages.error(request, f"No fee drafted: {_errors(error)}")
        return redirect("billing_no_shows")
    messages.success(request, "No-show fee drafted: review and post it.")
    return redirect("billing_charge", charge_id=charge.pk)


# --- the therapist's own codes -----------------------------------------------------------------


@role_required(Role.THERAPIST)
def my_charges(request):
    page = Paginator(selectors.my_charges(request.user), PER_PAGE).get_page(request.GET.get("page"))
    audit.record(actor=request.user, action="list", detail="charges of my notes")
    return render(request, "billing/charges/my_charges.html", {"page": page, "query": ""})
