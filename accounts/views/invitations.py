"""Portal invitations: the staff page that sends one, and the public page behind the link.

The accept page is public: the token in the URL is the credential. A link that no longer works
gets a page that says why (410) or that it is unknown (404), and never whose invitation it was.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.forms import (
    InvitationAcceptForm,
    InvitationProofForm,
    InvitationSendForm,
    suggested_username,
)
from accounts.models import Invitation
from accounts.services import invitations as services
from accounts.services.invitations import InvitationUnavailable
from clinic.clinic_time import local
from clinic.date_formats import day_time
from clinic.models import Client, Physician
from clinic.permissions import role_required
from clinic.submissions import creates_once, saved

GONE_STATUS = {services.UNKNOWN: 404}  # the rest (expired, used, revoked) are 410


# --- staff: send ----------------------------------------------------------------------------


@role_required(*services.CLIENT_INVITERS)
@creates_once  # a double click would send two mails, and the first link would not work
def client_invite(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    return _invite_page(request, client=client)


@role_required(*services.PHYSICIAN_INVITERS)
@creates_once
def physician_invite(request, physician_id):
    physician = get_object_or_404(Physician.objects.visible_to(request.user), pk=physician_id)
    return _invite_page(request, physician=physician)


def _invite_page(request, **person):
    """GET shows the address on the record and the latest invitation; POST sends and comes
    back here."""
    invitee = next(iter(person.values()))
    # Bound on every POST: the form has no fields, so its data may be empty.
    form = InvitationSendForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_send(
                actor=request.user,
                base_url=request.build_absolute_uri("/"),
                **person,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            expires = local(invitation.expires_at)
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link expires on {day_time(expires)}.",
            )
            return saved(redirect(request.path))
    latest = Invitation.objects.visible_to(request.user).for_person(**person).first()
    context = {
        "form": form,
        "invitee": invitee,
        "latest": latest,
        "days": services.invitation_days(),
        "email_unproved": "client" in person and services.email_unproved(invitee),
        # Said before the click; after a refused POST the form's error says it instead.
        "refusal": None
        if form.errors
        else services.send_refusal(actor=request.user, person=invitee),
        **person,
    }
    return render(request, "accounts/invitations/send.html", context)


def _add_errors(form, error: ValidationError) -> None:
    """Service errors at the field they concern when the form has it, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- public: accept -------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    try:
        invitation = services.invitation_for_token(token)
    except InvitationUnavailable as gone:
        return _gone(request, gone.reason)
    if request.user.is_authenticated:
        return _accept_signed_in(request, invitation, token)
    if services.existing_account(invitation) is not None:
        return render(request, "accounts/invitations/sign_in_first.html", {"next": request.path})
    return _accept_new_account(request, invitation, token)


def _accept_new_account(request, invitation: Invitation, token: str):
    form = InvitationAcceptForm(
        request.POST or None,
        invitation=invitation,
        initial={"username": suggested_username(invitation)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                date_of_birth=form.cleaned_data.get("date_of_birth"),
            )
        except InvitationUnavailable as gone:
            return _gone(request, gone.reason)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _sign_in(request, user)
    context = {"form": form, "invitation": invitation}
    return render(request, "accounts/invitations/accept.html", context)


def _accept_signed_in(request, invitation: Invitation, token: str):
    """Someone signed in follows the link: the invited person's existing account is linked;
    anyone else (staff trying the link, another client) is told to sign out first."""
    if not services.may_link(invitation, request.user):
        return render(request, "accounts/invitations/other_account.html", status=403)
    # Bound on every POST: a physician's form has no fields, so its data may be empty.
    posted = request.POST if request.method == "POST" else None
    form = InvitationProofForm(posted, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept_as(
                token=token,
                user=request.user,
                date_of_birth=form.cleaned_data.get("date_of_birth"),
            )
        except InvitationUnavailable as gone:
            return _gone(request, gone.reason)
        except PermissionDenied:
            return render(request, "accounts/invitations/other_account.html", status=403)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Your account is now linked. Welcome.")
            return redirect(user.dashboard_url_name)
    context = {"invitation": invitation, "form": form}
    return render(request, "accounts/invitations/link_account.html", context)


def _sign_in(request, user):
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    messages.success(request, "Your account is ready. Welcome.")
    return redirect(user.dashboard_url_name)


def _gone(request, reason: str):
    status = GONE_STATUS.get(reason, 410)
    return render(request, "accounts/invitations/gone.html", {"reason": reason}, status=status)
