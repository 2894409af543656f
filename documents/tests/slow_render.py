"""Test-only: a Celery worker started with CLINIC_TEST_PDF_DELAY imports this (see
clinic/settings_test.py), and every plan PDF render it runs is held open that many seconds,
so an integration test can kill the worker in the middle of one."""

import os
import time

from documents import pdf

_DELAY = float(os.environ.get("CLINIC_TEST_PDF_DELAY") or 0)
_render = pdf.html_to_pdf


def _slow_html_to_pdf(html: str) -> bytes:
    time.sleep(_DELAY)
    return _render(html)


pdf.html_to_pdf = _slow_html_to_pdf
