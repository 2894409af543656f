"""`{% load dates %}`: the clinic's named date formats as filters (clinic/date_formats.py).

{{ note.signed_at|day_time }}    Mon 7 Dec 2026, 14:30
{{ appointment.starts_at|day }}  Mon 7 Dec 2026
{{ row.on|day_short }}           Mon 7 Dec (the year too when it is not this one)
"""

from __future__ import annotations

from django import template

from clinic import date_formats as dates

register = template.Library()

register.filter("day", dates.day)
register.filter("day_time", dates.day_time)
register.filter("day_short", dates.day_short)
register.filter("day_time_short", dates.day_time_short)
