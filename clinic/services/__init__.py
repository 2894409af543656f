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
from clinic.services.reminders import appointment_confirmation_owe, reminders_send_due

__all__ = [
    "CLIENT_CONTACT_FIELDS",
    "CLIENT_FIELDS",
    "appointment_confirmation_owe",
    "client_create",
    "client_possible_duplicates",
    "client_update",
    "client_update_contacts",
    "password_reset_owe",
    "reminders_send_due",
]
