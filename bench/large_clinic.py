"""The key pages of a large clinic served by gunicorn: p50/p95 under a small threaded load
beside a minimal Django view measured in the same run, and each page's SQL query count on the
large clinic and on a tiny one with the same shapes (the count must not grow with rows).

    .venv/bin/python bench/large_clinic.py [--reseed] [--requests 200] [--concurrency 4]

DATABASE_URL (default postgres://postgres@127.0.0.1:5432/clinic_bench_large) is created when
missing, migrated and seeded once (10,000 clients, 20 therapists, ~200,000 appointments,
100,000 signed notes: bench/_seed_large.py); `--reseed` drops and recreates it. The small
clinic lives in the same server's `clinic_bench_small`. Gunicorn (2 workers, bench/wsgi_bench.py,
which adds /bench/minimal) runs with production settings, Redis db 12. Targets: each page's
p95 at most 10 x the minimal view's p95; the same query count with large and small data.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LARGE_URL = "postgres://postgres@127.0.0.1:5432/clinic_bench_large"
PORT = 8765
STATIC_ROOT = "/tmp/clinic-bench-static"  # noqa: S108 - scratch collectstatic for DEBUG=false
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "clinic.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "bench-only-" + "k3y" * 20,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "DJANGO_STATIC_ROOT": STATIC_ROOT,
    "DJANGO_LOG_LEVEL": "WARNING",
    "CLINIC_REQUIRE_MFA": "false",
    "CLINIC_SESSION_IDLE_SECONDS": "86400",
    "REDIS_URL": "redis://127.0.0.1:6379/12",
}
MAX_RATIO = 10.0


def _psql(sql: str) -> str:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _ensure_database(url: str, *, reseed: bool) -> None:
    name = url.rsplit("/", 1)[1]
    if reseed:
        subprocess.run(
            ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name],
            check=True,
        )
    if not _psql(f"SELECT 1 FROM pg_database WHERE datname='{name}'"):
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def _setup(url: str, scale_name: str) -> float | None:
    """Django on `url`, migrated and seeded; returns the seeding time when it seeded."""
    os.environ.update(PRODUCTION_ENV)
    os.environ["DATABASE_URL"] = url
    if not (Path(STATIC_ROOT) / "staticfiles.json").exists():  # DEBUG=false needs the manifest
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=os.environ,
            check=True,
        )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import _seed_large

    call_command("migrate", verbosity=0)
    if _seed_large.is_seeded():
        return None
    print(f"seeding the {scale_name} clinic in {url.rsplit('/', 1)[1]} ...", flush=True)
    started = time.perf_counter()
    _seed_large.seed(getattr(_seed_large, scale_name.upper()), log=lambda s: print(s, flush=True))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def _pages() -> list[tuple[str, str, str, str, dict | None]]:
    """(label, username, method, path, POST data) of each page, found in this database."""
    import datetime as dt

    from bench._seed_large import HEAVY_CLIENT, HEAVY_PLAN, THERAPIST0
    from clinic.clinic_time import today

    day = today() + dt.timedelta(days=1)
    while day.weekday() != 2:  # the next Wednesday: a full grid of booked appointments
        day += dt.timedelta(days=1)
    therapist = "bench-therapist-00"
    return [
        ("minimal Django view (baseline)", therapist, "GET", "/bench/minimal", None),
        ("clinic day view", "bench-desk", "GET", f"/schedule/day/?date={day}", None),
        ("therapist week", therapist, "GET",
         f"/schedule/therapists/{THERAPIST0}/week/?date={day}", None),
        ("client search (POST 'son')", "bench-desk", "POST", "/clients/", {"q": "son"}),
        ("client chart (heavy client)", therapist, "GET", f"/clients/{HEAVY_CLIENT}/", None),
        ("progress (plan, many sessions)", therapist, "GET", f"/plans/{HEAVY_PLAN}/progress/",
         None),
        ("physician client list", "bench-physician", "GET", "/physician/", None),
    ]  # fmt: skip


def _query_counts() -> dict[str, int]:
    """Each page once in-process (Django's test Client) under CaptureQueriesContext, after one
    warm-up request, so caches filled on first use are not counted."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    import bench.wsgi_bench  # noqa: F401 - its URLconf (with /bench/minimal) becomes the root
    from clinic.models import User

    setup_test_environment()
    counts = {}
    for label, username, method, path, data in _pages():
        client = Client()
        client.force_login(User.objects.get(username=username))
        call = client.post if method == "POST" else client.get
        call(path, data) if data else call(path)
        with CaptureQueriesContext(connection) as queries:
            response = call(path, data) if data else call(path)
        assert response.status_code == 200, (label, response.status_code)
        counts[label] = len(queries)
    return counts


class Session:
    """A signed-in browser: cookies kept by hand, since the production cookies are Secure and
    http.cookiejar would not send them back over plain HTTP."""

    def __init__(self, port: int):
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, data: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        conn.close()
        return response.status, text

    def csrf(self, path: str) -> str:
        status, text = self.request("GET", path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        assert status == 200 and match, (path, status)
        return match.group(1)

    def sign_in(self, username: str) -> None:
        from bench._seed_large import PASSWORD

        token = self.csrf("/accounts/login/")
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert status == 302 and "sessionid" in self.cookies, (username, status)


_SIGNED_IN: dict[tuple[str, int], tuple[Session, dict | None]] = {}


def _signed_in(port: int, page, thread: int) -> tuple[Session, dict | None]:
    """The thread's signed-in session for the page and its POST payload, made once (with a
    warm-up request) and kept across rounds: signing in hashes a password."""
    label, username, method, path, data = page
    if (label, thread) not in _SIGNED_IN:
        session = Session(port)
        session.sign_in(username)
        payload = None
        if data is not None:
            payload = {**data, "csrfmiddlewaretoken": session.csrf(path)}
        session.request(method, path, payload)
        _SIGNED_IN[label, thread] = session, payload
    return _SIGNED_IN[label, thread]


def _load(port: int, page, requests: int, concurrency: int) -> list[float]:
    """`requests` timed requests of one page from `concurrency` threads, each with its own
    signed-in session."""
    _label, _username, method, path, _data = page
    timings, failures, lock = [], [], threading.Lock()
    per_thread = [
        requests // concurrency + (n < requests % concurrency) for n in range(concurrency)
    ]

    def run(thread: int, count: int) -> None:
        session, payload = _signed_in(port, page, thread)
        for _ in range(count):
            started = time.perf_counter()
            status, _ = session.request(method, path, payload)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                (timings if status == 200 else failures).append(
                    elapsed if status == 200 else status
                )

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(per_thread)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(timings) == requests, (path, failures[:5])
    return timings


def _p(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def _gunicorn(url: str, port: int) -> subprocess.Popen:
    import redis

    redis.Redis.from_url(PRODUCTION_ENV["REDIS_URL"]).flushdb()  # no lockouts or stale cache
    env = {**os.environ, **PRODUCTION_ENV, "DATABASE_URL": url}
    log = open("/tmp/clinic-bench-gunicorn.log", "w")  # noqa: S108, SIM115 - lives with gunicorn
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "bench.wsgi_bench", "-c", "gunicorn.conf.py", "-w", "2",
         "-b", f"127.0.0.1:{port}", "--access-logfile", "-"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            if Session(port).request("GET", "/bench/minimal")[0] == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()
            raise SystemExit(Path("/tmp/clinic-bench-gunicorn.log").read_text()[-3000:])  # noqa: S108
        time.sleep(0.3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--requests", type=int, default=600, help="timed requests per page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds over the pages")
    parser.add_argument("--port", type=int, default=PORT)
    parser.add_argument("--small-counts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    large_url = os.environ.get("DATABASE_URL", LARGE_URL)
    small_url = large_url.rsplit("/", 1)[0] + "/clinic_bench_small"

    if args.small_counts:  # child process: the tiny clinic's query counts as JSON
        _ensure_database(small_url, reseed=args.reseed)
        _setup(small_url, "small")
        print(json.dumps(_query_counts()))
        return

    _ensure_database(large_url, reseed=args.reseed)
    seconds = _setup(large_url, "large")
    from clinic.models import Client
    from scheduling.models import Appointment
    from sessions_log.models import SessionNote

    print(f"seeding took {seconds:.0f} s" if seconds is not None else "already seeded")
    print(
        f"{Client.objects.count()} clients, {Appointment.objects.count()} appointments, "
        f"{SessionNote.objects.count()} signed notes"
    )
    small = subprocess.run(
        [sys.executable, __file__, "--small-counts", *(["--reseed"] if args.reseed else [])],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DATABASE_URL": small_url},
    )
    small_counts = json.loads(small.stdout.strip().splitlines()[-1])
    large_counts = _query_counts()

    from django.db import connections

    connections.close_all()
    server = _gunicorn(large_url, args.port)
    # Interleaved rounds: this shared 2-core machine speeds up and slows down over minutes,
    # so every page (the baseline too) gets a share of each period instead of one slot.
    results = {page[0]: [] for page in _pages()}
    share = [
        args.requests // args.rounds + (n < args.requests % args.rounds) for n in range(args.rounds)
    ]
    try:
        for count in share:
            for page in _pages():
                results[page[0]] += _load(args.port, page, count, args.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=30)

    base_p95 = _p(results[_pages()[0][0]], 0.95)
    print(
        f"\n{args.requests} requests per page in {args.rounds} interleaved rounds, "
        f"{args.concurrency} concurrent clients, gunicorn -w 2 (production settings)"
    )
    print(
        f"{'page':<32}{'p50 ms':>8}{'p95 ms':>8}{'p95/min':>9}{'q large':>9}{'q small':>9}  verdict"
    )
    for label, *_ in _pages():
        values = results[label]
        ratio = _p(values, 0.95) / base_p95
        same = large_counts[label] == small_counts[label]
        problems = ["SLOW" if ratio > MAX_RATIO else "", "" if same else "QUERIES GROW"]
        verdict = ", ".join(filter(None, problems)) or "ok"
        if label == _pages()[0][0]:
            verdict = "baseline"
        print(
            f"{label:<32}{_p(values, 0.5):>8.1f}{_p(values, 0.95):>8.1f}{ratio:>9.1f}"
            f"{large_counts[label]:>9}{small_counts[label]:>9}  {verdict}"
        )


if __name__ == "__main__":
    main()
