"""Plan PDFs with production static files: collectstatic (once for the module) into a temporary
STATIC_ROOT with the manifest storage, so `{% static %}` gives hashed names as in production.
The rest of the suite uses plain StaticFilesStorage (clinic/settings_test.py), which hid a
stylesheet refused in production. Also: a render WeasyPrint complains about raises, and the
fetcher still refuses what is not ours."""

from __future__ import annotations

import io
import logging
import re

import pypdf
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

from documents import pdf as pdf_module
from documents.tests.test_pdf import make_plan

PRODUCTION_STATIC_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"
STYLESHEET_LINK = re.compile(r'<link rel="stylesheet" href="(/static/css/plan-pdf\.\w+\.css)">')


@pytest.fixture(scope="module", autouse=True)
def static_root(tmp_path_factory):
    """What `make web` does before serving: the manifest storage's collectstatic. Once: it
    gzips and brotlis every file, some seconds."""
    root = tmp_path_factory.mktemp("static_root")
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STATIC_STORAGE}}
    with override_settings(STORAGES=storages, STATIC_ROOT=root):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root.resolve()


def base_fonts(content: bytes) -> set[str]:
    """The fonts the PDF's pages use, without the subset tag ("ABCDEF+DejaVu-Sans")."""
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(content)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+")[-1])
    return fonts


def text_of(content: bytes) -> str:
    pages = pypdf.PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


# --- the plan PDF -------------------------------------------------------------------------------


def test_the_stylesheet_behind_a_hashed_name_is_applied(cast):
    html = pdf_module.plan_html(make_plan(cast))
    assert STYLESHEET_LINK.search(html), "the manifest storage gives a hashed name"

    content = pdf_module.html_to_pdf(html)  # raises on any WeasyPrint warning

    fonts = base_fonts(content)
    assert all(name.startswith("DejaVu-Sans") for name in fonts), fonts  # "DejaVu Sans" only
    assert "DejaVu-Sans-Oblique" in fonts  # .override's italic
    assert "Page 1 of" in text_of(content)  # the @page footer


def test_without_the_stylesheet_the_pdf_shows_it(cast):
    # The control for the test above: its assertions fail when the stylesheet is lost.
    html = STYLESHEET_LINK.sub("", pdf_module.plan_html(make_plan(cast)))

    content = pdf_module.html_to_pdf(html)

    # WeasyPrint's default font (DejaVu Serif here) for the text; DejaVu Sans only in the
    # charts, whose SVG asks for sans-serif itself.
    fonts = base_fonts(content)
    assert {name for name in fonts if not name.startswith("DejaVu-Sans")}, fonts
    assert "DejaVu-Sans-Oblique" not in fonts
    assert "Page 1 of" not in text_of(content)


def test_without_collectstatic_the_template_cannot_name_the_stylesheet(cast, tmp_path):
    # Why a worker host needs collectstatic too: the manifest storage is strict.
    version = make_plan(cast)
    with override_settings(STATIC_ROOT=tmp_path), pytest.raises(ValueError, match="manifest"):
        pdf_module.plan_html(version)


# --- what the fetcher resolves and refuses --------------------------------------------------------


def fetch(path: str):
    return pdf_module.static_file_for(pdf_module.BASE_URL.rstrip("/") + path)


def test_hashed_names_resolve_under_static_root(static_root):
    url = staticfiles_storage.url("css/plan-pdf.css")
    assert finders.find(url.removeprefix("/static/")) is None  # only collectstatic made it

    collected = fetch(url)

    assert collected.parent == static_root / "css"
    assert collected.read_text().startswith("/* The plan summary PDF")
    # A stylesheet's relative url() resolves against its file: URL.
    assert pdf_module.static_file_for(collected.as_uri()) == collected


def test_what_is_not_our_static_file_is_refused(static_root, tmp_path):
    hashed = staticfiles_storage.url("css/plan-pdf.css")
    secret = tmp_path / "secret.txt"
    secret.write_text("not a static file")
    (static_root / "css" / "escape.txt").symlink_to(secret)
    refused = [
        f"{pdf_module.BASE_URL}static/css/plan-pdf.0123456789ab.css",  # no such hashed name
        f"{pdf_module.BASE_URL}static/../clinic/settings.py",
        f"{pdf_module.BASE_URL}static/css/..%2F..%2Fclinic/settings.py",
        f"{pdf_module.BASE_URL}static//etc/passwd",
        f"{pdf_module.BASE_URL}static/css/escape.txt",  # a symlink out of STATIC_ROOT
        (static_root / "css" / "escape.txt").as_uri(),
        f"file://{static_root}/../secret.txt",
        "file:///etc/passwd",
        f"https://cdn.example{hashed}",
        f"http://clinic-pdf.invalid{hashed}",
        f"ftp://clinic-pdf.invalid{hashed}",
    ]
    for url in refused:
        with pytest.raises(pdf_module.RefusedURL):
            pdf_module.static_file_for(url)


# --- a render WeasyPrint complains about ----------------------------------------------------------


def render_problem(head: str, body: str = "<p>Hello</p>") -> str:
    html = f"<html><head>{head}</head><body>{body}</body></html>"
    with pytest.raises(pdf_module.PdfRenderProblem) as problem:
        pdf_module.html_to_pdf(html)
    return str(problem.value)


def test_a_missing_static_file_is_a_problem():
    message = render_problem('<link rel="stylesheet" href="/static/css/plan-pdf.0123456789ab.css">')

    assert message == (
        "Failed to load stylesheet at https://clinic-pdf.invalid/static/css/"
        "plan-pdf.0123456789ab.css: RefusedURL: no such static file: css/plan-pdf.0123456789ab.css"
    )


def test_an_unknown_property_is_a_problem():
    message = render_problem("<style>p { frobnicate: 3 }</style>")

    assert message == "Ignored `frobnicate: 3 ` at 1:5, unknown property."


def test_a_refusal_is_a_problem_whatever_weasyprint_logs(caplog):
    # With WeasyPrint's logger turned down (DJANGO_LOG_LEVEL=CRITICAL) it says nothing, and
    # the fetcher's own refusal still stops the render.
    with caplog.at_level(logging.CRITICAL, logger="weasyprint"):
        message = render_problem('<link rel="stylesheet" href="https://cdn.example/x.css">')

    assert message == "refused to fetch https://cdn.example"


def test_many_problems_make_one_short_message():
    unknown = " ".join(f"p {{ frobnicate-{n}: {n} }}" for n in range(12))

    message = render_problem(f"<style>{unknown}</style>")

    assert message == (
        "Ignored `frobnicate-0: 0 ` at 1:5, unknown property.; "
        "Ignored `frobnicate-1: 1 ` at 1:27, unknown property.; "
        "Ignored `frobnicate-2: 2 ` at 1:49, unknown property. (and 9 more)"
    )


def test_a_long_message_is_cut_to_fit_last_error():
    unknown = " ".join(f"p {{ frobnicate-{n}-{'x' * 100}: {n} }}" for n in range(3))

    message = render_problem(f"<style>{unknown}</style>")

    assert len(message) == 280  # PlanPdf.last_error holds 300
    assert message.startswith("Ignored `frobnicate-0-xxx")
    assert message.endswith("…")


def test_the_complaint_handler_is_removed_after_each_render():
    weasyprint_logger = logging.getLogger("weasyprint")
    handlers = list(weasyprint_logger.handlers)

    render_problem("<style>p { frobnicate: 3 }</style>")
    pdf_module.html_to_pdf("<p>Hello</p>")

    assert weasyprint_logger.handlers == handlers
