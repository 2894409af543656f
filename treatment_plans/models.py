"""Models of treatment_plans arrive with their issue; the app exists so the layout is fixed."""
