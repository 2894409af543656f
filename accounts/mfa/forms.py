"""One field, the code: from the authenticator app, or (where allowed) a recovery code."""

from __future__ import annotations

from django import forms
from django.conf import settings

from accounts.mfa.services import MfaCodeError

DIGITS = 6  # what authenticator apps show (django-otp's TOTPDevice default)

APP_CODE_HELP = "The 6-digit code your authenticator app shows now."
EITHER_CODE_HELP = "The 6-digit code from your authenticator app, or one of your recovery codes."


class CodeForm(forms.Form):
    code = forms.CharField(label="Authentication code", max_length=40, strip=True)

    def __init__(self, *args, accept_recovery: bool = False, prefix=None, **kwargs):
        super().__init__(*args, prefix=prefix, **kwargs)
        self.accept_recovery = accept_recovery
        field = self.fields["code"]
        field.help_text = EITHER_CODE_HELP if accept_recovery else APP_CODE_HELP
        # Lets phones offer the code from an SMS/app and show a number pad when only digits fit.
        field.widget.attrs.update(
            {"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        )
        if not accept_recovery:
            field.widget.attrs["inputmode"] = "numeric"

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].replace(" ", "")
        if code.isdigit() and len(code) == DIGITS:
            return code
        if self.accept_recovery and not code.isdigit():
            return code
        raise forms.ValidationError(f"Enter the {DIGITS}-digit code from your app.")

    def add_code_error(self, error: MfaCodeError) -> None:
        """The service said no: explain at the field, with the tries left before the lock."""
        if error.replayed:
            text = "That code has already been used. Wait for the next one in your app."
        else:
            text = "That code is not right. Check that your phone's clock is set automatically."
        tries = "try" if error.attempts_left == 1 else "tries"
        # The sign-in lock's length (accounts/mfa/models.py): 15 minutes unless set otherwise.
        minutes = max(1, settings.CLINIC_LOGIN_LOCKOUT_SECONDS // 60)
        self.add_error(
            "code", f"{text} {error.attempts_left} {tries} left before a {minutes}-minute pause."
        )
