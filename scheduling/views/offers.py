"""Waitlist offers in the portal: the mailed link (/offers/<token>/) and the same offer reached
from the portal's list (/portal/offers/<id>/). GET shows the offer and a "Book this time"
button; POST claims it (scheduling/services/offers.py). Every answer is a page saying why,
never a 500: used, taken, expired, withdrawn, or sent to another account."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from clinic import audit
from clinic.date_formats import day_time_short
from clinic.permissions import role_required
from clinic.roles import Role
from scheduling.models import WaitlistOffer
from scheduling.services import offers as offer_service
from scheduling.services.offers import OfferUnavailable

CONFLICT = 409  # taken, used, expired: the page says why
NOT_YOURS = (
    "This offer was sent to another portal account. Sign out, then open the link again and "
    "sign in with the account of the person the mail was sent to."
)


@role_required(Role.CLIENT)
def offer_link(request, token):
    """The link in the offer mail. Signing in first brings the client back here."""
    try:
        offer = offer_service.offer_for_token(token)
    except OfferUnavailable:
        return render(request, "scheduling/offer.html", {"unknown": True}, status=404)
    if offer.entry.client.user_id != request.user.pk:
        # Says nothing of whose offer it is, nor of the time.
        raise PermissionDenied(NOT_YOURS)
    return _offer_page(request, offer)


@role_required(Role.CLIENT)
def portal_offer(request, offer_id):
    """The same offer from the portal's list of open offers (the client's own only)."""
    offer = get_object_or_404(
        WaitlistOffer.objects.visible_to(request.user).select_related(
            "entry__client", "therapist__user", "appointment_type", "room", "appointment"
        ),
        pk=offer_id,
    )
    return _offer_page(request, offer)


def _offer_page(request, offer):
    if request.method == "POST":
        return _claim(request, offer)
    audit.record(actor=request.user, action="view", client=offer.entry.client, target=offer)
    refusal = offer_service.offer_refusal(offer)
    context = {"offer": offer, "refusal": refusal}
    if not refusal and offer_service.time_taken(offer):
        context["refusal"] = offer_service.GONE
    if context["refusal"] == offer_service.GONE:
        context["nearest"] = offer_service.nearest_free_times(offer)
    return render(request, "scheduling/offer.html", context)


def _claim(request, offer):
    try:
        appointment = offer_service.offer_claim(actor=request.user, offer=offer)
    except OfferUnavailable as refusal:
        offer.refresh_from_db()
        context = {
            "offer": offer,
            "refusal": refusal.reason,
            "message": refusal.message,
            "nearest": refusal.nearest,
            "after_claim": True,
        }
        return render(request, "scheduling/offer.html", context, status=CONFLICT)
    messages.success(
        request,
        f"Booked: {day_time_short(appointment.starts_at)} with "
        f"{appointment.therapist.user.get_full_name()}. A confirmation is on its way by e-mail.",
    )
    return redirect("portal")
