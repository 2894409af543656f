"""The clinic's date formats, named once (settings.FORMAT_MODULE_PATH).

`{{ value|date }}`, the admin and `clinic.date_formats` all read these, so a date reads the same
on every page, in every mail and in the PDF. Input formats are left to Django's: the
browser's date fields send ISO.
"""

DATE_FORMAT = "D j M Y"  # Mon 7 Dec 2026
DATETIME_FORMAT = "D j M Y, H:i"  # Mon 7 Dec 2026, 14:30
TIME_FORMAT = "H:i"
# Lists and calendars, where the year is usually this one (clinic.date_formats adds it otherwise).
MONTH_DAY_FORMAT = "D j M"  # Mon 7 Dec
SHORT_DATETIME_FORMAT = "D j M, H:i"  # Mon 7 Dec, 14:30
