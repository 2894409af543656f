"""Clients booking and moving in the portal, and the admin's online booking rules. Thin views:
the query string picks what is shown (type, therapist, week), a POST books or moves in one
step through scheduling/services/online.py, and every refusal is shown on the page."""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from clinic import audit
from clinic.clinic_time import local
from clinic.date_formats import day_time_short
from clinic.models import Client
from clinic.permissions import Can, role_required
from clinic.roles import Role
from scheduling import online_eligibility
from scheduling.forms import OnlineBookingForm, OnlineRulesForm, OnlineTimeForm
from scheduling.models import Appointment, AppointmentType, OnlineBookingRules
from scheduling.services import online
from scheduling.services.online import JustTaken

DAYS_SHOWN = 7
REFUSED, CONFLICT = 400, 409


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def _first_day(request, form, earliest: dt.datetime, latest: dt.datetime) -> dt.date:
    """The week shown starts on the day of the time just tried (after a refusal), else on
    `from`, clipped to what may be booked; else on the first day that may be booked."""
    first, last = local(earliest).date(), local(latest).date()
    tried = form.cleaned_data.get("start") if form.is_bound and form.is_valid() else None
    if tried is not None:
        chosen = local(tried).date()
    else:
        try:
            chosen = dt.date.fromisoformat(request.GET.get("from", ""))
        except ValueError:
            return first
    return min(max(chosen, first), last)


def _week(request, form, rules, now, **params) -> dict:
    """The days shown and the links to the weeks before and after (inside the window)."""
    earliest, latest = online.window(rules, now)
    start = _first_day(request, form, earliest, latest)
    first, last = local(earliest).date(), local(latest).date()
    days = min(DAYS_SHOWN, (last - start).days + 1)

    def link(day):
        return "?" + urlencode({**{k: v for k, v in params.items() if v}, "from": day.isoformat()})

    return {
        "start": start,
        "days": days,
        "earlier": link(max(first, start - dt.timedelta(days=DAYS_SHOWN))) if start > first else "",
        "later": link(start + dt.timedelta(days=DAYS_SHOWN))
        if start + dt.timedelta(days=days) <= last
        else "",
        "earliest": earliest,
        "latest": latest,
    }


# --- booking --------------------------------------------------------------------------------


@role_required(Role.CLIENT)
def portal_book(request):
    """GET: the types the client may book, then (type chosen) therapists and a week of free
    times; POST: books the time tapped, in one step."""
    client = get_object_or_404(Client.objects.visible_to(request.user))
    form = OnlineBookingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = online.appointment_book_online(
                actor=request.user,
                appointment_type=data["type"],
                starts_at=data["start"],
                therapist=data["therapist"],
            )
        except JustTaken as taken:
            return _booking_page(request, client, form, taken=taken, status=CONFLICT)
        except ValidationError as refused:
            _errors_to_form(form, refused)
            return _booking_page(request, client, form, status=REFUSED)
        messages.success(
            request,
            f"Booked: {appointment.appointment_type.name} on "
            f"{day_time_short(appointment.starts_at)} with "
            f"{appointment.therapist.user.get_full_name()}. A confirmation is on its way "
            "by e-mail.",
        )
        return redirect("portal")
    status = REFUSED if request.method == "POST" else 200
    return _booking_page(request, client, form, status=status)


# The service names the model's fields; the form names its own.
FORM_FIELDS = {"appointment_type": "type", "starts_at": "start", "therapist": "therapist"}


def _errors_to_form(form, refused: ValidationError) -> None:
    """Show each of the service's reasons at its field of the form (the rest above it)."""
    if not hasattr(refused, "error_dict"):
        form.add_error(None, refused)
        return
    for field, errors in refused.error_dict.items():
        target = FORM_FIELDS.get(field)
        form.add_error(target if target in form.fields else None, errors)


def _chosen(request, form, model_field, options):
    """The option chosen by the POST (kept on an error) or by the query string."""
    wanted = None
    if form.is_bound:
        wanted = _uuid(form.data.get(model_field))
    wanted = wanted or _uuid(request.GET.get(model_field))
    return next((o for o in options if o.pk == wanted), None)


def _booking_page(request, client, form, *, taken: JustTaken | None = None, status=200):
    rules = OnlineBookingRules.current()
    now = timezone.now()
    context = {"client": client, "form": form, "rules": rules, "taken": taken}
    refusal = online.closed_refusal(rules) or online.limit_refusal(client, rules, now)
    types = [] if refusal else online_eligibility.bookable_types(client)
    if not refusal and not types:
        refusal = (
            "There is no appointment you can book online just now. Please call the clinic to book."
        )
    context.update(refusal=refusal, types=types)
    chosen_type = _chosen(request, form, "type", types)
    therapists = online.bookable_therapists(rules) if types and rules.choose_therapist else []
    chosen_therapist = _chosen(request, form, "therapist", therapists)
    context.update(
        chosen_type=chosen_type, therapists=therapists, chosen_therapist=chosen_therapist
    )
    if request.GET.get("type") and chosen_type is None and not refusal:
        context["type_refusal"] = "That appointment type cannot be booked online by you."
    if chosen_type is not None:
        week = _week(
            request,
            form,
            rules,
            now,
            type=chosen_type.pk,
            therapist=chosen_therapist.pk if chosen_therapist else "",
        )
        context["week"] = week
        context["times"] = online.free_times(
            appointment_type=chosen_type,
            therapists=online.bookable_therapists(rules, chosen_therapist),
            start_day=week["start"],
            days=week["days"],
            rules=rules,
            now=now,
        )
    audit.record(actor=request.user, action="view", client=client, detail="online booking page")
    return render(request, "scheduling/online_book.html", context, status=status)


# --- moving ---------------------------------------------------------------------------------


@role_required(Role.CLIENT)
def portal_appointment_move(request, appointment_id):
    """GET: free times of the same therapist and type (or why it cannot be moved online);
    POST: moves to the time tapped."""
    appointment = get_object_or_404(
        Appointment.objects.visible_to(request.user).select_related(
            "therapist__user", "appointment_type", "room", "client"
        ),
        pk=appointment_id,
    )
    form = OnlineTimeForm(request.POST or None)
    taken = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                moved = online.appointment_move_online(
                    actor=request.user,
                    appointment=appointment,
                    starts_at=form.cleaned_data["start"],
                )
            except JustTaken as exc:
                taken, status = exc, CONFLICT
            except ValidationError as refused:
                _errors_to_form(form, refused)
                status = REFUSED
            else:
                messages.success(
                    request,
                    f"Moved: your appointment is now on {day_time_short(moved.starts_at)}. "
                    "A new confirmation is on its way by e-mail.",
                )
                return redirect("portal")
        else:
            status = REFUSED
    return _move_page(request, appointment, form, taken=taken, status=status)


def _move_page(request, appointment, form, *, taken=None, status=200):
    rules = OnlineBookingRules.current()
    now = timezone.now()
    context = {
        "appointment": appointment,
        "form": form,
        "taken": taken,
        "refusal": online.move_refusal(appointment, rules, now),
    }
    if not context["refusal"]:
        week = _week(request, form, rules, now)
        context["week"] = week
        times = online.free_times(
            appointment_type=appointment.appointment_type,
            therapists=[appointment.therapist],
            start_day=week["start"],
            days=week["days"],
            rules=rules,
            now=now,
            ignore=appointment,
        )
        context["times"] = [
            (day, [(s, t) for s, t in starts if s != appointment.starts_at])
            for day, starts in times
        ]
    audit.record(
        actor=request.user,
        action="view",
        client=appointment.client,
        target=appointment,
        detail="move page",
    )
    return render(request, "scheduling/online_move.html", context, status=status)


# --- the admin's rules ----------------------------------------------------------------------


@role_required(*Can.set_online_booking.fget.roles)
def online_booking_rules(request):
    rules = OnlineBookingRules.current()
    types = list(AppointmentType.objects.filter(is_active=True))
    initial = {name: getattr(rules, name) for name in online.RULE_FIELDS}
    form = OnlineRulesForm(request.POST or None, initial=initial, types=types)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in online.RULE_FIELDS}
        try:
            online.online_rules_update(
                actor=request.user, values=values, online_for=form.online_for()
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "The online booking rules are saved.")
            return redirect(reverse("online_booking_rules"))
    status = REFUSED if form.is_bound and form.errors else 200
    return render(
        request,
        "scheduling/online_rules.html",
        {"form": form, "rules": rules},
        status=status,
    )
