"""Writes of the health history. Every save is a new immutable version; the client may change
their own until the therapist has reviewed it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from clinic import audit
from clinic.models import Client
from clinic.permissions import Can
from clinic.roles import CLINICAL_WRITERS, Role, role_of
from intake import medications
from intake.models import HealthHistory
from intake.services.uploads import referral_letter_store


def reviewed_message() -> str:
    return (
        "Your therapist has reviewed your health history, so it can no longer be changed here. "
        "Please tell your therapist at your next visit, or call the clinic at "
        f"{settings.CLINIC_PHONE}."
    )


def client_may_edit(history: HealthHistory | None) -> bool:
    return history is None or not history.is_reviewed


def _check_may_write(actor, client: Client, latest: HealthHistory | None) -> None:
    role = role_of(actor)
    if role in CLINICAL_WRITERS:
        return
    if role == Role.CLIENT and client.user_id == actor.pk:
        if not client_may_edit(latest):
            raise PermissionDenied(reviewed_message())
        return
    raise PermissionDenied("You may not change this health history.")


def _values(history: HealthHistory) -> dict:
    return {name: getattr(history, name) for name in HealthHistory.ANSWER_FIELDS}


@transaction.atomic
def health_history_save(*, actor, client: Client, data: dict, referral_file=None) -> HealthHistory:
    """Save a new version (or return the latest unchanged when nothing differs). A new
    referral letter, when given, is stored privately and attached to the new version."""
    Client.objects.select_for_update().filter(pk=client.pk).exists()  # one writer per client
    latest = HealthHistory.objects.filter(client=client).order_by("-version").first()
    _check_may_write(actor, client, latest)
    if referral_file is not None:
        letter = referral_letter_store(actor=actor, client=client, uploaded_file=referral_file)
        data = {**data, "referral_letter": letter}
    values = {name: _value(name, data, latest) for name in HealthHistory.ANSWER_FIELDS}
    if latest is not None and _values(latest) == values:
        return latest
    history = HealthHistory(
        client=client, version=(latest.version + 1) if latest else 1, created_by=actor, **values
    )
    history.full_clean()
    history.save()
    changed = ", ".join(changed_fields(latest, history))
    detail = f"health history v{history.version}" + (f": {changed}" if changed else "")
    audit.record(
        actor=actor,
        action="create" if latest is None else "update",
        client=client,
        target=history,
        detail=detail,
    )
    return history


def _value(name: str, data: dict, latest: HealthHistory | None):
    """What the form gave, else what the last version said, else the field's default."""
    if name in data:
        return data[name]
    if latest is not None:
        return getattr(latest, name)
    return HealthHistory._meta.get_field(name).get_default()


@transaction.atomic
def health_history_review(*, actor, history: HealthHistory) -> HealthHistory:
    if role_of(actor) not in CLINICAL_WRITERS:
        raise PermissionDenied("Only a therapist can review a health history.")
    # The client first, as health_history_save takes it: a review racing a save of a new
    # version then waits for it and finds the newer version, instead of marking the older
    # one reviewed while the new one stays pending.
    Client.objects.select_for_update().filter(pk=history.client_id).exists()
    history = HealthHistory.objects.select_for_update().get(pk=history.pk)
    latest = HealthHistory.objects.filter(client=history.client).order_by("-version").first()
    if latest.pk != history.pk:
        raise ValidationError("A newer version exists; review that one.")
    if history.is_reviewed:
        raise ValidationError("This version is already reviewed.")
    history.reviewed_by, history.reviewed_at = actor, timezone.now()
    history.save(update_fields=["reviewed_by", "reviewed_at"])
    audit.record(
        actor=actor,
        action="sign",
        client=history.client,
        target=history,
        detail=f"reviewed health history v{history.version}",
    )
    return history


@transaction.atomic
def history_medication_classes_confirm(*, actor, history: HealthHistory, classes) -> HealthHistory:
    """Record drug classes recognised in the medications as written (intake/medications.py)
    as confirmed by the therapist: a new version with the classes added, like any change.
    When the version it replaces was reviewed, the new one is reviewed by the confirming
    therapist (the classes are the only change, and they are the therapist's own)."""
    if not Can(actor).chart:
        raise PermissionDenied("Only a therapist can confirm medication classes.")
    classes = list(dict.fromkeys(classes or []))
    unknown = sorted(set(classes) - medications.CLASS_KEYS)
    if unknown:
        raise ValidationError(f"Unknown medication classes: {', '.join(unknown)}.")
    if not classes:
        raise ValidationError("Choose at least one medication class to confirm.")
    Client.objects.select_for_update().filter(pk=history.client_id).exists()
    latest = HealthHistory.objects.filter(client_id=history.client_id).order_by("-version").first()
    if latest.pk != history.pk:
        raise ValidationError("A newer version exists; confirm the medications there.")
    added = [key for key in classes if key not in latest.medication_classes]
    if not added:
        return latest
    values = _values(latest)
    values["medication_classes"] = [*latest.medication_classes, *added]
    confirmed = HealthHistory(
        client_id=latest.client_id, version=latest.version + 1, created_by=actor, **values
    )
    if latest.is_reviewed:
        confirmed.reviewed_by, confirmed.reviewed_at = actor, timezone.now()
    confirmed.full_clean()
    confirmed.save()
    audit.record(
        actor=actor,
        action="update",
        client=latest.client,
        target=confirmed,
        detail=f"health history v{confirmed.version}: medication classes confirmed: "
        + ", ".join(medications.class_label(key) for key in added),
    )
    return confirmed


def changed_fields(before: HealthHistory | None, after: HealthHistory) -> list[str]:
    """Labels of the fields that differ between two versions (for the version page)."""
    if before is None:
        return []
    old, new = _values(before), _values(after)
    return [
        str(HealthHistory._meta.get_field(name).verbose_name).capitalize()
        for name in HealthHistory.ANSWER_FIELDS
        if old[name] != new[name]
    ]
