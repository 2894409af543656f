"""Models of sessions_log arrive with their issue; the app exists so the layout is fixed."""
