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

from clinic import audit
from clinic.clinic_time import clinic_tz, day_bounds, local, today
from clinic.date_formats import day_time_short
from clinic.links import link_maker
from clinic.models import Therapist
from clinic.permissions import Can, role_required
from clinic.roles import STAFF_ROLES
from clinic.submissions import creates_once, saved
from scheduling import selectors
from scheduling.forms import (
    FreeSlotForm,
    ScheduleDateForm,
    TimeOffForm,
    WorkingHoursFormSet,
    hours_initial,
)
from scheduling.models import Appointment, TimeOff
from scheduling.services import resources

ROW_MINUTES = 15
MAX_SPAN_ROWS = 96  # schedule.css has .gs-1 ... .gs-96
FALLBACK_HOURS = (8 * 60, 18 * 60)  # minutes after midnight, when nobody works that day


# --- input --------------------------------------------------------------------------------------


def _day_param(request) -> dt.date:
    """The `date` query parameter; a malformed one falls back to today with a message,
    because a bookmarked or hand-edited URL should still show a calendar."""
    form = ScheduleDateForm(request.GET)
    if form.is_valid():
        return form.cleaned_data["date"] or today()
    error = form.errors.as_data()["date"][0]
    if error.code == "date_out_of_range":
        messages.error(request, f"{error.messages[0]} Showing today instead.")
        return today()
    messages.error(
        request,
        f"“{request.GET.get('date', '')[:20]}” is not a date (use YYYY-MM-DD); "
        "showing today instead.",
    )
    return today()


def _reverse_or_none(name: str, **kwargs) -> str | None:
    """URLs built by other parts of the app, which may not be installed yet."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


# --- grid layout --------------------------------------------------------------------------------
# A busy day view has 20 columns and ~300 appointments. Everything per row or per appointment
# is computed here, once, as plain values (a dict per appointment: the template's cheapest
# lookup); templates/scheduling/_blocks.html draws them in one loop per column.


@dataclass
class Run:
    """Consecutive rows of one kind: "work", "off" (outside hours) or "away" (time off)."""

    kind: str
    row: int
    span: int

    @property
    def css(self) -> str:
        return f"cell cell-{self.kind} gr-{self.row} gs-{self.span}"


@dataclass
class HourLabel:
    row: int
    span: int
    label: str

    @property
    def css(self) -> str:
        return f"cell cell-time gr-{self.row} gs-{self.span} on-hour"


@dataclass
class Head:
    """A column's heading: a therapist (day view) or a day (week view), the hours worked,
    time off, and how many cancelled appointments are not drawn."""

    title: str
    url: str
    hours: str
    cancelled: int
    is_today: bool = False
    slots_url: str | None = None


@dataclass
class Column:
    head: Head
    runs: list[Run] = field(default_factory=list)
    blocks: list[dict] = field(default_factory=list)  # what _block gives, for _blocks.html


@dataclass
class Grid:
    hours: list[HourLabel]
    columns: list[Column]
    hour_at: int  # rows from the top to the first hour line (the grid may start at :15)


def _minute(moment: dt.datetime, day: dt.date) -> int:
    """Minutes after the clinic's midnight on `day`, by the wall clock, clipped to the day."""
    return _on_day(local(moment), day)


@dataclass
class Placed:
    """An appointment with its start and end in minutes on the column's day (clipped to it:
    the grid range and the block both need them)."""

    entry: selectors.CalendarEntry
    start: int
    end: int
    in_time_off: bool = False


def _placed(column: selectors.CalendarDay) -> list[Placed]:
    day = column.day
    away = [(_minute(t.starts_at, day), _minute(t.ends_at, day)) for t in column.time_off]
    placed = []
    for entry in column.appointments:
        start, end = _on_day(entry.starts, day), _on_day(entry.ends, day)
        in_time_off = any(start < off_end and end > off_start for off_start, off_end in away)
        placed.append(Placed(entry, start, end, in_time_off))
    return placed


def _on_day(wall: dt.datetime, day: dt.date) -> int:
    """A wall-clock moment as minutes after `day`'s midnight, clipped to the day."""
    on = wall.date()
    if on == day:
        return wall.hour * 60 + wall.minute
    return 0 if on < day else 24 * 60


def _grid_range(
    columns: list[selectors.CalendarDay], placed: list[list[Placed]]
) -> tuple[int, int]:
    """From the earliest working start to the latest end (widened to show every appointment),
    in whole quarter hours."""
    starts = [_of_day(h.start_time) for column in columns for h in column.hours]
    ends = [_of_day(h.end_time) for column in columns for h in column.hours]
    for appointments in placed:
        starts.extend(p.start for p in appointments)
        ends.extend(p.end for p in appointments)
    if not starts:
        return FALLBACK_HOURS
    first = min(starts) // ROW_MINUTES * ROW_MINUTES
    last = math.ceil(max(ends) / ROW_MINUTES) * ROW_MINUTES
    return first, max(last, first + ROW_MINUTES)


def _of_day(time: dt.time) -> int:
    return time.hour * 60 + time.minute


def _row_kinds(column: selectors.CalendarDay, first: int, last: int) -> list[str]:
    """The kind of each quarter hour from `first` to `last`: "work" for a row wholly inside
    working hours, "away" for a row touching time off (it wins), else "off"."""
    rows = (last - first) // ROW_MINUTES
    kinds = ["off"] * rows
    for h in column.hours:
        top = max(0, -(-(_of_day(h.start_time) - first) // ROW_MINUTES))  # ceil
        bottom = min(rows, (_of_day(h.end_time) - first) // ROW_MINUTES)
        kinds[top:bottom] = ["work"] * max(0, bottom - top)
    for away in column.time_off:
        top = max(0, (_minute(away.starts_at, column.day) - first) // ROW_MINUTES)
        bottom = min(rows, -(-(_minute(away.ends_at, column.day) - first) // ROW_MINUTES))
        kinds[top:bottom] = ["away"] * max(0, bottom - top)
    return kinds


def _runs(kinds: list[str]) -> list[Run]:
    runs: list[Run] = []
    for row, kind in enumerate(kinds, start=1):
        if runs and runs[-1].kind == kind:
            runs[-1].span += 1
        else:
            runs.append(Run(kind, row, 1))
    return runs


def _hour_labels(first: int, last: int) -> list[HourLabel]:
    labels = []
    for minute in range(math.ceil(first / 60) * 60, last, 60):
        row = (minute - first) // ROW_MINUTES + 1
        labels.append(
            HourLabel(row, min(60, last - minute) // ROW_MINUTES, f"{minute // 60:02d}:00")
        )
    return labels


def _layout(columns: list[selectors.CalendarDay], head, intake=None) -> Grid:
    """`head(column)` is the column's Head (from _therapist_heads or _day_head); `intake` what
    each appointment's client still lacks (selectors.intake_gaps), when the viewer may see it."""
    intake = intake or {}
    placed = [_placed(column) for column in columns]
    first, last = _grid_range(columns, placed)
    detail_url = link_maker("appointment_detail")
    laid_out = [
        Column(
            head=head(column),
            runs=_runs(_row_kinds(column, first, last)),
            blocks=[_block(p, first, last, detail_url, intake) for p in appointments],
        )
        for column, appointments in zip(columns, placed, strict=True)
    ]
    return Grid(_hour_labels(first, last), laid_out, (-first % 60) // ROW_MINUTES)


def _hours_note(column: selectors.CalendarDay) -> str:
    """“09:00–12:00, 13:00–17:00 · Away (Dentist)”, or “Not working”."""
    hours = ", ".join(f"{h.start_time:%H:%M}–{h.end_time:%H:%M}" for h in column.hours)
    note = hours or "Not working"
    if column.time_off:
        note += " · Away" + "".join(f" ({t.reason})" for t in column.time_off if t.reason)
    return note


def _therapist_heads():
    """The day view's heads: a therapist, linking to their week, and their free slots."""
    week, slots = link_maker("schedule_week"), reverse("free_slot_finder")

    def head(column: selectors.CalendarDay) -> Head:
        user, date = column.therapist.user, f"date={column.day:%Y-%m-%d}"
        return Head(
            title=user.get_full_name() or user.username,
            url=f"{week(column.therapist.pk)}?{date}",
            hours=_hours_note(column),
            cancelled=column.cancelled,
            slots_url=f"{slots}?therapist={column.therapist.pk}&{date}",
        )

    return head


def _day_head(column: selectors.CalendarDay) -> Head:
    day = column.day
    return Head(
        title=f"{day:%a} {day.day} {day:%b}",
        url=f"{reverse('schedule_day')}?date={day:%Y-%m-%d}",
        hours=_hours_note(column),
        cancelled=column.cancelled,
        is_today=day == today(),
    )


_STATUS_LABELS = dict(Appointment.Status.choices)


def _block(placed: Placed, first: int, last: int, detail_url, intake) -> dict:
    """What templates/scheduling/_blocks.html draws of an appointment: its link, CSS classes
    (status, time off, grid row and span) and texts."""
    appointment = placed.entry
    gap = intake.get(appointment.pk)
    start, end = max(placed.start, first), min(placed.end, last)
    rows_left = (last - start) // ROW_MINUTES
    span = min(max(1, math.ceil((end - start) / ROW_MINUTES)), MAX_SPAN_ROWS, rows_left)
    starts, ends = appointment.starts, appointment.ends
    times = f"{starts.hour:02d}:{starts.minute:02d}–{ends.hour:02d}:{ends.minute:02d}"
    kind, room = appointment.type_name, appointment.room_name
    client, status = appointment.client_name, _STATUS_LABELS[appointment.status]
    away = placed.in_time_off
    online = appointment.channel in Appointment.BY_CLIENT
    row = (start - first) // ROW_MINUTES + 1
    return {
        "url": detail_url(appointment.pk),
        "css": (
            f"appt status-{appointment.status}{' in-away' if away else ''} "
            f"gr-{row} gs-{max(span, 1)}"
        ),
        "title": (
            f"{times} {client}, {kind}{f', {room}' if room else ''}, {status}"
            f"{', in time off' if away else ''}{', booked online' if online else ''}"
            f"{''.join(f', {label}' for label in gap.missing) if gap else ''}"
        ),
        "away": away,
        "online": online,
        "time": times,
        "client": client,
        "what": f"{kind} · {room}" if room else kind,
        "status": status,
        "missing": gap.missing if gap else (),
        "no_portal_account": bool(gap and gap.no_portal_account),
    }


# --- calendars ----------------------------------------------------------------------------------


@role_required(*STAFF_ROLES)
def schedule_day(request):
    day = _day_param(request)
    columns = selectors.day_schedule(user=request.user, day=day)
    grid = _layout(columns, _therapist_heads(), _intake_gaps(request.user, columns))
    audit.record(actor=request.user, action="list", detail=f"day schedule {day:%Y-%m-%d}")
    return render(
        request,
        "scheduling/day.html",
        {
            "day": day,
            "today": today(),
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "date_form": ScheduleDateForm(initial={"date": day}),
            "grid": grid,
            "tz_name": clinic_tz().key,
        },
    )


def _intake_gaps(user, columns: list[selectors.CalendarDay]) -> dict:
    """What the clients of the drawn appointments still lack before treatment (one query)."""
    if not Can(user).see_care_readiness:
        return {}
    return selectors.intake_gaps([a.pk for column in columns for a in column.appointments])


@role_required(*STAFF_ROLES)
def schedule_week(request, therapist_id):
    therapist = get_object_or_404(Therapist.objects.select_related("user"), pk=therapist_id)
    day = _day_param(request)
    columns = selectors.week_schedule(user=request.user, therapist=therapist, day=day)
    grid = _layout(columns, _day_head, _intake_gaps(request.user, columns))
    monday = columns[0].day
    audit.record(
        actor=request.user,
        action="list",
        target=therapist,
        detail=f"week schedule from {monday:%Y-%m-%d}",
    )
    return render(
        request,
        "scheduling/week.html",
        {
            "therapist": therapist,
            "monday": monday,
            "sunday": columns[-1].day,
            "today": today(),
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
            "date_form": ScheduleDateForm(initial={"date": day}),
            "grid": grid,
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
            therapist=data["therapist"],
            appointment_type=data["type"],
            start_day=start_day,
            days=FINDER_DAYS,
        )
        if data.get("client"):
            audit.record(
                actor=request.user,
                action="view",
                client=data["client"],
                target=data["client"],
                detail="free-slot finder",
            )
        later = request.GET.copy()
        later["date"] = f"{start_day + dt.timedelta(days=FINDER_DAYS):%Y-%m-%d}"
        context |= {
            "results": _slot_links(results, data),
            "chosen": data,
            "start_day": start_day,
            "end_day": start_day + dt.timedelta(days=FINDER_DAYS - 1),
            "later_query": later.urlencode(),
        }
    return render(request, "scheduling/free_slots.html", context)


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
@creates_once  # the time-off form; the page's other forms carry no token
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
        "scheduling/therapist_hours.html",
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
            request,
            f"{_booked_appointments(outside, now=True)} outside these hours. They stay "
            "booked; reschedule them if needed.",
        )
    return redirect(request.path)


def _booked_appointments(count: int, *, now: bool = False) -> str:
    """“1 booked appointment falls”, “3 booked appointments fall” (with “now” before the verb)."""
    verb = "falls" if count == 1 else "fall"
    return f"{count} booked appointment{'' if count == 1 else 's'} {'now ' if now else ''}{verb}"


NAMED_AT_MOST = 10  # a week away over a full book: the rest are on the calendar


def _named(appointments) -> str:
    """“Mon 7 Dec, 10:00 Ana Ruiz; Tue 8 Dec, 09:00 Bo Li” (and how many more)."""
    named = "; ".join(
        f"{day_time_short(a.starts_at)} {a.client}" for a in appointments[:NAMED_AT_MOST]
    )
    more = len(appointments) - NAMED_AT_MOST
    return f"{named}; and {more} more" if more > 0 else named


def _add_time_off(request, therapist):
    form = TimeOffForm(request.POST, prefix="off")
    if not form.is_valid():
        messages.error(request, "The time off was not saved. Correct the marked fields.")
        return {"time_off_form": form}
    data = form.cleaned_data
    try:
        resources.time_off_add(
            actor=request.user,
            therapist=therapist,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            reason=data["reason"],
        )
    except ValidationError as error:
        for name, problems in error.message_dict.items():
            form.add_error(name if name in form.fields else None, problems)
        return {"time_off_form": form}
    messages.success(request, "Time off added.")
    clashes = selectors.booked_during(
        user=request.user, therapist=therapist, start=data["starts_at"], end=data["ends_at"]
    )
    if clashes:
        messages.warning(
            request,
            f"{_booked_appointments(len(clashes))} in this time off: "
            f"{_named(clashes)}. They stay booked; reschedule or cancel them.",
        )
    return saved(redirect(request.path))


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
