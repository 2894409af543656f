"""The clearance-request mail to a physician, sent by a Celery task (listed in CELERY_IMPORTS).
No health data in the mail: it says a request waits and where to answer it."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template import loader

from clinic.tasks import TRANSIENT_MAIL_ERRORS

logger = logging.getLogger(__name__)


def clearance_request_mail(request_id) -> bool:
    from treatment_plans.models import ClearanceRequest

    request = (
        ClearanceRequest.objects.select_related("care_team_member__physician")
        .filter(pk=request_id, status=ClearanceRequest.Status.PENDING)
        .first()
    )
    if request is None or not request.care_team_member.physician.email:
        return False
    context = {"physician": request.care_team_member.physician, "clinic_name": settings.CLINIC_NAME}
    body = loader.render_to_string("email/clearance_request.txt", context)
    subject = f"{settings.CLINIC_NAME}: a clearance request is waiting for you"
    EmailMessage(subject, body, None, [request.care_team_member.physician.email]).send()
    logger.info("clearance request mail sent for %s", request_id)
    return True


@shared_task(
    autoretry_for=TRANSIENT_MAIL_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=6
)
def send_clearance_request(request_id: str) -> bool:
    return clearance_request_mail(request_id)
