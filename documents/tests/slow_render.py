"""Test-only: a Celery worker whose every plan PDF render is held open DELAY seconds, so an
integration test can kill it in the middle of one. Started by the tests as
`python -m documents.tests.slow_render <celery arguments>` (conftest's
`celery_workers(module=...)`): it slows the renderer in its own process, then runs Celery's
command line; the pool's children are forked from it and render slowly too. Production code and
settings know nothing of it."""

import time

import django

DELAY = 30.0


def main() -> None:
    django.setup()  # DJANGO_SETTINGS_MODULE comes from the worker's environment
    from celery.__main__ import main as celery_main

    from documents import pdf

    render = pdf.html_to_pdf

    def slow_html_to_pdf(html: str) -> bytes:
        time.sleep(DELAY)
        return render(html)

    pdf.html_to_pdf = slow_html_to_pdf
    celery_main()


if __name__ == "__main__":
    main()
