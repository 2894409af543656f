"""The physician's side of a clearance request: read the question, answer it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from clinic import audit, text_limits
from clinic.permissions import role_required
from clinic.roles import Role
from treatment_plans.models import ClearanceRequest
from treatment_plans.services import plans as plan_services


class AnswerForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            ("approved", "Approve"),
            ("restricted", "Approve with restrictions"),
            ("declined", "Decline"),
        ],
        widget=forms.RadioSelect,
        label="Your answer",
    )
    response = text_limits.text_field(
        text_limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Restrictions or reasons",
        help_text="Required when you approve with restrictions or decline.",
    )


@role_required(Role.PHYSICIAN, Role.THERAPIST, Role.ADMIN)
def clearance_detail(request, clearance_id):
    clearance = get_object_or_404(
        ClearanceRequest.objects.visible_to(request.user).select_related(
            "version__plan__client",
            "technique",
            "rule",
            "created_by",
            "care_team_member__physician",
        ),
        pk=clearance_id,
    )
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.clearance_answer(
                actor=request.user, request=clearance, **form.cleaned_data
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, texts in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, texts)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, "Thank you: your answer is on the therapist's plan.")
            return redirect("physician_dashboard")
    if request.method == "GET":
        audit.record(
            actor=request.user,
            action="view",
            client=clearance.version.plan.client,
            target=clearance,
        )
    return render(request, "treatment_plans/clearance.html", {"clearance": clearance, "form": form})
