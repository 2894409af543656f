"""The clearance-request mail to a physician: owed in the outbox (clinic/services/outbox.py)
when the therapist asks, built at send time. No health data in the mail: it says a request
waits and where to answer it."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template import loader

from clinic import outbox
from clinic.services.outbox import mail_owe

CLEARANCE_MAIL = "clearance_request"


def clearance_request_owe(request) -> None:
    """Inside the request's transaction."""
    email = request.care_team_member.physician.email
    if email:
        mail_owe(
            kind=CLEARANCE_MAIL,
            about=request,
            recipient=email,
            client=request.care_team_member.client,
        )


@outbox.register(CLEARANCE_MAIL, "Clearance request to a physician", watchers=outbox.CLINICIANS)
def _build_clearance_mail(mail, *, now) -> outbox.Prepared:
    from treatment_plans.models import ClearanceRequest

    request = (
        ClearanceRequest.objects.select_related("care_team_member__physician")
        .filter(pk=mail.about_id)
        .first()
    )
    if request is None or request.status != ClearanceRequest.Status.PENDING:
        raise outbox.NotOwed("The physician has already answered.")
    physician = request.care_team_member.physician
    if not physician.email:
        raise outbox.Undeliverable("The physician has no email address on file.")
    context = {"physician": physician, "clinic_name": settings.CLINIC_NAME}
    body = loader.render_to_string("treatment_plans/email/clearance_request.txt", context)
    subject = f"{settings.CLINIC_NAME}: a clearance request is waiting for you"
    return outbox.Prepared(EmailMessage(subject, body, None, [physician.email]))
