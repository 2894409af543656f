"""Mail the clinic owes: what could not be delivered (with a resend), and what still waits.

Staff only, through OutboundMail.objects.visible_to (the front desk sees the mails of its own
work, therapists also the care team's, the admin all). Reading the list shows recipients, so
it is audited like any other list of client data.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.models import OutboundMail
from clinic.permissions import role_required
from clinic.roles import STAFF_ROLES
from clinic.selectors import mails_for_staff, outbox_backlog
from clinic.services.outbox import mail_resend

LIST_LIMIT = 100


@role_required(*STAFF_ROLES)
def outbox_list(request):
    failed, waiting = mails_for_staff(request.user, limit=LIST_LIMIT)
    audit.record(actor=request.user, action="list", detail="outbox: mail not yet delivered")
    return render(
        request,
        "clinic/outbox/list.html",
        {
            "failed": failed,
            "waiting": waiting,
            "backlog": outbox_backlog(OutboundMail.objects.visible_to(request.user)),
            "limit": LIST_LIMIT,
        },
    )


@role_required(*STAFF_ROLES)
@require_POST
def outbox_resend(request, mail_id):
    mail = get_object_or_404(OutboundMail.objects.visible_to(request.user), pk=mail_id)
    try:
        mail_resend(actor=request.user, mail=mail)
    except ValueError as refusal:
        messages.info(request, str(refusal))
    else:
        messages.success(request, f"{mail.label} to {mail.recipient}: it will be sent again now.")
    return redirect(_back(request))


def _back(request) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "outbox"
