"""A persistent database connection ended by the server is replaced, not a 503 (PostgreSQL).

Each gunicorn worker keeps its PostgreSQL connection for 60 s (CONN_MAX_AGE, clinic/env.py).
When the server ends it (a restart, `pg_terminate_backend`, a dropped network), the next request
on that worker must reconnect: CONN_HEALTH_CHECKS makes its first query test the reused
connection and open a new one when it is dead. Without them that request fails with the 503
page (clinic/middleware_db.py), once per worker.

Django runs those checks from `close_old_connections`, which a WSGI server's handler calls at
the start and end of every request. The test client leaves it out on purpose (a test's
connection must outlive its requests), so these tests use a client whose handler calls it as
the server does. The second test is the control: health checks off, the same steps give the
503, so the first test cannot pass by accident.
"""

from __future__ import annotations

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.test.client import ClientHandler
from django.urls import reverse

from clinic.tests.test_reliability_integration import _terminate_backend


class ServerHandler(ClientHandler):
    """The test client's handler, with the connection handling of Django's WSGIHandler (what
    gunicorn runs): `close_old_connections` before and after each request."""

    def __call__(self, environ):
        close_old_connections()  # request_started
        try:
            return super().__call__(environ)
        finally:
            close_old_connections()  # request_finished


@pytest.fixture(autouse=True)
def _close_connection_after():
    yield
    connection.close()  # never hand a dead or unchecked connection to the next test


def _signed_in_on_a_new_connection(cast) -> Client:
    """The front desk signed in, on a connection opened now: with the settings under test
    (health checks are read when a connection opens)."""
    connection.close()
    browser = Client(raise_request_exception=False)
    browser.handler = ServerHandler(enforce_csrf_checks=False)
    browser.force_login(cast.frontdesk)
    return browser


def _backend_pid() -> int:
    assert connection.connection is not None, "the request's connection was not kept open"
    return connection.connection.info.backend_pid


def _next_request_after_the_server_ends_the_connection(browser) -> tuple[int, int]:
    """A request, the server ending that request's connection, the next request: the first
    request's backend pid and the next request's status."""
    assert connection.settings_dict["CONN_MAX_AGE"] == 60
    assert browser.get(reverse("dashboard_front_desk")).status_code == 200
    pid = _backend_pid()
    _terminate_backend(pid)
    return pid, browser.get(reverse("dashboard_front_desk")).status_code


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_the_next_request_reconnects_after_the_server_ends_the_connection(cast):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True  # from clinic/env.py
    browser = _signed_in_on_a_new_connection(cast)

    pid, status = _next_request_after_the_server_ends_the_connection(browser)

    assert status == 200
    assert _backend_pid() != pid  # a new connection, kept for the requests after it


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_without_health_checks_the_next_request_is_a_503(cast, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    browser = _signed_in_on_a_new_connection(cast)

    _, status = _next_request_after_the_server_ends_the_connection(browser)

    assert status == 503
