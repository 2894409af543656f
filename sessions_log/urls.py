"""Session notes and progress (UUIDs only)."""

from django.urls import path

from sessions_log.views import notes, progress

note_patterns = [
    path("appointments/<uuid:appointment_id>/note/", notes.note_edit, name="note_edit"),
    path(
        "appointments/<uuid:appointment_id>/note/screen/",
        notes.note_screen,
        name="note_screen",
    ),
    path("notes/<uuid:note_id>/", notes.note_detail, name="note_detail"),
    path("notes/<uuid:note_id>/addenda/", notes.note_addendum, name="note_addendum"),
    path("clients/<uuid:client_id>/notes/", notes.client_notes, name="client_notes"),
]

# Progress pages and "what worked" (sessions_log/views/progress.py).
progress_patterns = [
    path("plans/<uuid:plan_id>/progress/", progress.plan_progress_page, name="plan_progress"),
    path("clients/<uuid:client_id>/progress/", progress.client_progress, name="client_progress"),
]

urlpatterns = [*note_patterns, *progress_patterns]
