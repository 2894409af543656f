"""Health history pages: the intake form (client in the portal, therapist in the clinic), the
current version, earlier versions with who and when, and the therapist's review."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.models import Client
from clinic.permissions import Can, role_required
from clinic.roles import CLINICAL_WRITERS, Role
from clinic.submissions import creates_once, saved
from intake import conditions
from intake.forms.history import (
    EventFormSet,
    HealthHistoryForm,
    InjuryFormSet,
    events_from,
    events_initial,
    injuries_from,
    injuries_initial,
)
from intake.models import HealthHistory
from intake.selectors import current_health_history
from intake.services import history as history_services

CLINICAL_VIEWERS = (Role.ADMIN, Role.THERAPIST, Role.PHYSICIAN)


def _client(request, client_id) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)


def _own_client(request) -> Client:
    return get_object_or_404(Client.objects.visible_to(request.user))


@role_required(*CLINICAL_VIEWERS)
def health_history(request, client_id):
    client = _client(request, client_id)
    return _show(request, client)


@role_required(Role.CLIENT)
def portal_health_history(request):
    return _show(request, _own_client(request))


def _show(request, client):
    can = Can(request.user)
    current = current_health_history(user=request.user, client=client)
    if current is not None:
        audit.record(actor=request.user, action="view", client=client, target=current)
    versions = (
        HealthHistory.objects.visible_to(request.user)
        .filter(client=client)
        .select_related("created_by", "reviewed_by")
        .order_by("-version")
    )
    return render(
        request,
        "intake/history_detail.html",
        {
            "client": client,
            "history": current,
            "versions": versions if can.see_full_health_history else [],
            "summary_only": not can.see_full_health_history,
            "client_may_edit": history_services.client_may_edit(current),
            "groups": conditions.grouped(),
        },
    )


@role_required(*CLINICAL_WRITERS)
@creates_once  # each save is a new version
def health_history_edit(request, client_id):
    client = _client(request, client_id)
    return _edit(request, client, done=("health_history", {"client_id": client.pk}))


@role_required(Role.CLIENT)
@creates_once
def portal_health_history_edit(request):
    client = _own_client(request)
    latest = current_health_history(user=request.user, client=client)
    if not history_services.client_may_edit(latest):
        messages.info(request, history_services.reviewed_message())
        return redirect("portal_health_history")
    return _edit(request, client, done=("portal_health_history", {}))


def _edit(request, client, *, done):
    latest = current_health_history(user=request.user, client=client)
    form = HealthHistoryForm(
        request.POST or None,
        request.FILES or None,
        instance=_unsaved_copy(latest),
        user=request.user,
    )
    injuries = InjuryFormSet(
        request.POST or None, prefix="injuries", initial=injuries_initial(latest)
    )
    events = EventFormSet(request.POST or None, prefix="events", initial=events_initial(latest))
    if request.method == "GET" and latest is not None:  # the form shows the history
        audit.record(actor=request.user, action="view", client=client, target=latest)
    if request.method == "POST" and all([form.is_valid(), injuries.is_valid(), events.is_valid()]):
        data = {
            **form.cleaned_data,
            "injuries_and_surgeries": injuries_from(injuries),
            "events": events_from(events),
        }
        letter = data.pop("referral_letter_file", None) or None
        try:
            history = history_services.health_history_save(
                actor=request.user, client=client, data=data, referral_file=letter
            )
        except PermissionDenied as refused:
            messages.error(request, str(refused))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Health history saved (version {history.version}).")
            return saved(redirect(done[0], **done[1]))
    return render(
        request,
        "intake/history_form.html",
        {
            "client": client,
            "form": form,
            "injuries": injuries,
            "events": events,
            "latest": latest,
            "groups": conditions.grouped(latest.conditions if latest else ()),
        },
    )


def _unsaved_copy(latest: HealthHistory | None) -> HealthHistory | None:
    """The form starts from the latest version's values but must never write to that row."""
    if latest is None:
        return None
    copy = HealthHistory.objects.get(pk=latest.pk)
    copy.pk = None
    copy._state.adding = True
    return copy


@role_required(Role.ADMIN, Role.THERAPIST, Role.CLIENT)
def health_history_version(request, history_id):
    history = get_object_or_404(
        HealthHistory.objects.visible_to(request.user).select_related(
            "client", "created_by", "reviewed_by", "referring_physician"
        ),
        pk=history_id,
    )
    previous = (
        HealthHistory.objects.filter(client=history.client, version__lt=history.version)
        .order_by("-version")
        .first()
    )
    audit.record(actor=request.user, action="view", client=history.client, target=history)
    return render(
        request,
        "intake/history_version.html",
        {
            "history": history,
            "client": history.client,
            "changed": history_services.changed_fields(previous, history),
            "previous": previous,
        },
    )


@role_required(*CLINICAL_WRITERS)
@require_POST
def health_history_review(request, history_id):
    history = get_object_or_404(HealthHistory.objects.visible_to(request.user), pk=history_id)
    try:
        history_services.health_history_review(actor=request.user, history=history)
        messages.success(request, f"Version {history.version} marked as reviewed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("health_history", client_id=history.client_id)


@role_required(*CLINICAL_WRITERS)
@require_POST
def health_history_medications_confirm(request, history_id):
    """The therapist confirms the drug classes recognised in the medications as written."""
    history = get_object_or_404(HealthHistory.objects.visible_to(request.user), pk=history_id)
    try:
        saved_history = history_services.history_medication_classes_confirm(
            actor=request.user, history=history, classes=request.POST.getlist("classes")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"Medication classes confirmed (version {saved_history.version})."
        )
    return redirect(_back(request, history))


def _back(request, history):
    """Back to the clinical page the alerts stood on, or to the health history."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return back
    return reverse("health_history", args=[history.client_id])
