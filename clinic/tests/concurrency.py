"""Helpers for tests that race requests against real PostgreSQL: release callables at the same
moment, each on its own database connection, and read the server's deadlock counter."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.db import connection


def race(*workers: Callable[[], object]) -> list:
    """Run each worker in its own thread, all released at once by a barrier; returns what each
    returned, or the exception it raised (so the test reports it instead of losing it)."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(index: int, worker) -> None:
        try:
            barrier.wait()
            results[index] = worker()
        except Exception as exc:
            results[index] = exc
        finally:
            connection.close()  # each thread has its own connection; leave none open

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def deadlocks() -> int:
    """Deadlocks PostgreSQL has detected in the current database since its statistics reset."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # read now, not a cached snapshot
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def deadlocks_since(before: int, settle: float = 2.0) -> int:
    """New deadlocks since `before`. A backend reports its counters when it goes idle or
    exits, up to a second late, so wait up to `settle` seconds for a rise to show."""
    deadline = time.monotonic() + settle
    while True:
        risen = deadlocks() - before
        if risen or time.monotonic() > deadline:
            return risen
        time.sleep(0.2)


def wait_until_another_waits_for_a_lock(timeout: float = 10.0) -> None:
    """Return once another connection to this database is waiting for a row lock (so a test
    can make two transactions meet in a chosen order); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction, too
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError(f"no connection waited for a lock within {timeout}s")
