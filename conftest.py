"""Test set-up shared by every app: the fixed cast of users, eager Celery for unit tests, and
real Celery workers (against PostgreSQL + Redis) for tests marked `integration`."""

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
REQUIRE_E2E = os.environ.get("CLINIC_REQUIRE_E2E") == "1"
CHROMIUM = "/usr/bin/chromium"  # Debian's package; end-to-end tests never download a browser


def integration_missing() -> str | None:
    """Why integration tests cannot run here, or None when they can."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://... (.ci/run does)"
    if not settings.REDIS_URL:
        return "needs Redis: set REDIS_URL=redis://... (.ci/run does)"
    return None


def e2e_missing() -> str | None:
    """Why end-to-end (browser) tests cannot run here, or None when they can."""
    import importlib.util

    if not os.access(CHROMIUM, os.X_OK):
        return "needs Debian chromium: apt-get install chromium"
    if importlib.util.find_spec("playwright") is None:
        return "needs the playwright package: .venv/bin/pip install -r requirements.txt"
    return None


def _e2e_setup(item) -> None:
    if item.get_closest_marker("e2e") is None:
        return
    reason = e2e_missing()
    if reason and REQUIRE_E2E:
        pytest.fail(f"end-to-end test cannot run ({reason}) but CLINIC_REQUIRE_E2E=1")
    if reason:
        pytest.skip(reason)


def pytest_runtest_setup(item):
    _e2e_setup(item)
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


# --- real Celery workers ----------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen
    mail_dir: Path | None  # where the file email backend writes, when EMAIL_URL is file://
    log_path: Path

    def log_tail(self) -> str:
        return self.log_path.read_text()[-3000:]

    def assert_alive(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"worker died: {self.log_tail()}")

    def wait_for_mail(self, timeout: float = 30.0) -> list[Path]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            files = sorted(self.mail_dir.glob("*.log"))
            if files:
                return files
            self.assert_alive()
            time.sleep(0.2)
        raise AssertionError(f"no mail within {timeout}s; worker log:\n{self.log_tail()}")


def _database_url(db: dict) -> str:
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


class WorkerPool:
    """Starts real `celery worker` processes on the test database and Redis.

    All workers consume the same queues, so a worker left over with other settings (say, a
    file mail backend) would steal tasks meant for the next test's workers (say, SMTP). Hence
    one group at a time: asking for another count or environment stops the running group
    first; asking for the same again reuses it, so tests that share a set-up start it once.
    """

    def __init__(self, tmp_path_factory):
        self._tmp = tmp_path_factory
        self._key: tuple | None = None
        self._workers: list[Worker] = []

    def start(
        self, count: int = 1, *, beat: bool = False, module: str = "celery", **extra_env: str
    ) -> list[Worker]:
        """`beat=True` embeds Celery beat in the first worker (the sweeps run on their
        schedule, as in `make worker`); REDIS_URL in `extra_env` points them at another
        broker (a fault test's own Redis); `module` is what `python -m` runs with Celery's
        arguments: a test's own entry point that changes the worker in its process (e.g.
        documents/tests/slow_render.py), so production code needs no test hook."""
        key = (count, beat, module, tuple(sorted(extra_env.items())))
        if key == self._key and all(w.process.poll() is None for w in self._workers):
            return self._workers
        self.stop()
        import redis
        from django.conf import settings

        # Tasks left by an earlier group (retries, unfinished races) must not leak in.
        redis.Redis.from_url(extra_env.get("REDIS_URL", settings.REDIS_URL)).flushdb()
        workers = [
            self._spawn(extra_env, beat=beat and n == 0, module=module) for n in range(count)
        ]
        self._workers, self._key = workers, key
        for worker in workers:  # spawned together, so they boot in parallel
            _wait_until_ready(worker.process, worker.log_path)
        return workers

    def stop(self) -> None:
        for worker in self._workers:
            worker.process.terminate()
        for worker in self._workers:
            try:
                worker.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.process.kill()
        self._workers, self._key = [], None

    def _spawn(self, extra_env: dict[str, str], *, beat: bool, module: str) -> Worker:
        from django.conf import settings

        log_path = self._tmp.mktemp("worker-log") / "worker.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "clinic.settings_test",
            "DATABASE_URL": _database_url(settings.DATABASES["default"]),
            "REDIS_URL": settings.REDIS_URL,
            **extra_env,
        }
        email_url = env.get("EMAIL_URL", "")
        mail_dir = (
            Path(email_url.removeprefix("file://")) if email_url.startswith("file://") else None
        )
        command = [
            sys.executable, "-m", module, "-A", "clinic", "worker", "--loglevel=INFO",
            "--queues=default,email,pdf", "--concurrency=1", "--without-gossip",
            "--without-mingle", f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
        ]  # fmt: skip
        if beat:
            command += ["--beat", f"--schedule={log_path.parent / 'beat-schedule'}"]
        with log_path.open("w") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        return Worker(process=process, mail_dir=mail_dir, log_path=log_path)


@pytest.fixture(scope="session")
def celery_workers(django_db_setup, tmp_path_factory):
    """`celery_workers(count, *, beat, module, **env)` -> list of running workers with that
    extra environment, e.g. `celery_workers(2, EMAIL_URL="smtp://127.0.0.1:2525")` (see
    WorkerPool.start). Tests using it need `transactional_db`: workers see only committed
    rows."""
    reason = integration_missing()
    if reason:
        pytest.skip(reason)
    pool = WorkerPool(tmp_path_factory)
    yield pool.start
    pool.stop()


@pytest.fixture(scope="session")
def _worker_mail_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("worker-mail")


@pytest.fixture
def celery_worker(celery_workers, _worker_mail_dir):
    """One real worker whose mail lands as files in `worker.mail_dir` (see WorkerPool for
    why it is restarted only when another test asked for different workers in between)."""
    [worker] = celery_workers(1, EMAIL_URL=f"file://{_worker_mail_dir}")
    return worker


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


# --- restarting Redis (reliability tests) -----------------------------------------------------

# This machine's Redis, started exactly as .ci/run starts it: nothing kept on disk, so a restart
# loses every queued message.
REDIS_START = [
    "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
    "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
    "--logfile", "/var/log/redis/ci.log",
]  # fmt: skip
REDIS_CLI = ["redis-cli", "-h", "127.0.0.1", "-p", "6379"]


def _redis_answers() -> bool:
    try:
        done = subprocess.run([*REDIS_CLI, "ping"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.stdout.strip() == "PONG"


def _wait_for_redis(*, up: bool, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while _redis_answers() != up:
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis still {'down' if up else 'up'} after {timeout}s")
        time.sleep(0.1)


def _start_redis() -> None:
    Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
    Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
    subprocess.run(REDIS_START, check=True, capture_output=True, timeout=30)
    _wait_for_redis(up=True)


@pytest.fixture
def redis_restart():
    """`redis_restart()` stops the local Redis (`shutdown nosave`: every queue is lost), starts
    it again as the machine does and returns the outage in seconds once it answers `ping`.

    The server is shared by every Redis db number (other tests, other people's runs, the
    benchmarks), so the outage is kept to the second or two this takes. Teardown starts Redis
    again whatever happened in the test: the rest of the suite needs it."""
    import shutil
    from urllib.parse import urlsplit

    from django.conf import settings

    url = urlsplit(settings.REDIS_URL or "")
    reason = None
    if url.hostname not in ("127.0.0.1", "localhost") or (url.port or 6379) != 6379:
        reason = "restarts only the local Redis on 127.0.0.1:6379"
    elif shutil.which("redis-server") is None or not _redis_answers():
        reason = "needs a running local redis-server and redis-cli"
    if reason and REQUIRE_INTEGRATION:
        pytest.fail(f"cannot restart Redis ({reason}) but CLINIC_REQUIRE_INTEGRATION=1")
    if reason:
        pytest.skip(reason)

    def restart() -> float:
        started = time.monotonic()
        try:
            subprocess.run([*REDIS_CLI, "shutdown", "nosave"], capture_output=True, timeout=10)
            _wait_for_redis(up=False)
        finally:
            _start_redis()
        return time.monotonic() - started

    try:
        yield restart
    finally:
        if not _redis_answers():
            _start_redis()


@pytest.fixture
def no_celery_worker(celery_workers):
    """No worker runs (a task sent now waits in Redis); call the returned `celery_workers`
    to start some. (The pool is the object behind the session fixture's `start`.)"""
    celery_workers.__self__.stop()
    return celery_workers


# --- services a fault test stops and starts (clinic/tests/faults.py) --------------------------


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of the test's own on a spare port (never the machine's shared one)."""
    from clinic.tests.faults import RedisServer

    if not RedisServer.available():
        if REQUIRE_INTEGRATION:
            pytest.fail("needs redis-server but CLINIC_REQUIRE_INTEGRATION=1")
        pytest.skip("needs redis-server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(settings):
    """A local SMTP server (aiosmtpd) on a spare port; `smtp.mailbox.messages` is what it got.
    This test process sends there too (workers get `EMAIL_URL=smtp.url`)."""
    from clinic.tests.faults import SmtpServer

    server = SmtpServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()


@pytest.fixture
def broker_at(settings):
    """`broker_at(url)`: this test process sends its tasks there (and /healthz checks it), as
    the web processes of a deployment whose Redis is `url` would."""
    previous = celery_app.conf.broker_url

    def point(url: str) -> None:
        celery_app.conf.broker_url = settings.REDIS_URL = url
        _forget_broker_connections()

    yield point
    celery_app.conf.broker_url = previous
    _forget_broker_connections()


def _forget_broker_connections() -> None:
    # Celery keeps a connection pool and a producer pool per app; both must be rebuilt for
    # the new URL, as Celery itself does after a fork (app._after_fork). Not app.close():
    # that also unregisters the app, and the tasks with it.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
