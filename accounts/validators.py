"""Password length by role (ASVS 2.1.1): people who read many clients' records (staff and
physicians) need at least 12 characters; clients, who see only their own, at least 8."""

from __future__ import annotations

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

from clinic.roles import Role


class RoleMinimumLengthValidator(MinimumLengthValidator):
    """Django's minimum-length rule with the minimum taken from the user's role. With no user
    or no role yet (a form that has not made the user), the stricter minimum applies."""

    def __init__(self, min_length: int = 12, client_min_length: int = 8):
        super().__init__(min_length=min_length)
        self.client_min_length = client_min_length

    def minimum_for(self, user=None) -> int:
        role = getattr(user, "role", None)
        return self.client_min_length if role == Role.CLIENT else self.min_length

    def validate(self, password, user=None):
        minimum = self.minimum_for(user)
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "This password is too short. It must contain at least %(min_length)d "
                    "character.",
                    "This password is too short. It must contain at least %(min_length)d "
                    "characters.",
                    minimum,
                ),
                code="password_too_short",
                params={"min_length": minimum},
            )

    def get_help_text(self):
        return (
            f"Your password must contain at least {self.min_length} characters "
            f"({self.client_min_length} for client accounts)."
        )
