"""Two-factor pages: set-up, the sign-in check, and the user's own settings page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.mfa import qr, selectors, services, session
from accounts.mfa.forms import CodeForm
from accounts.mfa.services import MfaCodeError, MfaLocked, MfaStateError


@login_required
def setup(request):
    if session.device_id(request):
        return redirect("mfa_manage" if session.is_verified(request) else "mfa_verify")
    device = services.mfa_enrol_start(user=request.user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        try:
            device, codes = services.mfa_enrol_confirm(
                user=request.user, code=form.cleaned_data["code"]
            )
        except MfaLocked as locked:
            return _locked(request, locked)
        except MfaCodeError as error:
            form.add_code_error(error)
        else:
            session.mark_verified(request, device)
            return _show_codes(request, codes, next_url=_next_url(request))
    uri = qr.provisioning_uri(device, issuer=settings.CLINIC_NAME)
    context = {
        "form": form,
        "secret": qr.grouped(qr.key_text(device)),
        "otpauth_uri": uri,
        "qr": qr.qr_svg(uri),
        "required": selectors.mfa_required_for(request.user),
        "next": _next_url(request),
    }
    return render(request, "accounts/mfa/setup.html", context)


@login_required
def verify(request):
    if session.device_id(request) and not selectors.confirmed_device_id(request.user):
        session.forget_device(request)  # turned off or reset meanwhile: nothing to ask for
    if not session.device_id(request) or session.is_verified(request):
        return redirect(_next_url(request) or "home")
    form = CodeForm(request.POST or None, accept_recovery=True)
    if form.is_valid():
        try:
            device = services.mfa_verify(user=request.user, code=form.cleaned_data["code"])
        except MfaLocked as locked:
            return _locked(request, locked)
        except MfaCodeError as error:
            form.add_code_error(error)
        except MfaStateError:
            session.forget_device(request)  # reset by the admin meanwhile: start over
            return redirect("home")
        else:
            session.mark_verified(request, device)
            return redirect(_next_url(request) or "home")
    return render(request, "accounts/mfa/verify.html", {"form": form, "next": _next_url(request)})


@login_required
def manage(request):
    return _manage_page(request)


def _manage_page(request, *, regenerate_form=None, disable_form=None):
    device = selectors.device_for(request.user)
    confirmed = device is not None and device.is_confirmed
    # Made when the device was confirmed: "on since" that day.
    recovery = selectors.recovery_device_for(request.user) if confirmed else None
    context = {
        "device": device if confirmed else None,
        "since": recovery.created_at if recovery is not None else None,
        "codes_left": selectors.recovery_codes_left(device) if confirmed else 0,
        "required": selectors.mfa_required_for(request.user),
        "regenerate_form": regenerate_form or CodeForm(prefix="regenerate"),
        "disable_form": disable_form or CodeForm(prefix="disable", accept_recovery=True),
    }
    return render(request, "accounts/mfa/manage.html", context)


@login_required
@require_POST
def regenerate(request):
    form = CodeForm(request.POST, prefix="regenerate")
    if form.is_valid():
        try:
            codes = services.mfa_recovery_codes_regenerate(
                user=request.user, code=form.cleaned_data["code"]
            )
        except MfaLocked as locked:
            return _locked(request, locked)
        except MfaCodeError as error:
            form.add_code_error(error)
        except MfaStateError as error:
            messages.error(request, str(error))
            return redirect("mfa_manage")
        else:
            return _show_codes(request, codes, next_url=None)
    return _manage_page(request, regenerate_form=form)


@login_required
@require_POST
def disable(request):
    form = CodeForm(request.POST, prefix="disable", accept_recovery=True)
    if form.is_valid():
        try:
            services.mfa_disable(user=request.user, code=form.cleaned_data["code"])
        except MfaLocked as locked:
            return _locked(request, locked)
        except MfaCodeError as error:
            form.add_code_error(error)
        except MfaStateError as error:
            messages.error(request, str(error))
            return redirect("mfa_manage")
        else:
            session.forget_device(request)
            messages.success(request, "Two-factor sign-in is off.")
            return redirect("mfa_manage")
    return _manage_page(request, disable_form=form)


def _show_codes(request, codes: list[str], *, next_url: str | None):
    # Rendered straight from the POST (no redirect) so the plain codes are never stored.
    context = {"codes": codes, "next": next_url}
    return render(request, "accounts/mfa/recovery_codes.html", context)


def _locked(request, locked: MfaLocked):
    return render(request, "accounts/mfa/locked.html", {"until": locked.until}, status=429)


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else ""
