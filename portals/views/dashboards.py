"""Role dashboards: the site face of `clinic`. Each role lands on its own page after login.
Later apps add their panels here (the site may import every app; the core imports none)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from billing.selectors.payments import payments_received
from billing.selectors.summary import billing_summary
from clinic import audit
from clinic.charts import progress_chart
from clinic.clinic_time import day_bounds, today
from clinic.date_formats import day
from clinic.links import link_maker
from clinic.models import AuditEntry, CareTeamMember, Client, OutboundMail, User
from clinic.permissions import role_required
from clinic.plain_language import GLOSSARY
from clinic.roles import BILLING_ROLES, Role
from clinic.selectors import failed_mails, outbox_backlog
from documents.models import PlanPdf
from documents.pdf import chart_rows
from intake.selectors import current_health_history, missing_for_care
from scheduling import online_eligibility
from scheduling.models import Appointment, OnlineBookingRules, WaitlistEntry
from scheduling.selectors import booking_request_card, online_bookings_since
from scheduling.services.appointments import appointment_client_may_cancel
from scheduling.services.offers import open_offers_for_client
from scheduling.services.online import move_refusal
from sessions_log.models import SessionNote
from sessions_log.progress import milestone_progress
from sessions_log.selectors import unsigned_overdue
from treatment_plans.models import ClearanceRequest, PlanAcknowledgement, PlanVersion

RECENT = 10


@login_required
def home(request):
    return redirect(request.user.dashboard_url_name)


@role_required(*BILLING_ROLES)
def billing_dashboard(request):
    """Billing staff's home (the admin's billing page): the work waiting (drafted charges to
    review, no-shows) and what is owed."""
    return render(request, "portals/billing.html", billing_summary(request.user))


@role_required(Role.ADMIN)
def admin_dashboard(request):
    users_by_role = dict(
        User.objects.filter(is_active=True).values_list("role").annotate(n=Count("pk"))
    )
    return render(
        request,
        "portals/admin.html",
        {
            "client_count": Client.objects.visible_to(request.user).count(),
            "users_by_role": [
                (label, users_by_role.get(value, 0)) for value, label in Role.choices
            ],
            "recent_audit": AuditEntry.objects.visible_to(request.user).select_related(
                "actor", "client"
            )[:RECENT],
            "outbox": outbox_backlog(OutboundMail.objects.visible_to(request.user)),
        },
    )


def _todays_appointments(user):
    start, end = day_bounds(today())
    return (
        Appointment.objects.visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("client", "therapist__user", "appointment_type", "room")
        .order_by("starts_at")
    )


@role_required(Role.THERAPIST)
def therapist_dashboard(request):
    recent = Client.objects.visible_to(request.user).filter(is_active=True).order_by("-updated_at")
    todays = _todays_appointments(request.user).filter(therapist__user=request.user)
    audit.record(actor=request.user, action="list", detail="therapist dashboard: today's clients")
    return render(
        request,
        "portals/therapist.html",
        {
            "recent_clients": recent[:RECENT],
            "todays": todays,
            "overdue_notes": unsigned_overdue(user=request.user),
        },
    )


FREED_SLOTS_SHOWN = 5


def _freed_slots(user) -> list[tuple]:
    """Upcoming cancelled appointments, not booked again since, whose time someone on the
    waitlist could take.
    At most FREED_SLOTS_SHOWN are checked, so the page's query count stays bounded."""
    cancelled = (
        Appointment.objects.visible_to(user)
        .filter(status=Appointment.Status.CANCELLED, starts_at__gt=timezone.now())
        .not_rebooked()
        .select_related("therapist__user", "appointment_type")
        .order_by("-cancelled_at")[:FREED_SLOTS_SHOWN]
    )
    entries = WaitlistEntry.objects.visible_to(user)
    freed = []
    for appointment in cancelled:
        matches = list(entries.matching(appointment)[:3])
        if matches:
            freed.append((appointment, matches))
    return freed


@role_required(Role.FRONT_DESK)
def front_desk_dashboard(request):
    recent = Client.objects.visible_to(request.user).filter(is_active=True).order_by("-created_at")
    visit = audit.record(actor=request.user, action="list", detail=FRONT_DESK_VISIT)
    previous = _previous_visit_at(visit)
    online_since = previous or timezone.now() - ONLINE_LOOK_BACK
    return render(
        request,
        "portals/front_desk.html",
        {
            "recent_clients": recent[:RECENT],
            "todays": _todays_appointments(request.user),
            "freed_slots": _freed_slots(request.user),
            "failed_mails": failed_mails(request.user, limit=RECENT),
            "payments_today": payments_received(request.user, today()),
            "booking_requests": booking_request_card(request.user, since=previous),
            "online_bookings": {
                "since": online_since,
                "rows": online_bookings_since(user=request.user, since=online_since, limit=RECENT),
            },
        },
    )


FRONT_DESK_VISIT = "front desk dashboard: today's clients"
# Online bookings shown on a first visit (no previous one to count from).
ONLINE_LOOK_BACK = dt.timedelta(hours=24)


def _previous_visit_at(visit: AuditEntry) -> dt.datetime | None:
    """When the user last opened this page before `visit` (this visit's audit entry), for
    "new since your last visit" (None on a first visit). Read from the audit trail: the same
    for every device the user works on, and no "last seen" mark of its own to keep."""
    entries = AuditEntry.objects.filter(
        actor_id=visit.actor_id, action=visit.action, detail=visit.detail, id__lt=visit.id
    )
    return entries.order_by("-id").values_list("at", flat=True).first()


@role_required(Role.CLIENT)
def client_portal(request):
    client = get_object_or_404(Client.objects.visible_to(request.user))
    care_team = (
        CareTeamMember.objects.visible_to(request.user)
        .filter(client=client)
        .select_related("physician")
    )
    audit.record(actor=request.user, action="view", client=client, target=client)
    rules = OnlineBookingRules.current()
    return render(
        request,
        "portals/client.html",
        {
            "client": client,
            "care_team": care_team,
            "upcoming": _client_upcoming(request.user, client, rules),
            "offers": list(open_offers_for_client(request.user)),
            "book_online": rules.enabled and bool(online_eligibility.bookable_types(client)),
            "todo": _client_todo(request.user, client),
            "had_a_visit": _had_a_visit(request.user, client),
            "plan": _active_plan(request.user, client),
            "past_sessions": _past_sessions(request.user, client),
            "glossary": GLOSSARY,
            "cancel_hours": rules.cancel_hours,
        },
    )


def _client_upcoming(user, client, rules):
    upcoming = (
        Appointment.objects.visible_to(user)
        .filter(client=client, starts_at__gte=timezone.now())
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("therapist__user", "appointment_type", "room")
        .order_by("starts_at")[:10]
    )
    now = timezone.now()
    return [
        (
            a,
            appointment_client_may_cancel(a, now=now, rules=rules),
            not move_refusal(a, rules, now),
        )
        for a in upcoming
    ]


def _client_todo(user, client) -> list[tuple[str, str]]:
    """What the client still has to complete, each with the page where they do it."""
    history = current_health_history(user=user, client=client)
    todo = []
    if history is None:
        todo.append(("Fill in your health history", reverse("portal_health_history_edit")))
    if any(m.url_name == "client_consents" for m in missing_for_care(client)):
        todo.append(("Sign the consent to treatment", reverse("portal_consents")))
    return todo


def _had_a_visit(user, client) -> bool:
    """Whether the client has been to the clinic: the forms still to complete then come
    before their next visit, not their first."""
    return (
        Appointment.objects.visible_to(user)
        .filter(client=client, starts_at__lt=timezone.now())
        .exclude(status__in=Appointment.NOT_HELD)
        .exists()
    )


def _active_plan(user, client):
    """The active plan's current version, its progress chart and the latest PDF."""
    version = (
        PlanVersion.objects.visible_to(user)
        .filter(plan__client=client, plan__status="active", superseded_at__isnull=True)
        .select_related("plan__therapist")
        .prefetch_related("techniques__technique", "milestones__rom_norm")
        .order_by("-activated_at")
        .first()
    )
    if version is None:
        return None
    progress = milestone_progress(version)
    pdf = (
        PlanPdf.objects.visible_to(user)
        .filter(version=version, status=PlanPdf.Status.READY)
        .order_by("-finished_at")
        .first()
    )
    chart = (
        progress_chart(
            chart_rows(progress),
            title="Progress towards your milestones",
            chart_id="portal-progress",
        )
        if progress
        else None
    )
    return {"version": version, "progress": progress, "pdf": pdf, "chart": chart}


def _past_sessions(user, client):
    return (
        SessionNote.objects.visible_to(user)
        .filter(client=client)
        .select_related("appointment", "therapist")
        .prefetch_related("techniques__technique")
        .order_by("-appointment__starts_at")[:10]
    )


PATIENTS_PER_PAGE = 25
PATIENT_SEARCH_LIMIT = 50


class PatientSearchForm(forms.Form):
    # Drawn by hand in the template (Bootstrap classes here) rather than by crispy-forms,
    # which costs ~1 ms a field on a page a physician opens often.
    q = forms.CharField(
        label="Find a patient by name",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.errors:  # the message under the field is read with it
            attrs = self.fields["q"].widget.attrs
            attrs.update({"class": "form-control is-invalid", "aria-describedby": "q-error"})


@role_required(Role.PHYSICIAN)
def physician_dashboard(request):
    """Consented patients, a page at a time. A name search is POSTed (as on the staff client
    list) so patient names never land in URLs or logs; its result is capped, not paged."""
    patients = (
        Client.objects.visible_to(request.user)
        .only("first_name", "last_name", "date_of_birth")  # all a physician may read of them
        .order_by("last_name", "first_name", "pk")
    )
    form = PatientSearchForm(request.POST or None)
    query = form.cleaned_data["q"].strip() if request.method == "POST" and form.is_valid() else ""
    if query:
        page = None
        clients = list(patients.named(query, preferred_name=False)[: PATIENT_SEARCH_LIMIT + 1])
        detail = f"consented clients: name search, {min(len(clients), PATIENT_SEARCH_LIMIT)} shown"
    else:
        page = Paginator(patients, PATIENTS_PER_PAGE).get_page(request.GET.get("page"))
        clients = list(page.object_list)
        detail = f"consented clients: page {page.number}, {page.paginator.count} in all"
    audit.record(actor=request.user, action="list", detail=detail)
    return render(
        request,
        "portals/physician.html",
        {
            "form": form,
            "page": page,
            "searched": bool(query),
            "too_many": len(clients) > PATIENT_SEARCH_LIMIT,
            "rows": _patient_rows(request.user, clients[:PATIENT_SEARCH_LIMIT]),
            "pending": _pending_clearances(request.user),
        },
    )


# What a row and the clearance panel show: nothing else of a plan (long texts) is read.
_ROW_FIELDS = (
    "number",
    "activated_at",
    "health_goal",
    "plan__client_id",
    "plan__therapist__first_name",
    "plan__therapist__last_name",
)
_CLEARANCE_FIELDS = (
    "created_at",
    "technique__name",
    "version__plan__client__first_name",
    "version__plan__client__last_name",
)


@dataclass(frozen=True)
class PatientRow:
    """One card of the list, ready to print: the template reads these and the version's number
    and goal, nothing else. Template lookups, filters and {% url %} add up over 25 cards."""

    client: Client
    name: str
    born: str
    client_url: str
    version: PlanVersion | None = None  # the active plan's current version
    since: str = ""  # the version's activation day, clinic time
    therapist: str = ""
    acknowledged: bool = False  # by this physician
    plan_url: str = ""
    pdf_url: str = ""
    acknowledge_url: str = ""


_ROW_LINKS = ("client_detail", "plan_detail", "plan_version_pdf", "plan_version_acknowledge")


def _patient_rows(user, clients) -> list[PatientRow]:
    """The shown clients only, with their plans in one query whatever the number of patients."""
    mine = PlanAcknowledgement.objects.filter(physician__user=user, version=OuterRef("pk"))
    versions = {
        v.plan.client_id: v
        for v in PlanVersion.objects.visible_to(user)
        .filter(plan__client__in=clients, plan__status="active", superseded_at__isnull=True)
        .annotate(acknowledged=Exists(mine))
        .select_related("plan__therapist")
        .only(*_ROW_FIELDS)
        .order_by("activated_at")  # two active plans: the newest version wins, as on the portal
    }
    link = {url_name: link_maker(url_name) for url_name in _ROW_LINKS}
    return [_patient_row(client, versions.get(client.pk), link) for client in clients]


def _patient_row(client, version, link) -> PatientRow:
    row = PatientRow(
        client=client,
        name=f"{client.last_name}, {client.first_name}",
        born=day(client.date_of_birth),
        client_url=link["client_detail"](client.pk),
    )
    if version is None:
        return row
    return replace(
        row,
        version=version,
        since=day(version.activated_at),
        therapist=version.plan.therapist.get_full_name(),
        acknowledged=version.acknowledged,
        plan_url=link["plan_detail"](version.plan_id),
        pdf_url=link["plan_version_pdf"](version.pk),
        acknowledge_url=link["plan_version_acknowledge"](version.pk),
    )


def _pending_clearances(user):
    return (
        ClearanceRequest.objects.visible_to(user)
        .pending()
        .select_related("version__plan__client", "technique")
        .only(*_CLEARANCE_FIELDS)
    )
