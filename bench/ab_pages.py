"""Before / after on the large clinic: two single-worker gunicorns, one serving a checkout of
the code before a change (`--base`, e.g. made with `git worktree add /tmp/base <commit>`) and
one serving this checkout, each page requested from both in turn, one request at a time.

This machine's speed drifts over minutes, so two runs minutes apart cannot compare one
change; requests alternated one by one see the same drift. Prints each page's median on both
and their ratio. Needs the large clinic seeded by bench/large_clinic.py.

    .venv/bin/python bench/ab_pages.py --base /tmp/base --requests 150 "day view" progress
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import large_clinic as lc  # noqa: E402


def _serve(tree: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, **lc.PRODUCTION_ENV, "DATABASE_URL": lc.LARGE_URL}
    log = open(f"/tmp/clinic-ab-{port}.log", "w")  # noqa: S108, SIM115 - lives with gunicorn
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "bench.wsgi_bench", "-c", "gunicorn.conf.py",
         "-w", "1", "-b", f"127.0.0.1:{port}"],
        cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if lc.Session(port).request("GET", "/bench/minimal")[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"gunicorn in {tree} did not start: see /tmp/clinic-ab-{port}.log")


def _signed_in(port: int, page) -> tuple[lc.Session, dict | None]:
    _label, username, method, path, data = page
    session = lc.Session(port)
    session.sign_in(username)
    payload = {**data, "csrfmiddlewaretoken": session.csrf(path)} if data else None
    for _ in range(5):  # warm-up
        session.request(method, path, payload)
    return session, payload


def _compare(page, ports: dict[str, int], requests: int) -> dict[str, list[float]]:
    sessions = {name: _signed_in(port, page) for name, port in ports.items()}
    timings: dict[str, list[float]] = {name: [] for name in ports}
    order = list(ports)
    for n in range(requests):
        for name in order if n % 2 else reversed(order):  # neither always goes first
            session, payload = sessions[name]
            started = time.perf_counter()
            status, _ = session.request(page[2], page[3], payload)
            assert status == 200, (name, page[0], status)
            timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", type=Path, required=True, help="checkout of the code before")
    parser.add_argument("--requests", type=int, default=150, help="requests per page and side")
    parser.add_argument("pages", nargs="*", help="parts of page labels (default: every page)")
    args = parser.parse_args()
    os.environ.update(lc.PRODUCTION_ENV)
    os.environ["DATABASE_URL"] = lc.LARGE_URL
    import django

    django.setup()
    ports = {"before": 8801, "after": 8802}
    servers = [_serve(args.base.resolve(), ports["before"]), _serve(ROOT, ports["after"])]
    try:
        print(f"{args.requests} requests per page on each side, alternated one by one")
        print(f"{'page':34s} {'before':>8s} {'after':>8s} {'after/before':>13s}")
        for page in lc._pages():
            if args.pages and not any(part in page[0] for part in args.pages):
                continue
            timings = _compare(page, ports, args.requests)
            before, after = (statistics.median(timings[name]) for name in ports)
            print(f"{page[0]:34s} {before:8.1f} {after:8.1f} {after / before:13.2f}", flush=True)
    finally:
        for server in servers:
            server.terminate()


if __name__ == "__main__":
    main()
