"""Session-note pages: the editor opened from an appointment, the signed note with its
addenda, and the client's list of notes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.models import Client
from clinic.permissions import role_required
from clinic.roles import Role
from scheduling.models import Appointment
from sessions_log import note_parts
from sessions_log.forms.notes import (
    AddendumForm,
    MeasurementFormSet,
    NoteForm,
    TechniqueFormSet,
    TriggerPointFormSet,
)
from sessions_log.models import SessionNote
from sessions_log.selectors import note_for, note_shown, previous_note, start_from
from sessions_log.services import notes as note_services
from treatment_plans.contraindications import pending_clearances

READERS = (Role.ADMIN, Role.THERAPIST, Role.CLIENT, Role.PHYSICIAN)


def _appointment(request, appointment_id) -> Appointment:
    return get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "client", "therapist__user", "appointment_type"
        ),
        pk=appointment_id,
    )


@role_required(Role.THERAPIST)
def note_edit(request, appointment_id):
    """Write or continue the appointment's note; a signed note opens read-only."""
    appointment = _appointment(request, appointment_id)
    note = _note_of(request, appointment)
    if note is not None and note.is_signed and not _signed_meanwhile(request, note):
        return redirect("note_detail", note_id=note.pk)
    problems = note_services.note_problems(actor=request.user, appointment=appointment)
    if problems:
        return render(
            request,
            "sessions_log/note_blocked.html",
            {"appointment": appointment, "client": appointment.client, "problems": problems},
            status=403 if "only the treating therapist" in " ".join(problems) else 200,
        )
    forms = _forms(request, appointment, note)
    if request.method == "GET" and note is not None:  # the editor shows the note
        audit.record(actor=request.user, action="view", client=appointment.client, target=note)
    if _signed_meanwhile(request, note):  # say so, and keep what was typed for an addendum
        forms[0].add_error(None, note_services.ALREADY_SIGNED)
    elif request.method == "POST" and all(f.is_valid() for f in forms):
        saved = _save(request, appointment, forms)
        if saved is not None:
            return saved
        note = _note_of(request, appointment)  # the refusal may be "signed meanwhile"
    return _render(request, appointment, note, forms)


def _note_of(request, appointment) -> SessionNote | None:
    return SessionNote.objects.visible_to(request.user).filter(appointment=appointment).first()


def _signed_meanwhile(request, note) -> bool:
    """Its author posts the editor of a note signed since the form was opened (in another tab,
    or by the first click of a double click)."""
    return (
        request.method == "POST"
        and note is not None
        and note.is_signed
        and note.therapist_id == request.user.pk
    )


def _initial(request, appointment, note):
    if note is not None:
        return _from_note(note)
    if request.GET.get("from") == "last":
        last = previous_note(
            user=request.user, client=appointment.client, before=appointment.starts_at
        )
        if last is not None:
            return start_from(last)
    return {"note": {}, "techniques": [], "trigger_points": [], "measurements": []}


def _from_note(note):
    data = start_from(note)
    data["note"] = {name: getattr(note, name) for name in note_services.NOTE_FIELDS}
    data["measurements"] = [
        {
            "kind": m.kind,
            "rom_norm": m.rom_norm_id,
            "side": m.side,
            "activity": m.activity,
            "value": m.value,
        }
        for m in note.measurements.all()
    ]
    return data


def _forms(request, appointment, note):
    post = request.POST if request.method == "POST" else None
    initial = _initial(request, appointment, note)
    return (
        NoteForm(post, instance=note, initial=initial["note"]),
        TechniqueFormSet(post, prefix="techniques", initial=initial["techniques"]),
        TriggerPointFormSet(post, prefix="points", initial=initial["trigger_points"]),
        MeasurementFormSet(post, prefix="measurements", initial=initial["measurements"]),
    )


def _save(request, appointment, forms):
    form, techniques, points, measurements = forms
    sign = "sign" in request.POST
    service = note_services.note_save_and_sign if sign else note_services.note_save
    try:
        note = service(
            actor=request.user,
            appointment=appointment,
            data=form.cleaned_data,
            techniques=techniques.rows(),
            trigger_points=points.rows(),
            measurements=measurements.rows(),
        )
    except ValidationError as error:
        _show(error, form, techniques)
        return None
    for remark in note_services.table_remarks(appointment.client, techniques.rows(), points.rows()):
        messages.warning(request, remark)
    if sign:
        messages.success(request, "Note signed and locked.")
        return redirect("note_detail", note_id=note.pk)
    messages.success(request, "Draft saved. Sign it when it is complete.")
    return redirect("note_edit", appointment_id=appointment.pk)


def _show(error, form, techniques) -> None:
    """A service refusal, shown where it belongs: technique problems above the techniques."""
    errors = getattr(error, "error_dict", None) or {None: error.error_list}
    for field, items in errors.items():
        texts = [text for item in items for text in item.messages]
        if field == "techniques":
            techniques._non_form_errors = techniques.error_class(texts)
        else:
            form.add_error(field if field in form.fields else None, texts)


def _render(request, appointment, note, forms):
    form, techniques, points, measurements = forms
    last = None
    if note is None:
        last = previous_note(
            user=request.user, client=appointment.client, before=appointment.starts_at
        )
    return render(
        request,
        "sessions_log/note_form.html",
        {
            "appointment": appointment,
            "client": appointment.client,
            "note": note,
            "form": form,
            "techniques": techniques,
            "points": points,
            "measurements": measurements,
            "last_note": last,
            "sign_opens_at": _sign_later(appointment),
            "awaiting_clearance": list(pending_clearances(appointment.client).values()),
            "needs_assessment": not note_services.assessed_before(appointment),
        },
    )


def _sign_later(appointment):
    """The time signing opens, while it is still ahead (a draft can be prepared before)."""
    opens_at = note_services.sign_opens_at(appointment)
    return opens_at if opens_at > timezone.now() else None


@role_required(*READERS)
def note_detail(request, note_id):
    note = note_for(user=request.user, note_id=note_id)
    if note is None:
        raise Http404("No such session note.")
    audit.record(actor=request.user, action="view", client=note.client, target=note)
    shown = note_shown(note, user=request.user)  # only what this viewer may see of it
    return render(
        request,
        "sessions_log/note_detail.html",
        {
            "note": shown,
            "client": shown.client,
            "addendum_form": AddendumForm(),
            **note_parts.context_for("charge_link", user=request.user, note=note),
        },
    )


@role_required(Role.THERAPIST)
@require_POST
def note_addendum(request, note_id):
    note = get_object_or_404(SessionNote.objects.visible_to(request.user), pk=note_id)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            note_services.addendum_add(
                actor=request.user, note=note, text=form.cleaned_data["text"]
            )
            messages.success(request, "Addendum added.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Write the addendum before adding it.")
    return redirect("note_detail", note_id=note.pk)


@role_required(*READERS)
def client_notes(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    notes = (
        SessionNote.objects.visible_to(request.user)
        .filter(client=client)
        .select_related("therapist", "appointment")
        .prefetch_related("techniques__technique")
    )
    audit.record(actor=request.user, action="list", client=client, detail="session notes")
    return render(request, "sessions_log/note_list.html", {"client": client, "notes": notes})


@role_required(Role.THERAPIST)
def note_screen(request, appointment_id):
    """What one technique row would meet at the table, for the note form's script to show as
    the row is filled in (sessions_log/services/notes.py decides; saving checks it again)."""
    appointment = _appointment(request, appointment_id)
    if appointment.therapist.user_id != request.user.pk:
        raise PermissionDenied("Only the treating therapist writes this note.")
    if request.method != "GET":  # asked after access, so a stranger learns nothing more
        return HttpResponseNotAllowed(["GET"])
    row = note_services.table_row(
        technique_id=request.GET.get("technique", ""),
        body_region=request.GET.get("body_region", ""),
        position=request.GET.get("position", ""),
        pressure=request.GET.get("pressure", ""),
    )
    if row is None:
        return JsonResponse({"findings": []})
    findings = note_services.table_findings(appointment, row)
    response = JsonResponse({"findings": findings})
    response["Cache-Control"] = "no-store, private"
    return response
