"""Money pages (issue 18): a client's billing for staff, payments with their allocation and
refunds, packages, invoices, and the client's own billing in the portal. Thin views: parse
with a form, call one service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from billing.forms.money import AllocationForm, PackageForm, PaymentForm, ReasonForm, RefundForm
from billing.models import Invoice, Payment, PaymentAllocation
from billing.models.money import cents
from billing.selectors.client_billing import client_billing, invoice_shown, portal_billing
from billing.selectors.payments import allocation_targets, payment_with_amounts
from billing.services import invoices, packages, payments
from clinic import audit
from clinic.models import Client
from clinic.permissions import Can, role_required
from clinic.roles import Role
from clinic.submissions import creates_once, saved

# The roles of the matching `Can` predicates (clinic/tests/test_can.py checks they agree).
CASHIERS = Can.take_payments.fget.roles
BILLERS = Can.bill.fget.roles
BALANCE_STAFF = Can.see_balances.fget.roles - {Role.CLIENT}
INVOICE_READERS = Can.see_balances.fget.roles


def _client(request, client_id) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)


def _payment(request, payment_id) -> Payment:
    try:
        return payment_with_amounts(payment_id, user=request.user)
    except Payment.DoesNotExist:
        return get_object_or_404(Payment.objects.none())


def _show_errors(form, error: ValidationError) -> None:
    """A service's refusal, at the fields it names (the rest above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages_ in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages_)


# --- the client's billing page ---------------------------------------------------------------


@role_required(*BALANCE_STAFF)
def billing_client(request, client_id):
    client = _client(request, client_id)
    audit.record(actor=request.user, action="view", client=client, target=client, detail="billing")
    return render(
        request,
        "billing/money/client.html",
        {"client": client, **client_billing(request.user, client)},
    )


# --- payments --------------------------------------------------------------------------------


@role_required(*CASHIERS)
@creates_once
def billing_payment_new(request, client_id):
    client = _client(request, client_id)
    form = PaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment = payments.payment_record(
                actor=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(
                request,
                f"Payment of {payment.amount} recorded. Allocate it to what it pays, or leave "
                "it as credit.",
            )
            return saved(redirect("billing_payment_allocate", payment_id=payment.pk))
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=client, target=client)
    return render(request, "billing/money/payment_form.html", {"form": form, "client": client})


@role_required(*CASHIERS)
def billing_payment_allocate(request, payment_id):
    payment = _payment(request, payment_id)
    targets = allocation_targets(payment, user=request.user)
    form = AllocationForm(request.POST or None, targets=targets, unallocated=payment.unallocated)
    if request.method == "POST" and "oldest" in request.POST:
        # The typed amounts do not matter here: nothing to keep, the page is shown again.
        try:
            made = payments.payment_allocate_oldest_first(actor=request.user, payment=payment)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{cents(sum(a.amount for a in made))} allocated.")
        return redirect("billing_payment_allocate", payment_id=payment.pk)
    if request.method == "POST" and form.is_valid():
        try:
            made = payments.payment_allocate(
                actor=request.user, payment=payment, amounts=form.amounts()
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{cents(sum(a.amount for a in made))} allocated.")
            return redirect("billing_payment_allocate", payment_id=payment.pk)
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=payment.client, target=payment)
    return _allocate_page(request, payment, form)


def _allocate_page(request, payment, form, *, remove_form=None, removing=None):
    allocations = (
        PaymentAllocation.objects.visible_to(request.user)
        .filter(payment=payment)
        .select_related("line__charge", "line__billing_code", "package")
    )
    return render(
        request,
        "billing/money/allocate.html",
        {
            "payment": payment,
            "client": payment.client,
            "form": form,
            "allocations": allocations,
            "refunds": payment.refunds.all(),
            "remove_form": remove_form,
            "removing": removing,
        },
    )


@role_required(*CASHIERS)
@require_POST
def billing_allocation_remove(request, allocation_id):
    allocation = get_object_or_404(
        PaymentAllocation.objects.visible_to(request.user).select_related("payment"),
        pk=allocation_id,
    )
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            payments.allocation_remove(
                actor=request.user, allocation=allocation, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Allocation of {allocation.amount} taken back.")
            return redirect("billing_payment_allocate", payment_id=allocation.payment_id)
    payment = _payment(request, allocation.payment_id)
    targets = allocation_targets(payment, user=request.user)
    allocate_form = AllocationForm(targets=targets, unallocated=payment.unallocated)
    return _allocate_page(request, payment, allocate_form, remove_form=form, removing=allocation.pk)


@role_required(*CASHIERS)
@creates_once
def billing_refund_new(request, payment_id):
    payment = _payment(request, payment_id)
    form = RefundForm(request.POST or None, unallocated=payment.unallocated)
    if request.method == "POST" and form.is_valid():
        try:
            refund = payments.refund_record(
                actor=request.user, payment=payment, **form.cleaned_data
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Refund of {refund.amount} recorded.")
            return saved(redirect("billing_client", client_id=payment.client_id))
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=payment.client, target=payment)
    return render(
        request,
        "billing/money/refund_form.html",
        {"form": form, "payment": payment, "client": payment.client},
    )


# --- packages --------------------------------------------------------------------------------


@role_required(*CASHIERS)
@creates_once
def billing_package_new(request, client_id):
    client = _client(request, client_id)
    form = PackageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            package = packages.package_sell(actor=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"{package.name} sold for {package.price}.")
            return saved(redirect("billing_client", client_id=client.pk))
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=client, target=client)
    return render(request, "billing/money/package_form.html", {"form": form, "client": client})


# --- invoices --------------------------------------------------------------------------------


@role_required(*BILLERS)
@require_POST
def billing_invoice_issue(request, client_id):
    client = _client(request, client_id)
    try:
        invoice = invoices.invoice_issue(actor=request.user, client=client)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("billing_client", client_id=client.pk)
    messages.success(request, f"Invoice {invoice.number} issued.")
    return redirect("billing_invoice", invoice_id=invoice.pk)


@role_required(*INVOICE_READERS)
def billing_invoice(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    audit.record(actor=request.user, action="view", client=invoice.client, target=invoice)
    return _invoice_page(request, invoice, ReasonForm())


def _invoice(request, invoice_id) -> Invoice:
    return get_object_or_404(
        Invoice.objects.visible_to(request.user).select_related("client", "issued_by"),
        pk=invoice_id,
    )


def _invoice_page(request, invoice, void_form):
    return render(
        request,
        "billing/money/invoice.html",
        {
            "shown": invoice_shown(request.user, invoice),
            "invoice": invoice,
            "client": invoice.client,
            "void_form": void_form,
        },
    )


@role_required(*BILLERS)
@require_POST
def billing_invoice_void(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            invoices.invoice_void(
                actor=request.user, invoice=invoice, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _show_errors(form, error)
        else:
            messages.success(request, f"Invoice {invoice.number} is void.")
            return redirect("billing_invoice", invoice_id=invoice.pk)
    return _invoice_page(request, invoice, form)


# --- the client's own billing ----------------------------------------------------------------


@role_required(Role.CLIENT)
def billing_portal(request):
    client = get_object_or_404(Client.objects.visible_to(request.user))
    audit.record(actor=request.user, action="view", client=client, target=client, detail="billing")
    return render(
        request,
        "billing/money/portal.html",
        {"client": client, **portal_billing(request.user, client)},
    )
