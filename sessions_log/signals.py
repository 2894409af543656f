"""What sessions_log tells the apps above it (DESIGN.md: a lower app never imports a higher
one). Sent inside the transaction that made the change, so a receiver's writes commit with it
or not at all."""

from django.dispatch import Signal

# A session note was signed: `note` (billing drafts the visit's charge from it).
note_signed = Signal()
