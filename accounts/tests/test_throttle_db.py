"""Sign-in throttling keeps its counts in the database: sign-in works while Redis is down and
still locks out after 5 failures; windows and lockouts are never extended; two workers recording
the 5th failure at once set exactly one lock; the table names no username."""

from __future__ import annotations

import hashlib
import logging
import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import throttle
from accounts.models import LoginThrottle
from clinic.tests.factories import PASSWORD

IP = "10.20.30.40"


def _sign_in(client, username, password, ip=IP):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _clock_moved(monkeypatch, seconds: int) -> None:
    later = throttle._now() + timedelta(seconds=seconds)
    monkeypatch.setattr(throttle, "_now", lambda: later)


def _fail(times: int, username: str = "therapist", ip: str = IP) -> None:
    for _ in range(times):
        throttle.record_failure(username, ip)


# --- Redis down ---------------------------------------------------------------------------------


DEAD_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nobody listens on port 1
    }
}


@pytest.fixture
def redis_down():
    """The cache is a Redis that refuses connections, as in an outage. Not the settings fixture:
    it would still be in force when conftest's `_fresh_cache` clears the cache after the test."""
    with override_settings(CACHES=DEAD_REDIS):
        with pytest.raises(Exception, match="Connection refused"):
            cache.get("anything")  # the outage is real: the cache itself fails
        yield


def test_with_redis_down_the_right_password_signs_in(client, cast, redis_down):
    response = _sign_in(client, "therapist", PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_with_redis_down_five_wrong_passwords_still_lock(client, cast, redis_down):
    for _ in range(5):
        assert _sign_in(client, "therapist", "wrong-password").status_code == 200
    assert _sign_in(client, "therapist", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


# --- windows and lockouts -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_window_is_never_extended(monkeypatch):
    _fail(4)
    _clock_moved(monkeypatch, 15 * 60)  # the window opened at the first failure is over
    _fail(4)
    assert not throttle.is_locked("therapist", IP)
    _fail(1)
    assert throttle.is_locked("therapist", IP)


@pytest.mark.django_db
def test_failures_during_a_lockout_do_not_extend_it(monkeypatch):
    _fail(5)
    for _ in range(14):
        _clock_moved(monkeypatch, 60)
        _fail(1)  # the admin's sign-in still reports refused attempts as failures
        assert throttle.is_locked("therapist", IP)
    _clock_moved(monkeypatch, 61)
    assert not throttle.is_locked("therapist", IP)


@pytest.mark.django_db
def test_a_right_password_clears_the_pair_but_not_the_ip(settings):
    settings.CLINIC_LOGIN_IP_MAX_FAILURES = 6
    _fail(4)
    throttle.record_success("therapist", IP)
    _fail(1, username="frontdesk")
    assert not throttle.is_locked("therapist", IP)
    _fail(1, username="frontdesk")  # the IP's 6th
    assert throttle.is_locked("therapist", IP)
    assert not throttle.is_locked("therapist", "10.1.2.3")


@pytest.mark.django_db
def test_the_table_names_no_username_and_no_ip():
    _fail(1, username="Therapist")
    keys = set(LoginThrottle.objects.values_list("key", flat=True))
    assert len(keys) == 2  # the pair's row and the IP's
    plain = hashlib.sha256(f"therapist\x00{IP}".encode()).hexdigest()
    for key in keys:
        assert "therapist" not in key.lower() and IP not in key and key != plain


@pytest.mark.django_db
def test_purge_deletes_only_rows_whose_window_and_lockout_are_over(monkeypatch):
    _fail(5, username="locked")  # locks at once: lockout ends 15 minutes from now
    _clock_moved(monkeypatch, 10 * 60)
    _fail(1, username="recent", ip="10.9.9.9")  # window ends 25 minutes from the start
    _clock_moved(monkeypatch, 6 * 60)
    assert throttle.purge_expired() == 2  # the locked pair and its IP: both over
    assert LoginThrottle.objects.count() == 2  # "recent" and its IP: still counting
    assert throttle.purge_expired() == 0


@pytest.mark.django_db
def test_few_queries_per_sign_in(django_assert_num_queries):
    with django_assert_num_queries(1):
        throttle.is_locked("therapist", IP)
    with django_assert_num_queries(5):
        throttle.record_failure("therapist", IP)
    with django_assert_num_queries(1):
        throttle.record_success("therapist", IP)


def _throttle_reads(queries) -> int:
    table = LoginThrottle._meta.db_table
    return sum(
        q["sql"].lstrip().upper().startswith("SELECT") and table in q["sql"] for q in queries
    )


@pytest.mark.parametrize("locked", [False, True])
def test_a_sign_in_checks_the_throttle_once(client, cast, locked):
    """The sign-in page asked before the form and the backend asked again inside it; now only
    the backend asks, and the page answers with the 429 page when it refused."""
    if locked:
        _fail(5)
    with CaptureQueriesContext(connection) as queries:
        response = _sign_in(client, "therapist", PASSWORD)
    assert response.status_code == (429 if locked else 302)
    assert _throttle_reads(queries.captured_queries) == 1


# --- two workers at once (PostgreSQL) -----------------------------------------------------------


def _at_once(workers: int, job) -> None:
    """Runs `job` in `workers` threads released together, each on its own connection."""
    barrier = threading.Barrier(workers)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as exc:  # reported below: an exception in a thread is otherwise lost
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors


def _locks_logged(caplog) -> int:
    return sum("sign-in locked for username" in r.getMessage() for r in caplog.records)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("already", [0, 4])
def test_racing_failures_set_exactly_one_lock_and_count_every_failure(caplog, already):
    _fail(already)
    with caplog.at_level(logging.WARNING, logger="clinic.security"):
        _at_once(8, lambda: throttle.record_failure("therapist", IP))
    assert _locks_logged(caplog) == 1
    pair_key, ip_key = throttle._keys("therapist", IP)
    counts = dict(LoginThrottle.objects.values_list("key", "failures"))
    assert counts == {pair_key: already + 8, ip_key: already + 8}
    assert throttle.is_locked("therapist", IP)
