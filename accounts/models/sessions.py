"""Which session keys belong to which user, so all of a user's sessions can be ended at once.

Why a table rather than scanning `Session` rows and decoding `_auth_user_id`: a scan reads and
decodes every live session of every user (slow as the clinic grows) and works only with the
database session backend, while DESIGN.md allows sessions in Redis. A row written at sign-in
costs one insert and works with any backend (the session store deletes by key).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UserSession(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="usersession_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at:%Y-%m-%d %H:%M}"
