"""Forms for portal invitations: the staff's "send" form and the invitee's account form."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)

from accounts.models import Invitation
from accounts.services.invitations import needs_birth_date
from clinic.forms import DateInput
from clinic.models import User


class InvitationSendForm(forms.Form):
    """No fields: the invitation goes to the address on the record, never to one typed here
    (services/invitations.py says why). The form carries the submission token and the
    service's errors."""


class InvitationProofForm(forms.Form):
    """What the invited client types to show the invitation is theirs; nothing for a
    physician (services/invitations.py says why)."""

    date_of_birth = forms.DateField(
        label="Your date of birth",
        help_text="As the clinic has it on file: it shows the invitation is yours.",
        widget=DateInput(attrs={"autocomplete": "bday"}),
    )

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation
        if not needs_birth_date(invitation):
            del self.fields["date_of_birth"]


class InvitationAcceptForm(InvitationProofForm):
    """Username and password for the new login (and the client's date of birth). Checked here
    so every problem shows at its field; the service checks again, since it is the one that
    writes."""

    username = forms.CharField(
        max_length=150,
        validators=[User.username_validator],
        help_text="Letters, digits and @ . + - _ only. You sign in with it.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autocapitalize": "none"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        help_text=password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        help_text="The same password, to be sure it is typed as meant.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("This username is taken. Choose another.")
        return username

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        elif first:
            self._validate_password(first, cleaned.get("username", ""))
        return cleaned

    def _validate_password(self, password: str, username: str) -> None:
        person = self.invitation.invitee
        # An unsaved user, so the "too similar to your name or email" rule can compare.
        candidate = User(
            username=username,
            role=self.invitation.role,  # the length rule depends on the role (clients: 8)
            email=self.invitation.email,
            first_name=person.first_name,
            last_name=person.last_name,
        )
        try:
            validate_password(password, candidate)
        except forms.ValidationError as error:
            self.add_error("password1", error)


def suggested_username(invitation: Invitation) -> str:
    """The part of the email before the @ when it is free, else the whole address."""
    local_part = invitation.email.split("@", 1)[0]
    if (
        re.fullmatch(r"[\w.@+-]+", local_part)
        and not User.objects.filter(username__iexact=local_part).exists()
    ):
        return local_part
    return invitation.email
