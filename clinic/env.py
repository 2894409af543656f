"""Typed readers for environment variables.

Every setting comes from the environment. A malformed value must stop start-up with a message
that names the variable, never fall back silently (a typo in DJANGO_DEBUG must not turn debug on
or off behind the operator's back).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


class EnvError(ImproperlyConfigured):
    """A malformed or missing environment variable; the message starts with its name."""

    def __init__(self, name: str, problem: str):
        super().__init__(f"{name}: {problem}")
        self.name = name


def _raw(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    value = _raw(environ, name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise EnvError(name, f"expected true or false, got {value!r}")


def env_int(
    name: str, default: int, environ: Mapping[str, str] = os.environ, minimum: int = 0
) -> int:
    value = _raw(environ, name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise EnvError(name, f"expected a whole number, got {value!r}") from None
    if number < minimum:
        raise EnvError(name, f"must be at least {minimum}, got {number}")
    return number


def env_str(name: str, default: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    value = _raw(environ, name)
    return default if value is None else value


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    value = _raw(environ, name)
    if value is None:
        return list(default)
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise EnvError(name, f"expected a comma-separated list without empty items, got {value!r}")
    return items


def database_from_env(
    name: str, default_sqlite_path: str, environ: Mapping[str, str] = os.environ
) -> dict:
    """DATABASE_URL as a Django DATABASES entry; SQLite file when unset."""
    import dj_database_url

    url = _raw(environ, name)
    if url is None:
        url = f"sqlite:///{default_sqlite_path}"
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise EnvError(name, f"expected a sqlite:/// or postgres:// URL, got scheme {scheme!r}")
    try:
        # PostgreSQL connections persist for 60 s across requests. Health checks make the first
        # query of a request test a reused connection (SELECT 1) and reconnect when the server
        # ended it (a restart, pg_terminate_backend, a dropped network), instead of failing
        # that request with the 503 page (clinic/middleware_db.py) on every worker.
        persistent = scheme != "sqlite"
        config = dj_database_url.parse(
            url, conn_max_age=60 if persistent else 0, conn_health_checks=persistent
        )
    except Exception as exc:  # dj_database_url raises plain ValueError/KeyError on junk
        raise EnvError(name, f"cannot parse {url!r}: {exc}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise EnvError(name, "the URL names no database (expected .../<dbname>)")
    if scheme == "sqlite":
        # IMMEDIATE makes every write transaction take the write lock up front, so two
        # writers queue instead of failing half-way (see DESIGN.md, booking flow).
        config["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    else:
        # No JIT compilation: the billing reports' queries look costly to the planner, which
        # spent 1-2 s compiling each one that then ran in 0.3 s (bench/billing.py: the reports
        # page 4.5 s with JIT, 1.8 s without). A clinic's pages are short queries: JIT only
        # adds compile time to them.
        config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
    return config


LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def require_local_hosts(name: str, hosts_name: str, hosts: list[str]) -> None:
    """Refuse the setting `name` unless every entry of `hosts` names this machine.

    For settings that weaken transport security so a trial works over plain http: a site that
    answers to a public name can never start with one of them.
    """
    others = [host for host in hosts if host.lower() not in LOCAL_HOSTS]
    if hosts and not others:
        return
    local = ", ".join(LOCAL_HOSTS)
    got = repr(",".join(others)) if hosts else "none"
    raise EnvError(
        name,
        f"only for a trial on this machine: every {hosts_name} entry must be one of {local}, "
        f"got {got}",
    )


def redis_url_from_env(name: str, environ: Mapping[str, str] = os.environ) -> str | None:
    url = _raw(environ, name)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise EnvError(name, f"expected redis://host:port/db, got {url!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        raise EnvError(name, f"malformed port in {url!r}") from None
    return url


# Every EMAIL_* setting email_from_env gives, at Django's defaults, so settings.py assigns
# each one plainly whatever the scheme.
EMAIL_DEFAULTS = {
    "EMAIL_FILE_PATH": None,
    "EMAIL_HOST": "localhost",
    "EMAIL_PORT": 25,
    "EMAIL_HOST_USER": "",
    "EMAIL_HOST_PASSWORD": "",
    "EMAIL_USE_TLS": False,
    "EMAIL_USE_SSL": False,
    "EMAIL_TIMEOUT": None,
}


def email_from_env(name: str, environ: Mapping[str, str] = os.environ) -> dict:
    """EMAIL_URL as Django EMAIL_* settings: EMAIL_BACKEND and every key of EMAIL_DEFAULTS.

    console:            print mails (the default; what `make run` uses)
    file:///path/dir    write each mail to a file in that folder
    smtp://user:pass@host:25       plain SMTP
    smtp+tls://user:pass@host:587  STARTTLS
    smtp+ssl://user:pass@host:465  implicit TLS
    """
    return {**EMAIL_DEFAULTS, **_email_settings(name, environ)}


def _email_settings(name: str, environ: Mapping[str, str]) -> dict:
    url = _raw(environ, name) or "console:"
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        if not parts.path:
            raise EnvError(name, "file:// needs a folder, e.g. file:///var/mail/clinic")
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": parts.path,
        }
    if scheme not in {"smtp", "smtp+tls", "smtp+ssl"}:
        raise EnvError(name, f"expected console:, file:// or smtp[+tls|+ssl]://, got {url!r}")
    if not parts.hostname:
        raise EnvError(name, f"no host in {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise EnvError(name, f"malformed port in {url!r}") from None
    timeout = parse_qs(parts.query).get("timeout", ["10"])[0]
    if not timeout.isdigit():
        raise EnvError(name, f"timeout must be a whole number of seconds, got {timeout!r}")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or {"smtp": 25, "smtp+tls": 587, "smtp+ssl": 465}[scheme],
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": scheme == "smtp+tls",
        "EMAIL_USE_SSL": scheme == "smtp+ssl",
        "EMAIL_TIMEOUT": int(timeout),
    }
