"""A create form's one-time token, kept once the record the form made is saved
(clinic/submissions.py), so a second submit of the same page is sent to that record instead
of making another."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from clinic.models.people import User


class FormSubmission(models.Model):
    """`token` came with the form page; the row is written in the transaction that saved the
    record at `result_url`.

    The key is (user, token): a token counts only for the user who submitted it, so another
    user's submit with a copied token is a fresh one and never learns where the first result
    lives. Being the primary key is also the concurrency guard: a twin request inserting the
    same key waits for the first transaction and then fails, instead of saving twice.
    """

    pk = models.CompositePrimaryKey("user", "token")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField()
    result_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "clinic"

    def __str__(self) -> str:
        return f"{self.token} -> {self.result_url}"
