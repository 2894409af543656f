from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction

from clinic.models import AuditEntry, Client, User
from clinic.services import CLIENT_CONTACT_FIELDS


class ClientContactsForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = CLIENT_CONTACT_FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "emergency_contact_name": "Emergency contact: name",
            "emergency_contact_phone": "Emergency contact: phone",
            "emergency_contact_relationship": "Emergency contact: relationship",
        }


class ClientSearchForm(forms.Form):
    q = forms.CharField(
        label="Search clients",
        max_length=100,
        required=False,
        help_text="Name or phone number.",
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Sends reset mail through Celery. The task receives only the user's id; the token is
    made when the mail is sent. Unknown addresses get the same answer as known ones."""

    def save(self, domain_override=None, request=None, use_https=False, **kwargs):
        from clinic.tasks import send_password_reset_email

        domain = domain_override or request.get_host()
        for user in self.get_users(self.cleaned_data["email"]):
            transaction.on_commit(
                lambda pk=str(user.pk): send_password_reset_email.delay(pk, domain, use_https)
            )


class AuditFilterForm(forms.Form):
    """Filters arrive as ids in the query string: never a client's name in a URL."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.all(), required=False, widget=forms.HiddenInput
    )
    actor = forms.ModelChoiceField(
        queryset=User.objects.order_by("username"), required=False, label="User"
    )
    action = forms.ChoiceField(
        choices=[("", "Any action"), *AuditEntry.Action.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.visible_to(user)

    def apply(self, entries):
        data = self.cleaned_data
        if data.get("client"):
            entries = entries.filter(client=data["client"])
        if data.get("actor"):
            entries = entries.filter(actor=data["actor"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        return entries
