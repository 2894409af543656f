"""Intake URLs: health history, assessments, consents and referral letters (UUIDs only)."""

from django.urls import path

from intake.views import assessments as assessment_views
from intake.views import consents as consent_views
from intake.views import history

# Health history (intake form), its versions, review, the readiness gate (intake/views/history.py).
history_patterns = [
    path("clients/<uuid:client_id>/health-history/", history.health_history, name="health_history"),
    path(
        "clients/<uuid:client_id>/health-history/edit/",
        history.health_history_edit,
        name="health_history_edit",
    ),
    path(
        "health-history/<uuid:history_id>/",
        history.health_history_version,
        name="health_history_version",
    ),
    path(
        "health-history/<uuid:history_id>/review/",
        history.health_history_review,
        name="health_history_review",
    ),
    path(
        "health-history/<uuid:history_id>/medications/confirm/",
        history.health_history_medications_confirm,
        name="health_history_medications_confirm",
    ),
    path("portal/health-history/", history.portal_health_history, name="portal_health_history"),
    path(
        "portal/health-history/edit/",
        history.portal_health_history_edit,
        name="portal_health_history_edit",
    ),
]

# Assessments: ROM, muscle tests, special tests, pain map, outcome measures
# (intake/views/assessments.py).
assessment_patterns = [
    path(
        "clients/<uuid:client_id>/assessments/",
        assessment_views.assessment_list,
        name="assessment_list",
    ),
    path(
        "clients/<uuid:client_id>/assessments/new/",
        assessment_views.assessment_new,
        name="assessment_new",
    ),
    path(
        "assessments/<uuid:assessment_id>/",
        assessment_views.assessment_detail,
        name="assessment_detail",
    ),
    path(
        "assessments/<uuid:assessment_id>/edit/",
        assessment_views.assessment_edit,
        name="assessment_edit",
    ),
]

# Consents and referral letters (intake/views/consents.py).
consent_patterns = [
    path("portal/consents/", consent_views.portal_consents, name="portal_consents"),
    path(
        "clients/<uuid:client_id>/consents/", consent_views.client_consents, name="client_consents"
    ),
    path("consents/<uuid:consent_id>/", consent_views.consent_detail, name="consent_detail"),
    path(
        "consents/<uuid:consent_id>/withdraw/",
        consent_views.consent_revoke,
        name="consent_revoke",
    ),
    path(
        "care-team/<uuid:member_id>/stop-sharing/",
        consent_views.care_team_sharing_stop,
        name="care_team_sharing_stop",
    ),
    path(
        "clients/<uuid:client_id>/referral-letters/new/",
        consent_views.referral_letter_new,
        name="referral_letter_new",
    ),
    path(
        "referral-letters/<uuid:letter_id>/download/",
        consent_views.referral_letter_download,
        name="referral_letter_download",
    ),
]

urlpatterns = [*history_patterns, *assessment_patterns, *consent_patterns]
