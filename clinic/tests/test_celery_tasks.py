"""Every Celery task lives in its app's tasks.py, found by autodiscovery (no CELERY_IMPORTS, no
module a setting points at); beat and the routes name only tasks that exist."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings

from clinic.celery import app


def _our_tasks() -> dict:
    app.loader.import_default_modules()  # what a worker does at start: autodiscovery
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_is_in_its_apps_tasks_module():
    installed = {config.name for config in apps.get_app_configs()}
    tasks = _our_tasks()
    assert tasks
    for name, task in tasks.items():
        module = task.run.__module__
        assert name == f"{module}.{task.run.__name__}", name
        app_name, _, leaf = module.rpartition(".")
        assert (leaf, app_name in installed) == ("tasks", True), name
    assert not getattr(settings, "CELERY_IMPORTS", None)
    assert not app.conf.imports and not app.conf.include


def test_beat_and_the_routes_name_tasks_that_exist():
    tasks = _our_tasks()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks, entry
    for route in settings.CELERY_TASK_ROUTES:
        if "*" not in route:
            assert route in tasks, route
