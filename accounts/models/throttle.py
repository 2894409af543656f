"""Sign-in throttling's counts (accounts/throttle.py).

Why the database rather than the cache: every gunicorn worker and host already shares it, and a
sign-in already writes to it (the audit entry), so an outage of Redis no longer takes sign-in
down with it while the lockout still holds.
"""

from __future__ import annotations

from django.db import models


class LoginThrottle(models.Model):
    """The failed sign-ins counted for one username from one IP address, or for one IP address
    across usernames, and the lockout they may have set.

    `key` is a keyed hash of what is counted, so the table is never a list of who tried which
    username from where.
    """

    key = models.CharField(max_length=64, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    # The window opens at the first failure and is never extended; one that is over counts as
    # no failures (the next failure opens a new one). None until the first failure is counted.
    window_ends_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sign-in throttle"

    def __str__(self) -> str:
        return f"{self.failures} failure(s) in the window ending {self.window_ends_at}"
