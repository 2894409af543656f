"""What each kind of owed mail is, and how it is built at send time.

Every app registers its kinds here (in its AppConfig.ready), so the core delivers mail about
rows it never imports: clinic stays below the apps that owe mail (DESIGN.md, layers).

A builder takes the OutboundMail row and the delivery's clock (`now`) and returns a `Prepared`
mail, or raises `NotOwed` when the mail is no longer needed (the appointment was cancelled,
the invitation revoked) or `Undeliverable` when it cannot be sent until a person fixes
something (no address on file).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMessage

from clinic.roles import Role


class NotOwed(Exception):  # noqa: N818 - a verdict, not an error
    """The mail is no longer needed; the row is dropped with this reason."""


class Undeliverable(Exception):  # noqa: N818
    """The mail cannot go out until someone fixes the record; shown to staff with a resend."""


@dataclass
class Prepared:
    message: EmailMessage
    # Runs after the mail was handed to the mail server and the row marked sent.
    after_sent: Callable[[], None] | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    build: Callable[..., Prepared]
    # Staff who chase this kind's failures (the admin sees every kind).
    watchers: frozenset[Role]


_KINDS: dict[str, Kind] = {}

CLINIC_STAFF = frozenset({Role.THERAPIST, Role.FRONT_DESK})
CLINICIANS = frozenset({Role.THERAPIST})
ADMIN_ONLY: frozenset[Role] = frozenset()


def register(name: str, label: str, *, watchers: frozenset[Role]):
    """Decorator: `build(mail, *, now) -> Prepared` is how mails of kind `name` are made."""

    def decorator(build):
        _KINDS[name] = Kind(name=name, label=label, build=build, watchers=watchers)
        return build

    return decorator


def build(mail, *, now) -> Prepared:
    try:
        kind = _KINDS[mail.kind]
    except KeyError:
        raise Undeliverable(f"No builder for mail kind {mail.kind!r}.") from None
    return kind.build(mail, now=now)


def label(name: str) -> str:
    kind = _KINDS.get(name)
    return kind.label if kind else name.replace("_", " ")


def kinds_for(role: Role) -> list[str]:
    return [kind.name for kind in _KINDS.values() if role in kind.watchers]
