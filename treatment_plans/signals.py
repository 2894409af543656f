"""What this app announces to the apps above it, which it may not import (DESIGN.md, layers).

Sent inside the transaction that made the change, so a receiver's own writes (a PDF owed in
documents/) commit or roll back with it: the database stays the outbox.
"""

from django.dispatch import Signal

# A plan version became the plan's active one. Sent with `version`.
plan_version_activated = Signal()

# What a plan version's progress shows changed (a signed note, a milestone met). Sent with
# `version`, and only for a version that was activated.
plan_progress_changed = Signal()
