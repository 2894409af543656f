"""Intake URLs: health history, assessments, consents and referral letters (UUIDs only)."""

from django.urls import path  # noqa: F401  (used as the lists below fill up)

# Health history (intake form), its versions, review, the readiness gate (intake/views/history.py).
history_patterns: list = []

# Assessments: ROM, muscle tests, special tests, pain map, outcome measures
# (intake/views/assessments.py).
assessment_patterns: list = []

# Consents and referral letters (intake/views/consents.py).
consent_patterns: list = []

urlpatterns = [*history_patterns, *assessment_patterns, *consent_patterns]
