"""WSGI entry for bench/large_clinic.py only: the clinic's own URLs plus `/bench/minimal`, a
view that returns a plain HttpResponse after the full middleware stack (session, auth, CSRF,
security headers), the baseline every key page is compared with. The app is not touched:
this module is its own URLconf, set before the handler is built.

    gunicorn bench.wsgi_bench -w 2 -b 127.0.0.1:8765
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()  # sets Django up; the URLs below import the app

from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402


def minimal(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal", minimal), path("", include("clinic.urls"))]
settings.ROOT_URLCONF = "bench.wsgi_bench"
