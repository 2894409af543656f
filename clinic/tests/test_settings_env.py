"""Settings come from the environment; a malformed value stops start-up naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clinic.env import (
    EMAIL_DEFAULTS,
    EnvError,
    database_from_env,
    email_from_env,
    env_bool,
    env_int,
    env_list,
    redis_url_from_env,
    require_local_hosts,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("text,value", [("true", True), ("1", True), ("Off", False), ("no", False)])
def test_bool_words(text, value):
    assert env_bool("X", not value, {"X": text}) is value


def test_bool_default_when_unset_or_blank():
    assert env_bool("X", True, {}) is True
    assert env_bool("X", False, {"X": "  "}) is False


def test_malformed_bool_names_the_variable():
    with pytest.raises(EnvError, match=r"^DJANGO_DEBUG: expected true or false, got 'maybe'"):
        env_bool("DJANGO_DEBUG", False, {"DJANGO_DEBUG": "maybe"})


def test_int_and_list():
    assert env_int("N", 5, {"N": "12"}) == 12
    with pytest.raises(EnvError, match="^N: expected a whole number"):
        env_int("N", 5, {"N": "twelve"})
    with pytest.raises(EnvError, match="^N: must be at least 60"):
        env_int("N", 5, {"N": "3"}, minimum=60)
    assert env_list("H", [], {"H": "a.example, b.example"}) == ["a.example", "b.example"]
    with pytest.raises(EnvError, match="^H: "):
        env_list("H", [], {"H": "a.example,,b"})


def test_database_default_is_sqlite_with_immediate_transactions():
    config = database_from_env("DATABASE_URL", "/tmp/x.sqlite3", {})
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


def test_database_postgres_url():
    url = "postgres://postgres@127.0.0.1:5432/clinic"
    config = database_from_env("DATABASE_URL", "", {"DATABASE_URL": url})
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["HOST"], config["PORT"]) == ("clinic", "127.0.0.1", 5432)
    # Persistent connections, tested before reuse: one ended by the server is replaced instead
    # of failing a request (clinic/tests/test_connection_health_integration.py).
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (60, True)
    assert config["OPTIONS"]["options"] == "-c jit=off"  # see clinic/env.py


def test_database_sqlite_opens_a_connection_per_request():
    config = database_from_env("DATABASE_URL", "/tmp/x.sqlite3", {})
    assert (config["CONN_MAX_AGE"], config["CONN_HEALTH_CHECKS"]) == (0, False)


@pytest.mark.parametrize(
    "url", ["mysql://x/y", "postgres://host:5432/", "nonsense", "postgres://h:port/db"]
)
def test_database_malformed(url):
    with pytest.raises(EnvError, match="^DATABASE_URL: "):
        database_from_env("DATABASE_URL", "", {"DATABASE_URL": url})


def test_redis_url():
    assert redis_url_from_env("REDIS_URL", {}) is None
    assert redis_url_from_env("REDIS_URL", {"REDIS_URL": "redis://127.0.0.1:6379/0"})
    for bad in ("http://127.0.0.1:6379", "redis://", "redis://h:notaport/0"):
        with pytest.raises(EnvError, match="^REDIS_URL: "):
            redis_url_from_env("REDIS_URL", {"REDIS_URL": bad})


def test_email_urls():
    assert email_from_env("EMAIL_URL", {})["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = email_from_env("EMAIL_URL", {"EMAIL_URL": "smtp+tls://me%40x.org:p%2Fw@mail.x.org"})
    assert smtp["EMAIL_HOST"] == "mail.x.org" and smtp["EMAIL_PORT"] == 587
    assert smtp["EMAIL_HOST_USER"] == "me@x.org" and smtp["EMAIL_HOST_PASSWORD"] == "p/w"
    assert smtp["EMAIL_USE_TLS"] and not smtp["EMAIL_USE_SSL"]
    for bad in ("pigeon://coop", "smtp://", "smtp://h:xx", "smtp://h?timeout=soon", "file://"):
        with pytest.raises(EnvError, match="^EMAIL_URL: "):
            email_from_env("EMAIL_URL", {"EMAIL_URL": bad})


def _manage(*args, **env):
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_URL"))
    }
    base["DJANGO_SETTINGS_MODULE"] = "clinic.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_startup_refuses_a_malformed_value_with_one_clear_line():
    result = _manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: DJANGO_DEBUG: expected true or false, got 'maybe'"
    )


@pytest.mark.parametrize("seed", ["1", "2", "3", "4"])
def test_any_command_refuses_with_the_one_clear_line_whatever_order_the_checks_run(seed):
    """Django swallows a settings error and runs its system checks anyway; their order
    follows the hash seed, and some failed with a bare "Models aren't loaded yet" instead of
    the cause. manage.py loads the settings first."""
    result = _manage("makemigrations", "--check", DJANGO_DEBUG="false", PYTHONHASHSEED=seed)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: DJANGO_SECRET_KEY: required when DJANGO_DEBUG is false"
    )


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", DJANGO_DEBUG="false")
    assert result.returncode == 2
    assert "DJANGO_SECRET_KEY: required when DJANGO_DEBUG is false" in result.stderr


def test_check_deploy_is_clean_with_production_values():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="f3Jk9!qPz@7vLm2#xR8sWc4&yT6uNb1^hG5eDa0*Zo-Qi_Kp+w3Ex",
        DJANGO_ALLOWED_HOSTS="clinic.example",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        REDIS_URL="redis://127.0.0.1:6379/0",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.example:587",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


# --- DJANGO_LOCAL_PLAIN_HTTP: the production shape over http://127.0.0.1 --------------------

SECRET = "f3Jk9!qPz@7vLm2#xR8sWc4&yT6uNb1^hG5eDa0*Zo-Qi_Kp+w3Ex"
TRANSPORT = (
    "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
    " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD)"
)


def test_local_hosts_only():
    require_local_hosts("X", "H", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
    anywhere = "0.0.0.0"  # noqa: S104 - a host name here, not a bind address
    for hosts in (["clinic.example"], ["127.0.0.1", "clinic.example"], ["*"], [anywhere], []):
        with pytest.raises(EnvError, match="^X: only for a trial on this machine: every H entry"):
            require_local_hosts("X", "H", hosts)


def test_production_transport_is_https_only():
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        TRANSPORT,
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="clinic.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000", "True"]


def test_local_plain_http_turns_off_secure_cookies_redirect_and_hsts_for_local_hosts():
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        TRANSPORT,
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,[::1]",
        DJANGO_LOCAL_PLAIN_HTTP="true",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "False", "0", "False"]


@pytest.mark.parametrize(
    "hosts,named",
    [
        ("clinic.example", "clinic.example"),
        ("127.0.0.1,localhost,clinic.example", "clinic.example"),
        ("*", "*"),
    ],
)
def test_local_plain_http_refused_for_any_other_host(hosts, named):
    result = _manage(
        "check",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS=hosts,
        DJANGO_LOCAL_PLAIN_HTTP="true",
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: DJANGO_LOCAL_PLAIN_HTTP: only for a trial on this machine: every "
        f"DJANGO_ALLOWED_HOSTS entry must be one of localhost, 127.0.0.1, [::1], got {named!r}"
    )


def test_local_plain_http_refused_without_allowed_hosts():
    result = _manage("check", DJANGO_SECRET_KEY=SECRET, DJANGO_LOCAL_PLAIN_HTTP="true")
    assert result.returncode == 2
    assert result.stderr.strip().endswith("got none")


# --- settings are plain assignments -------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["console:", "file:///var/mail/clinic", "smtp://mail.example", "smtp+ssl://u@h:2465"]
)
def test_every_email_url_gives_every_email_setting(url):
    given = email_from_env("EMAIL_URL", {"EMAIL_URL": url})
    assert set(given) == {"EMAIL_BACKEND", *EMAIL_DEFAULTS}


def test_the_settings_assign_each_email_value_from_email_url():
    shown = "EMAIL_BACKEND EMAIL_HOST EMAIL_PORT EMAIL_HOST_USER EMAIL_USE_SSL EMAIL_TIMEOUT"
    result = _manage(
        "shell",
        "-v",
        "0",
        "-c",
        f"from django.conf import settings as s; print(*(getattr(s, n) for n in {shown.split()}))",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="clinic.example",
        EMAIL_URL="smtp+ssl://mailer@mail.example:2465?timeout=7",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.example",
        "2465",
        "mailer",
        "True",
        "7",
    ]
    assert "globals()" not in (ROOT / "clinic" / "settings.py").read_text()


def test_behind_a_tls_proxy_the_forwarded_proto_is_trusted_and_otherwise_not():
    show = "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"
    common = {"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "clinic.example"}
    behind = _manage("shell", "-v", "0", "-c", show, DJANGO_BEHIND_TLS_PROXY="true", **common)
    assert behind.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", behind.stderr
    assert _manage("shell", "-v", "0", "-c", show, **common).stdout.strip() == "None"
