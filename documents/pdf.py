"""The plan summary as HTML, and HTML -> PDF with WeasyPrint.

WeasyPrint is imported inside the functions that need it: it takes a noticeable time to
import, and the web processes (which only serve stored PDFs) never need it.

Rendering fetches nothing from the network. `StaticOnlyFetcher` serves our own static files
from disk (the staticfiles finders, or what collectstatic wrote under STATIC_ROOT) and refuses
every other URL, so plan text or a template holding `<img src="http://10.0.0.1/...">` cannot
make the worker call anything (server-side request forgery) or wait on a slow host.

A render WeasyPrint complains about (a stylesheet or font it could not load, a property it
ignored) raises `PdfRenderProblem`: WeasyPrint still writes a PDF then, but not the one we
designed, and nobody should receive it as if it were.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date

from clinic.charts import ProgressRow, progress_chart
from clinic.models import CareTeamMember
from documents.referral import referral_context
from intake import conditions
from intake.models import HealthHistory
from sessions_log.progress import (
    MilestoneProgress,
    milestone_progress,
    plan_sessions,
    progress_charts,
    sessions_done,
)
from treatment_plans.contraindications import conflicts_for, current_history
from treatment_plans.models import ConflictOverride, Milestone, PlanVersion

logger = logging.getLogger(__name__)

# The document's base URL: relative and "/static/..." links resolve under this origin, which
# the fetcher maps to files on disk. ".invalid" never resolves, should anything try.
BASE_URL = "https://clinic-pdf.invalid/"
TEMPLATE = "documents/pdf/plan.html"
# PlanPdf.last_error holds 300 characters; the problem's message stays within this.
PROBLEM_MESSAGE_LENGTH = 280
PROBLEMS_QUOTED = 3


class RefusedURL(ValueError):
    """A URL the PDF renderer may not fetch."""


def static_file_for(url: str) -> Path:
    """The file on disk behind one of our own static URLs, or RefusedURL."""
    parts = urlsplit(url)
    static_prefix = "/" + settings.STATIC_URL.strip("/") + "/"
    ours = parts.scheme == "https" and parts.netloc == urlsplit(BASE_URL).netloc
    if ours and parts.path.startswith(static_prefix):
        return _found(unquote(parts.path.removeprefix(static_prefix)))
    if parts.scheme == "file" and parts.netloc in ("", "localhost"):
        return _file_under_static(Path(unquote(parts.path)))
    raise RefusedURL(f"refused to fetch {_scheme_and_host(url)}")


def _found(relative: str) -> Path:
    if ".." in Path(relative).parts or Path(relative).is_absolute():
        raise RefusedURL("refused a static path that climbs out")
    # The finders know the source names; a manifest storage's hashed names (what `{% static %}`
    # gives in production) exist only where collectstatic wrote them.
    for candidate in (finders.find(relative), _collected(relative)):
        if candidate and Path(candidate).is_file():
            return _inside_static_roots(Path(candidate))
    raise RefusedURL(f"no such static file: {relative}")


def _collected(relative: str) -> str | None:
    try:
        return staticfiles_storage.path(relative)
    except (NotImplementedError, ImproperlyConfigured, SuspiciousFileOperation):
        # A remote storage has no path, a missing STATIC_ROOT has no files, and a name
        # that escapes STATIC_ROOT is not ours: the finders' answer is all there is.
        return None


def _file_under_static(path: Path) -> Path:
    # A file: URL (a stylesheet's relative url() resolves against the sheet's file) is fine
    # only when it names a file in one of the folders we serve static files from.
    resolved = _inside_static_roots(path)
    if not resolved.is_file():
        raise RefusedURL("no such static file")
    return resolved


def _inside_static_roots(path: Path) -> Path:
    # Resolved, so neither ".." nor a symlink can lead out of the folders.
    resolved = path.resolve()
    if not any(resolved.is_relative_to(root) for root in _static_roots()):
        raise RefusedURL("refused a file outside the static folders")
    return resolved


def _static_roots() -> list[Path]:
    """Every finder's folder (STATICFILES_DIRS, the apps' static/) and STATIC_ROOT."""
    locations = [
        storage.location
        for finder in finders.get_finders()
        for storage in getattr(finder, "storages", {}).values()
    ]
    locations.append(settings.STATIC_ROOT)
    return [Path(location).resolve() for location in locations if location]


def _scheme_and_host(url: str) -> str:
    # Only scheme and host in messages: a path or query could carry anything.
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}"


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # WeasyPrint logs most failed loads, but not all (a font source followed by another
            # is only DEBUG), and nothing when its logger is turned down: a refusal counts as a
            # problem even when WeasyPrint stays quiet.
            self.refusals: list[str] = []

        def fetch(self, url, headers=None):
            try:
                path = static_file_for(url)
            except RefusedURL as refusal:
                logger.warning("PDF render: %s", refusal)
                self.refusals.append(str(refusal))
                raise
            mime = "text/css" if path.suffix == ".css" else None
            return URLFetcherResponse(
                path.as_uri(), path.read_bytes(), {"Content-Type": mime} if mime else None
            )

    return StaticOnlyFetcher


class PdfRenderProblem(Exception):
    """WeasyPrint warned or erred while rendering; the message says what it said."""


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of `html`; only our static files may be fetched while rendering.
    Raises PdfRenderProblem when WeasyPrint logs a warning or an error on the way."""
    import weasyprint

    fetcher = _fetcher_class()(allowed_protocols=("https", "file"))
    with _weasyprint_complaints() as complaints:
        document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        content = document.write_pdf()
    if complaints or fetcher.refusals:
        raise PdfRenderProblem(_problem_message(complaints or fetcher.refusals))
    return content


class _ComplaintCollector(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []
        # Only this render's: another thread's render logs to the same logger.
        self.thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(" ".join(record.getMessage().split()))


@contextmanager
def _weasyprint_complaints():
    # WeasyPrint logs on "weasyprint" and its children; a failed fetch is logged there too.
    weasyprint_logger = logging.getLogger("weasyprint")
    collector = _ComplaintCollector()
    weasyprint_logger.addHandler(collector)
    try:
        yield collector.messages
    finally:
        weasyprint_logger.removeHandler(collector)


def _problem_message(messages: list[str]) -> str:
    message = "; ".join(messages[:PROBLEMS_QUOTED])
    if len(messages) > PROBLEMS_QUOTED:
        message += f" (and {len(messages) - PROBLEMS_QUOTED} more)"
    if len(message) > PROBLEM_MESSAGE_LENGTH:
        message = message[: PROBLEM_MESSAGE_LENGTH - 1] + "…"
    return message


def plan_html(version: PlanVersion, progress: list[MilestoneProgress] | None = None) -> str:
    """The plan summary as HTML (autoescaped: plan text never becomes markup)."""
    progress = milestone_progress(version) if progress is None else progress
    return render_to_string(TEMPLATE, plan_context(version, progress))


def plan_context(version: PlanVersion, progress: list[MilestoneProgress]) -> dict:
    plan = version.plan
    sessions = plan_sessions(version)
    return {
        "version": version,
        "plan": plan,
        "client": plan.client,
        "therapist": plan.therapist,
        "care_team": CareTeamMember.objects.filter(client=plan.client)
        .sharing()
        .select_related("physician"),
        "techniques": version.techniques.select_related("technique"),
        "progress": progress,
        "conflicts": conflict_rows(version),
        "chart": progress_chart(
            chart_rows(progress),
            title="Milestone progress",
            chart_id=f"progress-{version.pk}",
        ),
        # The same SVG charts as the progress page (DESIGN.md, key flow 4).
        "session_charts": progress_charts(version, progress, sessions).all,
        "review_dates": _review_dates(version),
        "generated_at": timezone.now(),
        **referral_context(version, sessions_attended=sessions_done(sessions)),
    }


def _review_dates(version: PlanVersion) -> list:
    # Stored as ISO strings in JSON; a malformed one prints as written rather than vanishing.
    return [parse_date(str(value)) or value for value in version.review_dates or []]


def conflict_rows(version: PlanVersion) -> list[dict]:
    """Contraindication conflicts with their override, plus any override whose conflict no
    longer shows (the health history changed since): a written decision stays on paper."""
    rows, covered = [], set()
    history = current_history(version.plan.client)
    for conflict in conflicts_for(version):
        override = conflict.override
        if override is not None:
            covered.add(override.pk)
        rows.append(
            {
                "subject": conflict.subject,
                "condition": conditions.label(conflict.rule.condition),
                "where": _where(conflict.rule, history),
                "severity": conflict.rule.get_severity_display(),
                "reason": conflict.reason,
                "override": override,
                "clearance": conflict.clearance,
            }
        )
    overrides = ConflictOverride.objects.filter(version=version).select_related(
        "rule", "technique", "decided_by"
    )
    for override in overrides:
        if override.pk not in covered:
            rows.append(
                {
                    "subject": override.technique.name if override.technique else "All",
                    "condition": conditions.label(override.rule.condition),
                    "where": _where(override.rule, history),
                    "severity": override.rule.get_severity_display(),
                    "reason": override.rule.reason,
                    "override": override,
                }
            )
    return rows


def _where(rule, history: HealthHistory | None) -> str | None:
    """For a rule about the affected area only: where and when (the site and date of the
    surgery), as the health alerts show it; "" when the history says no more; None for a
    rule about the whole body."""
    if not rule.local:
        return None
    return history.condition_detail(rule.condition) if history else ""


def chart_rows(progress: list[MilestoneProgress]) -> list[ProgressRow]:
    return [_chart_row(row) for row in progress if row.measurable]


def _chart_row(row: MilestoneProgress) -> ProgressRow:
    milestone = row.milestone
    values = [float(v) for v in (row.baseline, row.latest, row.target) if v is not None]
    if milestone.kind == Milestone.Kind.ROM:
        normal = milestone.rom_norm.normal_degrees if milestone.rom_norm_id else 0
        scale_max = max([normal, *values]) * 1.1
    else:
        scale_max = 10.0  # NPRS and PSFS are 0-10 scales
    return ProgressRow(
        label=milestone.measure_label,
        baseline=_float(row.baseline),
        latest=_float(row.latest),
        target=_float(row.target),
        scale_max=scale_max,
        unit="°" if milestone.kind == Milestone.Kind.ROM else "",
        lower_is_better=milestone.comparator == Milestone.Comparator.AT_MOST,
    )


def _float(value) -> float | None:
    return None if value is None else float(value)
