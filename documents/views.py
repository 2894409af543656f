"""Plan PDFs: download (one PDF, or the newest of a version), retry, acknowledgement.

Every view starts from `visible_to`, so a stranger gets 404; the front desk never reads
clinical content and is refused by role (403) before any lookup.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from clinic import audit
from clinic.permissions import role_required
from clinic.roles import Role
from clinic.storage import private_file_response
from documents.models import PlanPdf
from documents.services import plan_pdf_retry, plan_version_acknowledge
from treatment_plans.models import PlanVersion

PDF_READERS = (Role.ADMIN, Role.THERAPIST, Role.CLIENT, Role.PHYSICIAN)


@role_required(*PDF_READERS)
def plan_pdf_download(request, pdf_id):
    pdf = get_object_or_404(
        PlanPdf.objects.visible_to(request.user).select_related("version__plan__client"),
        pk=pdf_id,
        status=PlanPdf.Status.READY,
    )
    return _pdf_response(request, pdf)


@role_required(*PDF_READERS)
def plan_version_pdf(request, version_id):
    """The newest ready PDF of a version (the link in the care-team mail)."""
    version = get_object_or_404(PlanVersion.objects.visible_to(request.user), pk=version_id)
    pdf = (
        PlanPdf.objects.visible_to(request.user)
        .filter(version=version, status=PlanPdf.Status.READY)
        .select_related("version__plan__client")
        .order_by("-requested_at")
        .first()
    )
    if pdf is None:
        raise Http404("No PDF of this plan version is ready yet.")
    return _pdf_response(request, pdf)


def _pdf_response(request, pdf: PlanPdf) -> FileResponse:
    audit.record(
        actor=request.user,
        action="download",
        client=pdf.version.plan.client,
        target=pdf,
        detail=f"plan v{pdf.version.number} PDF",
    )
    return private_file_response(
        pdf.file,
        # The version number only: a file name travels (downloads folder, mail) without us.
        filename=f"treatment-plan-v{pdf.version.number}.pdf",
        content_type="application/pdf",
    )


@role_required(Role.ADMIN, Role.THERAPIST)
@require_POST
def plan_pdf_retry_view(request, pdf_id):
    pdf = get_object_or_404(
        PlanPdf.objects.visible_to(request.user).select_related("version__plan__client"),
        pk=pdf_id,
    )
    try:
        plan_pdf_retry(actor=request.user, pdf=pdf)
    except ValueError as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, "The PDF is being prepared again.")
    return _back(request)


@role_required(Role.PHYSICIAN)
@require_POST
def plan_version_acknowledge_view(request, version_id):
    version = get_object_or_404(
        PlanVersion.objects.visible_to(request.user).select_related("plan__client"),
        pk=version_id,
    )
    _, created = plan_version_acknowledge(actor=request.user, version=version)
    if created:
        messages.success(request, f"Thank you: receipt of plan version {version.number} noted.")
    else:
        messages.info(request, f"You had already acknowledged plan version {version.number}.")
    return _back(request)


def _back(request):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("home")
