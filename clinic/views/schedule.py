"""Calendars (a day for every therapist, a week for one), the free-slot finder, and each
therapist's hours, time off and calendar feed link. Thin views: parse, call a selector or a
service, render. The grid layout below turns times into CSS grid rows (no inline styles)."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from clinic import audit, selectors
from clinic.clinic_time import clinic_tz, day_bounds, local, today
from clinic.forms_schedule import (
    FreeSlotForm,
    ScheduleDateForm,
    TimeOffForm,
    WorkingHoursFormSet,
    hours_initial,
)
from clinic.models import Therapist, TimeOff
from clinic.permissions import role_required
from clinic.roles import STAFF_ROLES
from clinic.services import resources

ROW_MINUTES = 15
MAX_SPAN_ROWS = 48  # schedule.css has .gs-1 ... .gs-48
FALLBACK_HOURS = (8 * 60, 18 * 60)  # minutes after midnight, when nobody works that day


# --- input --------------------------------------------------------------------------------------


def _day_param(request) -> dt.date:
    """The `date` query parameter; a malformed one falls back to today with a message,
    because a bookmarked or hand-edited URL should still show a calendar."""
    form = ScheduleDateForm(request.GET)
    if form.is_valid():
        return form.cleaned_data["date"] or today()
    messages.error(
        request, f"“{request.GET.get('date', '')[:20]}” is not a date (use YYYY-MM-DD); "
        "showing today instead."
    )  # fmt: skip
    return today()


def _reverse_or_none(name: str, **kwargs) -> str | None:
    """URLs built by other parts of the app, which may not be installed yet."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


# --- grid layout --------------------------------------------------------------------------------


@dataclass
class Block:
    appointment: object
    starts: dt.datetime  # clinic-local
    ends: dt.datetime
    row: int
    span: int
    url: str | None


@dataclass
class Cell:
    row: int
    kind: str  # "time" (the hour labels), "work", "off" (outside hours) or "away" (time off)
    on_hour: bool
    label: str = ""


@dataclass
class Column:
    day: selectors.CalendarDay
    cells: list[Cell] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


def _minute(moment: dt.datetime, day: dt.date) -> int:
    """Minutes after the clinic's midnight on `day`, by the wall clock, clipped to the day."""
    moment = local(moment)
    if moment.date() < day:
        return 0
    if moment.date() > day:
        return 24 * 60
    return moment.hour * 60 + moment.minute


def _grid_range(columns: list[selectors.CalendarDay]) -> tuple[int, int]:
    """From the earliest working start to the latest end (widened to show every appointment),
    in whole quarter hours."""
    starts, ends = [], []
    for column in columns:
        for h in column.hours:
            starts.append(_of_day(h.start_time))
            ends.append(_of_day(h.end_time))
        for a in column.appointments:
            starts.append(_minute(a.starts_at, column.day))
            ends.append(_minute(a.ends_at, column.day))
    if not starts:
        return FALLBACK_HOURS
    first = min(starts) // ROW_MINUTES * ROW_MINUTES
    last = math.ceil(max(ends) / ROW_MINUTES) * ROW_MINUTES
    return first, max(last, first + ROW_MINUTES)


def _of_day(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def _cell_kind(column: selectors.CalendarDay, minute: int) -> str:
    end = minute + ROW_MINUTES
    for away in column.time_off:
        if _minute(away.starts_at, column.day) < end and _minute(away.ends_at, column.day) > minute:
            return "away"
    if any(_of_day(h.start_time) <= minute and end <= _of_day(h.end_time) for h in column.hours):
        return "work"
    return "off"


def _layout(columns: list[selectors.CalendarDay]) -> tuple[list[Cell], list[Column]]:
    first, last = _grid_range(columns)
    minutes = range(first, last, ROW_MINUTES)
    times = [
        Cell(n, "time", m % 60 == 0, f"{m // 60:02d}:00" if m % 60 == 0 else "")
        for n, m in enumerate(minutes, start=1)
    ]
    laid_out = []
    for day in columns:
        column = Column(day=day)
        for n, m in enumerate(minutes, start=1):
            column.cells.append(Cell(n, _cell_kind(day, m), m % 60 == 0))
        column.blocks = [_block(a, day.day, first, last) for a in day.appointments]
        laid_out.append(column)
    return times, laid_out


def _block(appointment, day: dt.date, first: int, last: int) -> Block:
    start = max(_minute(appointment.starts_at, day), first)
    end = min(_minute(appointment.ends_at, day), last)
    rows_left = (last - start) // ROW_MINUTES
    span = min(max(1, math.ceil((end - start) / ROW_MINUTES)), MAX_SPAN_ROWS, rows_left)
    return Block(
        appointment=appointment,
        starts=local(appointment.starts_at),
        ends=local(appointment.ends_at),
        row=(start - first) // ROW_MINUTES + 1,
        span=max(span, 1),
        url=_reverse_or_none("appointment_detail", appointment_id=appointment.pk),
    )


# --- calendars ----------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def schedule_day(request):
    day = _day_param(request)
    columns = selectors.day_schedule(user=request.user, day=day)
    times, laid_out = _layout(columns)
    audit.record(actor=request.user, action="list", detail=f"day schedule {day:%Y-%m-%d}")
    return render(
        request,
        "schedule/day.html",
        {
            "day": day,
            "today": today(),
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "date_form": ScheduleDateForm(initial={"date": day}),
            "times": times,
            "columns": laid_out,
            "tz_name": clinic_tz().key,
        },
    )


@role_required(*STAFF_ROLES)
def schedule_week(request, therapist_id):
    therapist = get_object_or_404(Therapist.objects.select_related("user"), pk=therapist_id)
    day = _day_param(request)
    columns = selectors.week_schedule(user=request.user, therapist=therapist, day=day)
    times, laid_out = _layout(columns)
    monday = columns[0].day
    audit.record(
        actor=request.user, action="list", target=therapist,
        detail=f"week schedule from {monday:%Y-%m-%d}",
    )  # fmt: skip
    return render(
        request,
        "schedule/week.html",
        {
            "therapist": therapist,
            "monday": monday,
            "sunday": columns[-1].day,
            "today": today(),
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
            "date_form": ScheduleDateForm(initial={"date": day}),
            "times": times,
            "columns": laid_out,
            "tz_name": clinic_tz().key,
            "can_manage": resources.can_manage(request.user, therapist),
        },
    )


# --- free slots ---------------------------------------------------------------------------------

FINDER_DAYS = 7


def _slot_links(results, form_data) -> list[tuple[dt.date, list[tuple[str, str | None]]]]:
    """(day, [(label, booking URL)]) with the booking form's query parameters."""
    base = _reverse_or_none("appointment_new")
    params = {"therapist": form_data["therapist"].pk, "type": form_data["type"].pk}
    if form_data.get("client"):
        params = {"client": form_data["client"].pk, **params}
    grouped = []
    for day, starts in results:
        links = []
        for start in starts:
            wall = local(start)
            query = urlencode({**params, "start": f"{wall:%Y-%m-%dT%H:%M}"})
            links.append((f"{wall:%H:%M}", f"{base}?{query}" if base else None))
        grouped.append((day, links))
    return grouped


@role_required(*STAFF_ROLES)
def free_slot_finder(request):
    form = FreeSlotForm(request.GET or None, user=request.user)
    start_day = max(_day_param(request), today())
    context = {
        "form": form,
        "date_form": _finder_date_form(start_day),
        "results": None,
        "tz_name": clinic_tz().key,
        "finder_days": FINDER_DAYS,
    }
    if form.is_valid():
        data = form.cleaned_data
        results = selectors.free_slots(
            therapist=data["therapist"], appointment_type=data["type"],
            start_day=start_day, days=FINDER_DAYS,
        )  # fmt: skip
        if data.get("client"):
            audit.record(
                actor=request.user, action="view", client=data["client"],
                target=data["client"], detail="free-slot finder",
            )  # fmt: skip
        later = request.GET.copy()
        later["date"] = f"{start_day + dt.timedelta(days=FINDER_DAYS):%Y-%m-%d}"
        context |= {
            "results": _slot_links(results, data),
            "chosen": data,
            "start_day": start_day,
            "end_day": start_day + dt.timedelta(days=FINDER_DAYS - 1),
            "later_query": later.urlencode(),
        }
    return render(request, "schedule/free_slots.html", context)


def _finder_date_form(start_day: dt.date) -> ScheduleDateForm:
    form = ScheduleDateForm(initial={"date": start_day})
    form.fields["date"].label = "From"
    return form


# --- a therapist's hours, time off and feed -----------------------------------------------------


def _managed_therapist(request, therapist_id) -> Therapist:
    therapist = get_object_or_404(Therapist.objects.select_related("user"), pk=therapist_id)
    if not resources.can_manage(request.user, therapist):
        raise PermissionDenied("You may manage only your own hours and time off.")
    return therapist


@role_required(*STAFF_ROLES)
def therapist_hours(request, therapist_id):
    therapist = _managed_therapist(request, therapist_id)
    hours_formset = WorkingHoursFormSet(
        initial=hours_initial(therapist.hours.all()), prefix="hours"
    )
    time_off_form = TimeOffForm(prefix="off")
    if request.method == "POST":
        action = request.POST.get("action", "")
        handler = POST_ACTIONS.get(action)
        if handler is None:
            messages.error(request, "Unknown action; nothing was changed.")
            return redirect(request.path)
        outcome = handler(request, therapist)
        if not isinstance(outcome, dict):
            return outcome  # a redirect after a successful change
        hours_formset = outcome.get("hours_formset", hours_formset)
        time_off_form = outcome.get("time_off_form", time_off_form)
    return _render_hours(request, therapist, hours_formset, time_off_form)


def _render_hours(request, therapist, hours_formset, time_off_form):
    upcoming = TimeOff.objects.filter(therapist=therapist, ends_at__gte=day_bounds(today())[0])
    feed_url = None
    if therapist.calendar_token:
        path = _reverse_or_none("therapist_calendar_feed", token=therapist.calendar_token)
        feed_url = request.build_absolute_uri(path) if path else None
    return render(
        request,
        "schedule/therapist_hours.html",
        {
            "therapist": therapist,
            "hours_formset": hours_formset,
            "time_off_form": time_off_form,
            "time_off": upcoming,
            "feed_on": bool(therapist.calendar_token),
            "feed_url": feed_url,
            "tz_name": clinic_tz().key,
        },
    )


def _save_hours(request, therapist):
    formset = WorkingHoursFormSet(
        request.POST, initial=hours_initial(therapist.hours.all()), prefix="hours"
    )
    if not formset.is_valid():
        messages.error(request, "The working hours were not saved. Correct the marked rows.")
        return {"hours_formset": formset}
    try:
        resources.working_hours_replace(
            actor=request.user, therapist=therapist, intervals=formset.intervals()
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return {"hours_formset": formset}
    messages.success(request, "Working hours saved.")
    outside = selectors.booked_outside_hours(therapist=therapist)
    if outside:
        messages.warning(
            request, f"{outside} booked appointment{'s' if outside != 1 else ''} now fall "
            "outside these hours. They stay booked; reschedule them if needed."
        )  # fmt: skip
    return redirect(request.path)


def _add_time_off(request, therapist):
    form = TimeOffForm(request.POST, prefix="off")
    if not form.is_valid():
        messages.error(request, "The time off was not saved. Correct the marked fields.")
        return {"time_off_form": form}
    data = form.cleaned_data
    try:
        resources.time_off_add(
            actor=request.user, therapist=therapist, starts_at=data["starts_at"],
            ends_at=data["ends_at"], reason=data["reason"],
        )  # fmt: skip
    except ValidationError as error:
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
        return {"time_off_form": form}
    messages.success(request, "Time off added.")
    clashes = selectors.booked_during(
        therapist=therapist, start=data["starts_at"], end=data["ends_at"]
    )
    if clashes:
        messages.warning(
            request, f"{clashes} booked appointment{'s' if clashes != 1 else ''} fall in this "
            "time off. They stay booked; reschedule or cancel them."
        )  # fmt: skip
    return redirect(request.path)


def _delete_time_off(request, therapist):
    time_off = get_object_or_404(
        TimeOff, pk=_uuid_or_404(request.POST.get("time_off")), therapist=therapist
    )
    resources.time_off_delete(actor=request.user, time_off=time_off)
    messages.success(request, "Time off removed.")
    return redirect(request.path)


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404("No such time off.") from None


def _rotate_feed(request, therapist):
    had_link = bool(therapist.calendar_token)
    resources.calendar_token_rotate(actor=request.user, therapist=therapist)
    messages.success(
        request,
        "A new calendar link was made; the old one no longer works."
        if had_link
        else "The calendar feed is on. Copy the link into your calendar app.",
    )
    return redirect(request.path)


def _revoke_feed(request, therapist):
    resources.calendar_token_revoke(actor=request.user, therapist=therapist)
    messages.success(request, "The calendar feed is off; the old link no longer works.")
    return redirect(request.path)


POST_ACTIONS = {
    "hours": _save_hours,
    "time_off_add": _add_time_off,
    "time_off_delete": _delete_time_off,
    "feed_rotate": _rotate_feed,
    "feed_revoke": _revoke_feed,
}
