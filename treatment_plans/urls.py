"""Treatment plan URLs (UUIDs only)."""

from django.urls import path

from treatment_plans.views import clearances, diagnoses, plans

# Plans, versions, techniques, milestones, contraindications (treatment_plans/views/plans.py).
plan_patterns = [
    path("clients/<uuid:client_id>/plans/", plans.plan_list, name="plan_list"),
    path("clients/<uuid:client_id>/plans/new/", plans.plan_new, name="plan_new"),
    path("plans/<uuid:plan_id>/", plans.plan_detail, name="plan_detail"),
    path("plans/<uuid:plan_id>/edit/", plans.plan_edit, name="plan_edit"),
    path("plans/<uuid:plan_id>/activate/", plans.plan_activate, name="plan_activate"),
    path("plans/<uuid:plan_id>/new-version/", plans.plan_new_version, name="plan_new_version"),
    path("plans/<uuid:plan_id>/override/", plans.plan_override, name="plan_override"),
    path("plans/<uuid:plan_id>/clearance/", plans.plan_clearance, name="plan_clearance"),
    path("plans/<uuid:plan_id>/close/", plans.plan_close, name="plan_close"),
    path("plans/<uuid:plan_id>/diagnoses/", diagnoses.plan_diagnoses, name="plan_diagnoses"),
    path("plan-versions/<uuid:version_id>/", plans.plan_version_detail, name="plan_version_detail"),
    path("clearances/<uuid:clearance_id>/", clearances.clearance_detail, name="clearance_detail"),
]


urlpatterns = plan_patterns
