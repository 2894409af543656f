"""Billing's answers to the lower apps' signals (sessions_log.signals.note_signed)."""

from django.dispatch import receiver

from billing.services.charges import charge_draft
from sessions_log.signals import note_signed


@receiver(note_signed, dispatch_uid="billing_charge_from_signed_note")
def draft_charge_of_signed_note(sender, note, **kwargs):
    """Draft the visit's charge in the signing transaction: the note and its charge commit
    together, or neither does."""
    charge_draft(actor=note.therapist, note=note)
