"""Reads of documents, shaped for the viewer."""

from __future__ import annotations

from documents.models import PlanPdf


def latest_plan_pdf(*, user, version) -> PlanPdf | None:
    """The newest ready PDF of the version (what to download), else its newest request; None
    for a draft. The plan pages show it (registered with treatment_plans/page_parts.py)."""
    if version.is_draft:
        return None
    pdfs = PlanPdf.objects.visible_to(user).filter(version=version).select_related("version")
    return pdfs.filter(status=PlanPdf.Status.READY).order_by("-finished_at").first() or (
        pdfs.order_by("-requested_at").first()
    )
