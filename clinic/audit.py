"""The one way to write the audit trail: `audit.record(...)`.

Services call it for every change and views for every read of a client's data. The request's
IP address comes from a context variable set by `RequestContextMiddleware`, so services need
not carry the request around.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

from django.conf import settings

_request_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_ip", default=None)


@dataclass(frozen=True)
class _Token:
    token: contextvars.Token


def client_ip(request) -> str | None:
    """REMOTE_ADDR, or the address the last trusted proxy saw (CLINIC_TRUSTED_PROXY_COUNT)."""
    proxies = settings.CLINIC_TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def current_ip() -> str | None:
    """The IP address of the request being served, or None outside a request (tasks, shell):
    lets services record where a signature came from without taking the request."""
    return _request_ip.get()


def bind_request(request) -> _Token:
    return _Token(_request_ip.set(client_ip(request)))


def unbind_request(token: _Token) -> None:
    _request_ip.reset(token.token)


def record(*, actor, action: str, client=None, target=None, detail: str = ""):
    """Append one entry. `target` is the model instance acted on (its type and id are kept)."""
    from clinic.models import AuditEntry

    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_label=actor.get_username() if authenticated else "system",
        ip_address=_request_ip.get(),
        action=action,
        client=client,
        object_type=target._meta.label if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        detail=detail[:300],
    )


def record_many(*, actor, action: str, entries) -> None:
    """Append one entry per (client, target, detail) of `entries` in a few INSERTs: for a bulk
    write (an import of thousands of rows) that owes each record its own line in the trail."""
    from clinic.models import AuditEntry

    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    ip_address = _request_ip.get()
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor=actor if authenticated else None,
                actor_label=actor.get_username() if authenticated else "system",
                ip_address=ip_address,
                action=action,
                client=client,
                object_type=target._meta.label if target is not None else "",
                object_id=str(target.pk) if target is not None else "",
                detail=detail[:300],
            )
            for client, target, detail in entries
        ],
        batch_size=1000,
    )
