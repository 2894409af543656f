"""Writes of assessments. A reassessment is a new Assessment row, never an edit of the earlier
one, so the ROM and outcome history stays. Each service is one transaction with its audit entry.

Inputs are plain dicts (a form's cleaned data): the service checks permission and the ranges
again, because the form is not the only possible caller (demo seed, imports, tests).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from clinic import audit
from clinic.models import Client
from clinic.roles import CLINICAL_WRITERS, Role, role_of
from intake.body_chart import REGION_KEYS
from intake.models import Assessment, MuscleTest, RangeOfMotion, SpecialTest

ASSESSMENT_FIELDS = (
    "assessed_on",
    "posture_findings",
    "muscular_imbalances",
    "notes",
    "pain_regions",
    "nprs",
    "psfs_items",
    "lefs_items",
)
PSFS_MIN, PSFS_MAX = 3, 5
LEFS_ITEMS, LEFS_MAX_ITEM = 20, 4


def assessment_can_edit(user, assessment: Assessment) -> bool:
    """Only its author edits an assessment (the admin reads clinical records, never charts)."""
    return role_of(user) == Role.THERAPIST and assessment.assessed_by_id == user.pk


@transaction.atomic
def assessment_create(
    *,
    actor,
    client: Client,
    data: dict,
    rom_rows: Iterable[dict] = (),
    muscle_rows: Iterable[dict] = (),
    special_rows: Iterable[dict] = (),
) -> Assessment:
    """Record an assessment. The first one for a client is the initial assessment; every later
    one is a reassessment (its kind follows from the history, not from the form)."""
    if role_of(actor) not in CLINICAL_WRITERS:
        raise PermissionDenied("Only therapists record assessments.")
    _validate(data)
    # Lock the client row so two simultaneous first assessments cannot both be "initial".
    client = Client.objects.select_for_update().get(pk=client.pk)
    earlier = Assessment.objects.filter(client=client).exists()
    assessment = Assessment(
        client=client,
        assessed_by=actor,
        kind=Assessment.Kind.REASSESSMENT if earlier else Assessment.Kind.INITIAL,
        **{name: data.get(name, _default(name)) for name in ASSESSMENT_FIELDS},
    )
    assessment.full_clean()
    assessment.save()
    counts = _replace_rows(assessment, rom_rows, muscle_rows, special_rows)
    audit.record(
        actor=actor,
        action="create",
        client=client,
        target=assessment,
        detail=f"{assessment.get_kind_display()}; {counts}",
    )
    return assessment


@transaction.atomic
def assessment_update(
    *,
    actor,
    assessment: Assessment,
    data: dict,
    rom_rows: Iterable[dict] = (),
    muscle_rows: Iterable[dict] = (),
    special_rows: Iterable[dict] = (),
) -> Assessment:
    """Correct an assessment. The rows are replaced as a whole: the form always sends the full
    set, and replacing is simpler to get right than matching rows up."""
    if not assessment_can_edit(actor, assessment):
        raise PermissionDenied("Only the therapist who made this assessment may change it.")
    _validate(data)
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    changed = [
        name
        for name in ASSESSMENT_FIELDS
        if name in data and getattr(assessment, name) != data[name]
    ]
    for name in changed:
        setattr(assessment, name, data[name])
    assessment.full_clean()
    assessment.save()
    counts = _replace_rows(assessment, rom_rows, muscle_rows, special_rows)
    audit.record(
        actor=actor,
        action="update",
        client=assessment.client,
        target=assessment,
        detail=f"changed: {', '.join(changed) or 'no fields'}; {counts}",
    )
    return assessment


def _default(name: str):
    return {"pain_regions": {}, "psfs_items": [], "lefs_items": [], "nprs": None}.get(name, "")


def _replace_rows(assessment, rom_rows, muscle_rows, special_rows) -> str:
    assessment.rom.all().delete()
    assessment.muscle_tests.all().delete()
    assessment.special_tests.all().delete()
    rom = _create_rows(RangeOfMotion, assessment, rom_rows, ("norm", "side", "degrees", "painful"))
    muscles = _create_rows(MuscleTest, assessment, muscle_rows, ("muscle", "side", "grade"))
    special = _create_rows(
        SpecialTest, assessment, special_rows, ("name", "side", "result", "note")
    )
    return f"{rom} ROM, {muscles} muscle tests, {special} special tests"


def _create_rows(model, assessment, rows, fields) -> int:
    objects = [
        model(assessment=assessment, **{f: row[f] for f in fields if f in row}) for row in rows
    ]
    for obj in objects:
        # Ranges are checked here for a readable error. The foreign keys and the unique
        # (assessment, norm, side) rule are left to the database: checking them here would
        # cost a query per row.
        obj.full_clean(exclude=["assessment", "norm"], validate_unique=False)
    model.objects.bulk_create(objects)
    return len(objects)


# --- outcome measures -------------------------------------------------------------------------


def _validate(data: dict) -> None:
    errors = {}
    for name, check in (
        ("nprs", _check_nprs),
        ("psfs_items", _check_psfs),
        ("lefs_items", _check_lefs),
        ("pain_regions", _check_pain_regions),
    ):
        message = check(data.get(name))
        if message:
            errors[name] = message
    if errors:
        raise ValidationError(errors)


def _check_nprs(value) -> str | None:
    if value is not None and not (isinstance(value, int) and 0 <= value <= 10):
        return "Pain now (NPRS) is a whole number from 0 to 10."
    return None


def _check_psfs(items) -> str | None:
    """PSFS: none at all, or 3 to 5 client-chosen activities scored 0-10."""
    items = items or []
    if items and not PSFS_MIN <= len(items) <= PSFS_MAX:
        return f"List {PSFS_MIN} to {PSFS_MAX} activities for the PSFS (or none)."
    for item in items:
        score = item.get("score")
        if not str(item.get("activity", "")).strip():
            return "Each PSFS activity needs a name."
        if not isinstance(score, int) or not 0 <= score <= 10:
            return "Each PSFS activity is scored from 0 (unable) to 10 (as before)."
    return None


def _check_lefs(items) -> str | None:
    """LEFS is optional, but a partial LEFS has no valid score: all 20 items or none."""
    items = items or []
    if items and len(items) != LEFS_ITEMS:
        return f"Answer all {LEFS_ITEMS} LEFS items, or none."
    if any(not isinstance(i, int) or not 0 <= i <= LEFS_MAX_ITEM for i in items):
        return f"Each LEFS item is scored from 0 to {LEFS_MAX_ITEM}."
    return None


def _check_pain_regions(regions) -> str | None:
    regions = regions or {}
    if set(regions) - REGION_KEYS:
        return "The pain map names an unknown body region."
    if any(not isinstance(v, int) or not 0 <= v <= 10 for v in regions.values()):
        return "Pain map intensities are 0 to 10."
    return None
