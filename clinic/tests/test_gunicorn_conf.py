"""gunicorn.conf.py: each worker freezes what is alive after loading the app, and again after
its 10th, 50th, 200th... request (objects those first requests keep would otherwise be walked
by every full collection)."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

CONF = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))


@pytest.fixture
def frozen_restored():
    yield
    gc.unfreeze()


def test_a_worker_refreezes_at_its_10th_and_50th_request_only(frozen_restored):
    worker, refrozen_at = SimpleNamespace(), []
    for number in range(1, 61):
        kept = [[number]]  # alive and tracked, like a template compiled by a request
        before = gc.get_freeze_count()
        CONF["pre_request"](worker, None)
        if gc.get_freeze_count() > before:
            refrozen_at.append(number)
        del kept
    assert refrozen_at == [10, 50]
    assert worker.clinic_requests == 60


def test_the_worker_freezes_after_loading_the_app(frozen_restored):
    gc.unfreeze()
    CONF["post_worker_init"](SimpleNamespace())
    assert gc.get_freeze_count() > 0
