"""The layer check that runs in CI beside import-linter (.ci/layers.py): it passes on the
project, and it names the offending line of a template loading a higher app's tags or of
code reaching a model by reflection."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _checker():
    spec = importlib.util.spec_from_file_location("layers_check", ROOT / ".ci" / "layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tree(tmp_path: Path) -> Path:
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    tags = tmp_path / "sessions_log" / "templatetags"
    tags.mkdir(parents=True)
    (tags / "progress_tags.py").write_text("")
    (tmp_path / "templates" / "intake").mkdir(parents=True)
    (tmp_path / "templates" / "portals").mkdir(parents=True)
    return tmp_path


def test_the_project_keeps_the_layers(capsys):
    assert _checker().main(ROOT) == 0


def test_a_template_loading_a_higher_apps_tags_is_named_with_its_line(tmp_path, capsys):
    root = _tree(tmp_path)
    (root / "templates" / "intake" / "bad.html").write_text(
        "{% extends 'base.html' %}\n{% load static progress_tags %}\n"
    )
    # The app above may load it: only the lower app's line is reported.
    (root / "templates" / "portals" / "fine.html").write_text("{% load progress_tags %}\n")
    assert _checker().main(root) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "templates/intake/bad.html:2: {% load progress_tags %} is sessions_log's tag library; "
        "intake may load only its own and those of apps below it"
    ]


def test_siblings_may_not_load_each_others_tags(tmp_path, capsys):
    root = _tree(tmp_path)
    tags = root / "treatment_plans" / "templatetags"
    tags.mkdir(parents=True)
    (tags / "plan_tags.py").write_text("")
    (root / "templates" / "scheduling").mkdir(parents=True)
    (root / "templates" / "scheduling" / "day.html").write_text("{% load plan_tags %}\n")
    assert _checker().main(root) == 1
    assert "templates/scheduling/day.html:1:" in capsys.readouterr().out


def test_reaching_a_model_by_reflection_is_named_with_its_line(tmp_path, capsys):
    root = _tree(tmp_path)
    (root / "treatment_plans").mkdir()
    (root / "treatment_plans" / "progress.py").write_text(
        "from clinic.models import Client\n\n"
        'Note = Client._meta.get_field("session_notes").related_model\n'
    )
    (root / "treatment_plans" / "migrations").mkdir()
    (root / "treatment_plans" / "migrations" / "0002_seed.py").write_text(
        'Technique = apps.get_model("treatment_plans", "Technique")\n'
    )
    assert _checker().main(root) == 1
    out = capsys.readouterr().out.strip().splitlines()
    assert out == [
        "treatment_plans/progress.py:3: reaches a model by reflection; import it (from an app "
        "below) or read it through a reverse relation"
    ]
