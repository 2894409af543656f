"""Writes of the core app, one module per sub-domain. Each service is one transaction, takes
the acting user, checks permission and writes its audit entry."""

from clinic.services.people import (
    CLIENT_CONTACT_FIELDS,
    CLIENT_FIELDS,
    client_create,
    client_possible_duplicates,
    client_update,
    client_update_contacts,
    password_reset_owe,
)

__all__ = [
    "CLIENT_CONTACT_FIELDS",
    "CLIENT_FIELDS",
    "client_create",
    "client_possible_duplicates",
    "client_update",
    "client_update_contacts",
    "password_reset_owe",
]
