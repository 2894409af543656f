"""The billing identity page: the clinic as billing provider and each active therapist as
rendering provider (NPI, taxonomy, licence). For the roles of `Can.bill`."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from billing.forms.identity import ClinicBillingForm, TherapistBillingForm
from billing.models import ClinicBilling
from billing.services import identity as services
from clinic.models import Therapist
from clinic.permissions import Can, role_required

BILLERS = tuple(Can.bill.fget.roles)
CLINIC = "clinic"


def _attach(error: ValidationError, form) -> None:
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, field_messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_messages)


def _therapist_forms(posted_for=None, data=None) -> list[tuple[Therapist, TherapistBillingForm]]:
    therapists = Therapist.objects.filter(is_active=True).select_related("user", "billing_identity")
    forms = []
    for therapist in therapists:
        identity = getattr(therapist, "billing_identity", None)
        bound = data if posted_for == str(therapist.pk) else None
        forms.append(
            (
                therapist,
                TherapistBillingForm(
                    bound,
                    instance=identity,
                    therapist=therapist,
                    prefix=f"t-{therapist.pk}",
                ),
            )
        )
    return forms


@role_required(*BILLERS)
def billing_identity(request):
    which = request.POST.get("which", "") if request.method == "POST" else None
    data = request.POST if request.method == "POST" else None
    clinic_form = ClinicBillingForm(
        data if which == CLINIC else None, instance=ClinicBilling.current(), prefix=CLINIC
    )
    therapist_forms = _therapist_forms(which, data)
    if which == CLINIC:
        if clinic_form.is_valid():
            try:
                services.clinic_billing_save(
                    actor=request.user,
                    data={name: clinic_form.cleaned_data[name] for name in clinic_form.Meta.fields},
                )
            except ValidationError as error:
                _attach(error, clinic_form)
            else:
                messages.success(request, "The clinic's billing identity is saved.")
                return redirect("billing_identity")
    elif which:
        for therapist, form in therapist_forms:
            if str(therapist.pk) != which:
                continue
            if form.is_valid():
                try:
                    services.therapist_billing_save(
                        actor=request.user, therapist=therapist, data=form.identity_data()
                    )
                except ValidationError as error:
                    _attach(error, form)
                else:
                    messages.success(request, f"{therapist}'s billing identity is saved.")
                    return redirect("billing_identity")
    return render(
        request,
        "billing/identity/identity.html",
        {"clinic_form": clinic_form, "therapist_forms": therapist_forms, "which": which},
    )
