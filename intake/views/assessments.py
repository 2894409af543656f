"""Assessment pages: a client's assessments, record a new one, read one, correct one.
Thin views: reads start from `visible_to`, the forms parse, the service writes. Clients (their
own) and consented physicians get the summary: no clinical impression, no edit links."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render

from clinic import audit
from clinic.models import Client
from clinic.permissions import Can, role_required
from clinic.roles import Role
from clinic.submissions import creates_once, saved
from intake.body_chart import label_of, render_body_chart
from intake.forms.assessments import LEFS_QUESTIONS, assessment_forms
from intake.models import Assessment, RangeOfMotion, RomNorm
from intake.services.assessments import (
    assessment_can_edit,
    assessment_create,
    assessment_update,
)

READERS = (Role.ADMIN, Role.THERAPIST, Role.CLIENT, Role.PHYSICIAN)


@role_required(*READERS)
def assessment_list(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    assessments = (
        Assessment.objects.visible_to(request.user)
        .filter(client=client)
        .select_related("assessed_by")
    )
    audit.record(actor=request.user, action="list", client=client, detail="assessments")
    return render(
        request,
        "intake/assessment_list.html",
        {
            "client": client,
            "assessments": assessments,
            "may_record": Can(request.user).chart,
        },
    )


@role_required(*READERS)
def assessment_detail(request, assessment_id):
    assessment = _get_assessment(request, assessment_id)
    previous = _previous(request.user, assessment)
    audit.record(actor=request.user, action="view", client=assessment.client, target=assessment)
    summary = not Can(request.user).see_clinical_detail
    return render(
        request,
        "intake/assessment_detail.html",
        {
            "assessment": assessment,
            "client": assessment.client,
            "previous": previous,
            "summary": summary,
            "may_edit": not summary and assessment_can_edit(request.user, assessment),
            "rom_rows": rom_table(assessment.rom.all(), previous.rom.all() if previous else ()),
            "pain_svg": render_body_chart(assessment.pain_regions, title="Pain map"),
            "pain_list": _pain_list(assessment.pain_regions),
            "lefs": list(zip(LEFS_QUESTIONS, assessment.lefs_items, strict=False)),
        },
    )


@role_required(Role.THERAPIST)
@creates_once
def assessment_new(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    previous = _latest(request.user, client)
    forms = assessment_forms(request.POST or None, previous=previous)
    if request.method == "POST" and forms.is_valid():
        try:
            assessment = assessment_create(
                actor=request.user, client=client, **forms.service_kwargs()
            )
        except ValidationError as error:
            forms.add_service_errors(error)
        else:
            messages.success(request, f"{assessment.get_kind_display()} recorded.")
            return saved(_after_save(request, assessment))
    return _render_form(request, forms, client=client, previous=previous)


@role_required(Role.THERAPIST)
def assessment_edit(request, assessment_id):
    assessment = _get_assessment(request, assessment_id)
    if not assessment_can_edit(request.user, assessment):
        raise PermissionDenied("Only the therapist who made this assessment may change it.")
    forms = assessment_forms(request.POST or None, assessment=assessment)
    if request.method == "POST" and forms.is_valid():
        try:
            assessment_update(actor=request.user, assessment=assessment, **forms.service_kwargs())
        except ValidationError as error:
            forms.add_service_errors(error)
        else:
            messages.success(request, "Assessment saved.")
            return _after_save(request, assessment)
    if request.method == "GET":  # the form shows the assessment
        audit.record(actor=request.user, action="view", client=assessment.client, target=assessment)
    return _render_form(request, forms, client=assessment.client, assessment=assessment)


# --- the ROM table ----------------------------------------------------------------------------

ASYMMETRY_FLAG_PERCENT = 10  # a left/right difference above this suggests an imbalance


@dataclass
class RomLine:
    """One movement: its measurements by side, and last time's degrees by side."""

    norm: RomNorm
    sides: dict[str, RangeOfMotion] = field(default_factory=dict)
    previous: dict[str, int] = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple[str, RangeOfMotion | None, int | None]]:
        order = ("left", "right") if self.norm.bilateral else ("central",)
        return [(side, self.sides.get(side), self.previous.get(side)) for side in order]

    @property
    def asymmetry(self) -> float | None:
        """|L - R| / max(L, R) * 100, when both sides were measured."""
        left, right = self.sides.get("left"), self.sides.get("right")
        if left is None or right is None or max(left.degrees, right.degrees) == 0:
            return None
        high = max(left.degrees, right.degrees)
        return round(abs(left.degrees - right.degrees) / high * 100, 1)

    @property
    def asymmetry_flagged(self) -> bool:
        return self.asymmetry is not None and self.asymmetry > ASYMMETRY_FLAG_PERCENT


def rom_table(rows, previous_rows=()) -> list[RomLine]:
    """Rows (with `norm` loaded) grouped by movement, in the norms' order."""
    lines: dict = {}
    for row in rows:
        line = lines.setdefault(row.norm_id, RomLine(norm=row.norm))
        line.sides[row.side] = row
    for row in previous_rows:
        if row.norm_id in lines:  # history is shown beside today's values only
            lines[row.norm_id].previous[row.side] = row.degrees
    return sorted(lines.values(), key=lambda line: (line.norm.joint, line.norm.movement))


# --- helpers ----------------------------------------------------------------------------------


def _rows_prefetch():
    return (
        Prefetch("rom", queryset=RangeOfMotion.objects.select_related("norm")),
        "muscle_tests",
        "special_tests",
    )


def _get_assessment(request, assessment_id) -> Assessment:
    return get_object_or_404(
        Assessment.objects.visible_to(request.user)
        .select_related("client", "assessed_by")
        .prefetch_related(*_rows_prefetch()),
        pk=assessment_id,
    )


def _previous(user, assessment: Assessment) -> Assessment | None:
    """The assessment before this one (by date, then by when it was recorded)."""
    earlier = (
        Assessment.objects.visible_to(user)
        .filter(client_id=assessment.client_id)
        .exclude(pk=assessment.pk)
        .filter(assessed_on__lte=assessment.assessed_on)
        .exclude(assessed_on=assessment.assessed_on, created_at__gt=assessment.created_at)
    )
    return earlier.prefetch_related(_rows_prefetch()[0]).first()


def _latest(user, client: Client) -> Assessment | None:
    return (
        Assessment.objects.visible_to(user)
        .filter(client=client)
        .prefetch_related(*_rows_prefetch())
        .first()
    )


def _pain_list(regions: dict) -> list[tuple[str, int]]:
    ordered = sorted(regions.items(), key=lambda item: (-item[1], item[0]))
    return [(label_of(key), value) for key, value in ordered if value]


def _after_save(request, assessment: Assessment):
    """ "Save and add more rows" (the way to more rows without script) reopens the editor,
    which lists the saved rows and empty ones after them; "Save" shows the assessment."""
    if "more_rows" in request.POST:
        return redirect("assessment_edit", assessment_id=assessment.pk)
    return redirect("assessment_detail", assessment_id=assessment.pk)


def _render_form(request, forms, *, client, previous=None, assessment=None):
    return render(
        request,
        "intake/assessment_form.html",
        {"forms": forms, "client": client, "previous": previous, "assessment": assessment},
    )
