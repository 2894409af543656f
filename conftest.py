"""Test set-up shared by every app: the fixed cast of users, eager Celery for unit tests, and a
real Celery worker (against PostgreSQL + Redis) for tests marked `integration`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from clinic.celery import app as celery_app

REQUIRE_INTEGRATION = os.environ.get("CLINIC_REQUIRE_INTEGRATION") == "1"


def integration_missing() -> str | None:
    """Why integration tests cannot run here, or None when they can."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://... (.ci/run does)"
    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://... (.ci/run does)"
    return None


def pytest_runtest_setup(item):
    if item.get_closest_marker("integration") is None:
        return
    reason = integration_missing()
    if reason and REQUIRE_INTEGRATION:
        pytest.fail(f"integration test cannot run ({reason}) but CLINIC_REQUIRE_INTEGRATION=1")
    if reason:
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Unit tests run tasks in-process; integration tests send them to the real broker."""
    eager = request.node.get_closest_marker("integration") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _email_backend(settings, request):
    if request.node.get_closest_marker("integration") is None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# --- the cast -------------------------------------------------------------------------------


@pytest.fixture
def cast(db):
    """One user of every role, plus a second client and physician (the same-role strangers).
    `physician` shares care of `client`; `physician2` of `client2`."""
    from clinic.tests.factories import make_cast

    return make_cast()


# --- a real Celery worker ---------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen
    mail_dir: Path
    log_path: Path

    def wait_for_mail(self, timeout: float = 30.0) -> list[Path]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            files = sorted(self.mail_dir.glob("*.log"))
            if files:
                return files
            if self.process.poll() is not None:
                raise AssertionError(f"worker died: {self.log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        raise AssertionError(
            f"no mail within {timeout}s; worker log:\n{self.log_path.read_text()[-3000:]}"
        )


def _database_url(db: dict) -> str:
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, tmp_path_factory):
    """A real `celery worker` process on the test database (so tests using it need
    `transactional_db`: the worker sees only committed rows)."""
    reason = integration_missing()
    if reason:
        pytest.skip(reason)
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    mail_dir = tmp_path_factory.mktemp("worker-mail")
    log_path = tmp_path_factory.mktemp("worker-log") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings_test",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"file://{mail_dir}",
    }
    command = [
        sys.executable, "-m", "celery", "-A", "clinic", "worker", "--loglevel=INFO",
        "--queues=default,email,pdf", "--concurrency=1", "--without-gossip",
        "--without-mingle", f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
    ]  # fmt: skip
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    _wait_until_ready(process, log_path)
    yield Worker(process=process, mail_dir=mail_dir, log_path=log_path)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_until_ready(process: subprocess.Popen, log_path: Path, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited:\n{log_path.read_text()[-3000:]}")
        if " ready." in log_path.read_text():
            return
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"celery worker not ready in {timeout}s:\n{log_path.read_text()[-3000:]}")
