"""Importing a clinic's existing clients and appointments from another system's CSV export
(`manage.py import_clinic`, the /imports/ page). `mapping.py` says which column is which,
`clients.py` and `appointments.py` check every row and plan the import, `service.py` writes it
(one transaction, audited)."""
