"""Booking, the appointment page (check in, no-show, complete, move, cancel), and the waitlist.
Thin views: a form parses, a service decides, a conflict is shown at the field."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.clinic_time import local
from clinic.date_formats import day_time_short
from clinic.forms import ClientSearchForm
from clinic.models import Client
from clinic.permissions import Can, role_required
from clinic.roles import STAFF_ROLES, Role
from clinic.submissions import creates_once, saved
from scheduling import booking_checks
from scheduling.forms import BookingForm, CancelForm, RescheduleForm, WaitlistForm
from scheduling.ical import appointment_ics
from scheduling.models import Appointment, WaitlistEntry
from scheduling.services import appointments as booking
from scheduling.services import offers as offer_service
from scheduling.services import waitlist
from scheduling.services.appointments import SeriesConflicts, SlotTaken

CONFLICT = 409  # the slot is taken: the form is shown again with the reason


def _booking_initial(request) -> dict:
    """Pre-fill from the query string (ids and a time only: never names)."""
    initial = {
        "client": request.GET.get("client"),
        "therapist": request.GET.get("therapist"),
        "appointment_type": request.GET.get("type"),
    }
    try:
        start = dt.datetime.strptime(request.GET.get("start", ""), "%Y-%m-%dT%H:%M")
        initial.update(date=start.date(), time=start.time())
    except ValueError:
        pass
    return {key: value for key, value in initial.items() if value}


@role_required(*STAFF_ROLES)
@creates_once
def appointment_new(request):
    if "find_client" in request.POST:
        return _choose_client(request)
    form = BookingForm(request.POST or None, initial=_booking_initial(request), user=request.user)
    client = _client_for_form(form, request)
    context = {"form": form, "client": client, "conflicts": None}
    if client is None:  # opened from the free-slot finder or a calendar: find the client here
        context["client_search"] = ClientSearchForm()
    if request.method != "POST" or not form.is_valid():
        context["booking_warnings"] = booking_checks.warnings_for(client, _chosen_start(form))
        return render(request, "scheduling/book.html", context)
    data = form.cleaned_data
    try:
        if data["repeat"]:
            booked = booking.series_book(
                actor=request.user,
                client=data["client"],
                slot=form.slot(),
                count=data["repeat_count"],
                interval_weeks=data["interval_weeks"],
                front_desk_note=data["front_desk_note"],
            )
        else:
            booked = [
                booking.appointment_book(
                    actor=request.user,
                    client=data["client"],
                    slot=form.slot(),
                    front_desk_note=data["front_desk_note"],
                )
            ]
    except SeriesConflicts as conflicts:
        context["conflicts"] = [(local(start), reason) for start, reason in conflicts.conflicts]
        context["booking_warnings"] = booking_checks.warnings_for(client, _chosen_start(form))
        return render(request, "scheduling/book.html", context, status=CONFLICT)
    except ValidationError as error:
        form.add_service_errors(error)
        status = CONFLICT if isinstance(error, SlotTaken) else 200
        context["booking_warnings"] = booking_checks.warnings_for(client, _chosen_start(form))
        return render(request, "scheduling/book.html", context, status=status)
    first = booked[0]
    count = f"{len(booked)} appointments" if len(booked) > 1 else "Appointment"
    messages.success(
        request,
        f"{count} booked for {first.client}, first on {day_time_short(first.starts_at)}.",
    )
    for warning in _warnings_after(booked):
        messages.warning(request, warning)
    return saved(redirect("appointment_detail", appointment_id=first.pk))


def _chosen_start(form):
    """The start the booking form holds so far (posted or pre-filled), or None."""
    from clinic.clinic_time import at_local

    values = (getattr(form, "cleaned_data", None) or {}) if form.is_bound else form.initial
    day, time = values.get("date"), values.get("time")
    if isinstance(day, dt.date) and isinstance(time, dt.time):
        return at_local(day, time)
    return None


def _warnings_after(booked) -> list[str]:
    """The booking checks' warnings for what was just booked (booking_checks.py): each
    visit is checked against the visits before it, so a series says which dates go beyond."""
    if len(booked) == 1:
        return booking_checks.warnings_for(booked[0].client, booked[0].starts_at)
    return [
        f"{day_time_short(appointment.starts_at)}: {warning}"
        for appointment in booked
        for warning in booking_checks.warnings_for(appointment.client, appointment.starts_at)
    ]


def _choose_client(request):
    """The booking page's client search (POSTed, so names stay out of URLs and logs). Each
    match links to the same booking page with the client's id added; the time chosen in the
    finder stays in the query string."""
    search = ClientSearchForm(request.POST)
    matches = []
    if search.is_valid() and search.cleaned_data["q"]:
        clients = Client.objects.visible_to(request.user).filter(is_active=True)
        matches = [
            (client, _with_client(request, client))
            for client in clients.search(search.cleaned_data["q"])[:CLIENT_MATCHES]
        ]
        audit.record(actor=request.user, action="list", detail="clients: booking search")
    form = BookingForm(initial=_booking_initial(request), user=request.user)
    context = {
        "form": form,
        "client": None,
        "conflicts": None,
        "client_search": search,
        "client_matches": matches,
        "searched": search.is_valid(),
    }
    return render(request, "scheduling/book.html", context)


CLIENT_MATCHES = 20


def _with_client(request, client) -> str:
    query = request.GET.copy()
    query["client"] = str(client.pk)
    return f"{reverse('appointment_new')}?{query.urlencode()}"


def _client_for_form(form, request):
    client_id = form.data.get("client") if form.is_bound else form.initial.get("client")
    if not client_id:
        return None
    try:
        return Client.objects.visible_to(request.user).filter(pk=client_id).first()
    except ValidationError:  # not a UUID
        return None


@role_required(*STAFF_ROLES)
def appointment_detail(request, appointment_id):
    appointment = _get_appointment(request, appointment_id)
    audit.record(actor=request.user, action="view", client=appointment.client, target=appointment)
    return _render_detail(request, appointment)


def _get_appointment(request, appointment_id) -> Appointment:
    return get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "client", "therapist__user", "room", "appointment_type", "series"
        ),
        pk=appointment_id,
    )


def _render_detail(request, appointment, *, reschedule_form=None, cancel_form=None, status=200):
    local_start = local(appointment.starts_at)
    reschedule_form = reschedule_form or RescheduleForm(
        initial={
            "therapist": appointment.therapist_id,
            "appointment_type": appointment.appointment_type_id,
            "date": local_start.date(),
            "time": local_start.time(),
            "room": appointment.room_id,
        }
    )
    matches, rebooked = [], False
    if appointment.status == Appointment.Status.CANCELLED:
        rebooked = not Appointment.objects.filter(pk=appointment.pk).not_rebooked().exists()
    if appointment.status == Appointment.Status.CANCELLED and not rebooked:
        matches = list(WaitlistEntry.objects.visible_to(request.user).matching(appointment))
    offers = []
    if appointment.status == Appointment.Status.CANCELLED:
        offers = list(offer_service.offers_for_freed(request.user, appointment))
    return render(
        request,
        "scheduling/detail.html",
        {
            "appointment": appointment,
            "reschedule_form": reschedule_form,
            "cancel_form": cancel_form or CancelForm(),
            "waitlist_matches": matches,
            "offers": offers,
            "rebooked": rebooked,
            "actions": _status_actions(appointment),
            "status_waits": _status_waits(appointment),
            "may_write_note": Can(request.user).write_note_for(appointment),
        },
        status=status,
    )


def _status_actions(appointment) -> list[tuple[str, str]]:
    labels = {
        Appointment.Status.CHECKED_IN: "Check in",
        Appointment.Status.NO_SHOW: "Mark no-show",
        Appointment.Status.COMPLETED: "Mark completed",
        Appointment.Status.BOOKED: "Undo: back to booked",
    }
    return [
        (target, labels[target])
        for (source, target) in booking.TRANSITIONS
        if source == appointment.status and not booking.status_problem(appointment, target)
    ]


def _status_waits(appointment) -> list[str]:
    """Why a status change is not offered yet (check in before the day, completed before the
    start), so the page says when it opens instead of silently lacking the button."""
    problems = (
        booking.status_problem(appointment, target)
        for (source, target) in booking.TRANSITIONS
        if source == appointment.status
    )
    return [problem for problem in problems if problem]


@role_required(*STAFF_ROLES)
@require_POST
def appointment_reschedule(request, appointment_id):
    appointment = _get_appointment(request, appointment_id)
    form = RescheduleForm(request.POST)
    if form.is_valid():
        try:
            booking.appointment_reschedule(
                actor=request.user, appointment=appointment, slot=form.slot()
            )
        except ValidationError as error:
            form.add_service_errors(error)
            status = CONFLICT if isinstance(error, SlotTaken) else 200
            return _render_detail(request, appointment, reschedule_form=form, status=status)
        messages.success(request, "Appointment moved.")
        return redirect("appointment_detail", appointment_id=appointment.pk)
    return _render_detail(request, appointment, reschedule_form=form)


@role_required(*STAFF_ROLES)
@require_POST
def appointment_cancel(request, appointment_id):
    appointment = _get_appointment(request, appointment_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            booking.appointment_cancel(
                actor=request.user, appointment=appointment, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, error)
            return _render_detail(request, appointment, cancel_form=form)
        messages.success(
            request, "Appointment cancelled. Waitlist matches for the freed time are listed below."
        )
        return redirect("appointment_detail", appointment_id=appointment.pk)
    return _render_detail(request, appointment, cancel_form=form)


@role_required(*STAFF_ROLES)
@require_POST
def appointment_status(request, appointment_id):
    appointment = _get_appointment(request, appointment_id)
    status = request.POST.get("status", "")
    if status not in Appointment.Status.values:
        messages.error(request, "Unknown status.")
    else:
        try:
            booking.appointment_set_status(
                actor=request.user, appointment=appointment, status=status
            )
            messages.success(request, f"Marked {Appointment.Status(status).label.lower()}.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("appointment_detail", appointment_id=appointment.pk)


# --- waitlist -----------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
@creates_once
def waitlist_new(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    form = WaitlistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            waitlist.waitlist_add(actor=request.user, client=client, data=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{client} is on the waitlist.")
            return saved(redirect("client_detail", client_id=client.pk))
    return render(request, "scheduling/waitlist_form.html", {"form": form, "client": client})


@role_required(*STAFF_ROLES)
def waitlist_list(request):
    entries = (
        WaitlistEntry.objects.visible_to(request.user)
        .open()
        .select_related("client", "therapist__user", "appointment_type")
        .order_by("earliest_date", "created_at")
    )
    offers = offer_service.offers_upcoming(request.user)
    audit.record(actor=request.user, action="list", detail="waitlist")
    return render(request, "scheduling/waitlist.html", {"entries": entries, "offers": offers})


@role_required(*STAFF_ROLES)
@require_POST
def waitlist_resolve(request, entry_id):
    entry = get_object_or_404(WaitlistEntry.objects.visible_to(request.user), pk=entry_id)
    try:
        waitlist.waitlist_resolve(actor=request.user, entry=entry)
        messages.success(request, f"Waitlist entry for {entry.client} closed.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("waitlist")
    return redirect(back)


# --- the client's own appointments (portal) -------------------------------------------------


@role_required(Role.CLIENT)
def portal_appointment_ics(request, appointment_id):
    """The client's own appointment as an .ics file for their calendar."""
    appointment = get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "therapist__user", "appointment_type", "room"
        ),
        pk=appointment_id,
    )
    audit.record(
        actor=request.user, action="download", client=appointment.client, target=appointment
    )
    response = HttpResponse(
        appointment_ics(appointment), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="appointment.ics"'
    return response


@role_required(Role.CLIENT)
def portal_appointment_cancel(request, appointment_id):
    """GET asks the client to confirm (one tap must not cancel); POST cancels."""
    appointment = get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "therapist__user", "appointment_type", "room"
        ),
        pk=appointment_id,
    )
    if request.method != "POST":
        audit.record(
            actor=request.user, action="view", client=appointment.client, target=appointment
        )
        return render(
            request,
            "scheduling/portal_cancel_confirm.html",
            {"appointment": appointment, "refusal": booking.client_cancel_refusal(appointment)},
        )
    try:
        booking.appointment_cancel_by_client(actor=request.user, appointment=appointment)
        messages.success(request, "Your appointment is cancelled. We hope to see you soon.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("portal")
