"""Treatment plan URLs (UUIDs only)."""

from django.urls import path  # noqa: F401  (used as the lists below fill up)

# Plans, versions, techniques, milestones, contraindications (treatment_plans/views/plans.py).
plan_patterns: list = []

# PDF summaries: status, retry, download, acknowledgement (treatment_plans/views/pdfs.py).
pdf_patterns: list = []

urlpatterns = [*plan_patterns, *pdf_patterns]
