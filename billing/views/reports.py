"""Billing staff's export and reports (issue 18, items 8 and 9): thin views over
billing/export.py and billing/selectors/reports.py.

Both are audited: the export hands claim data of many clients out of the system (one
"download" entry with the range and the number of lines), and the reports page names
clients (self-paying clients owing money, clients on authorizations) so its read is one
"list" entry with what was shown. Neither names one client: the entries' client is empty."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from billing import export
from billing.forms.reports import AsOfForm, ExportForm, RevenueRangeForm
from billing.selectors import reports
from clinic import audit
from clinic.clinic_time import today
from clinic.permissions import Can, role_required

REPORT_READERS = Can.see_billing_reports.fget.roles
EXPORT_FORM = "billing/reports/export_form.html"


@role_required(*REPORT_READERS)
@require_GET
def export_form(request):
    """The export's form: two dates (at first last month's), asking for the CSV by GET."""
    last_day = today().replace(day=1) - dt.timedelta(days=1)
    initial = {"from": last_day.replace(day=1), "to": last_day}
    return render(request, EXPORT_FORM, {"form": ExportForm(initial=initial)})


@role_required(*REPORT_READERS)
@require_GET
def export_csv(request):
    """The CSV, streamed; a bad range re-shows the form with its messages (400)."""
    form = ExportForm(request.GET)
    if not form.is_valid():
        return render(request, EXPORT_FORM, {"form": form}, status=400)
    start, end = form.range()
    count = export.export_lines(request.user, start=start, end=end).count()
    audit.record(
        actor=request.user,
        action="download",
        detail=f"billing export: posted charge lines {start:%Y-%m-%d} to {end:%Y-%m-%d} "
        f"({count} lines)",
    )
    response = StreamingHttpResponse(
        export.csv_lines(request.user, start=start, end=end), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="billing-{start:%Y-%m-%d}-{end:%Y-%m-%d}.csv"'
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*REPORT_READERS)
@require_GET
def reports_page(request):
    """Aging, revenue and authorizations on one page; each section keeps its own dates, and a
    bad date is a message at its field (400) while the other sections are still shown."""
    as_of_form = AsOfForm(request.GET)
    range_form = RevenueRangeForm(request.GET)
    aging = (
        reports.ar_aging(request.user, as_of=as_of_form.day()) if as_of_form.is_valid() else None
    )
    revenue = None
    if range_form.is_valid():
        start, end = range_form.range()
        revenue = reports.revenue(request.user, start=start, end=end)
    authorizations = reports.visits_left(request.user)
    shown = [f"aging as of {aging.as_of:%Y-%m-%d}" if aging else "", ""]
    if revenue:
        shown[1] = f"revenue {revenue.start:%Y-%m-%d} to {revenue.end:%Y-%m-%d}"
    shown.append(f"{len(authorizations)} current authorizations")
    audit.record(
        actor=request.user,
        action="list",
        detail="billing reports: " + "; ".join(part for part in shown if part),
    )
    return render(
        request,
        "billing/reports/reports.html",
        {
            "as_of_form": as_of_form,
            "range_form": range_form,
            "aging": aging,
            "revenue": revenue,
            "authorizations": authorizations,
            "few_left": reports.FEW_VISITS_LEFT,
            "ends_soon_days": reports.ENDS_SOON_DAYS,
            "currency": settings.CLINIC_CURRENCY,
        },
        status=200 if aging and revenue else 400,
    )
