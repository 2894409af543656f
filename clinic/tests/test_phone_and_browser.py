"""What a browser asks of every page: the icon, and pages that fit a phone (issue 15)."""

from __future__ import annotations

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone


def test_favicon_redirects_to_the_static_icon(db, client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an .ico header
    icon.close()


def test_favicon_is_served_under_production_static_settings(db, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        # Production's hashed names without its slow compression step.
        "staticfiles": {"BACKEND": "whitenoise.storage.ManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    browser = Client()  # a new handler, so WhiteNoise reads the settings above
    location = browser.get("/favicon.ico")["Location"]
    assert location != "/static/favicon.ico"  # the hashed name, cached for a year
    icon = browser.get(location)
    assert icon.status_code == 200
    icon.close()


def test_every_page_links_the_icon(db, client):
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in page and "favicon" in page


def test_the_sessions_table_stacks_on_a_phone(client, cast):
    from scheduling.tests.factories import AppointmentFactory
    from sessions_log.tests.factories import SessionNoteFactory

    SessionNoteFactory(
        appointment=AppointmentFactory(client=cast.client, starts_at=timezone.now()),
        signed_at=timezone.now(),
    )
    client.force_login(cast.client_user)
    page = client.get(reverse("client_notes", args=[cast.client.pk])).content.decode()
    # Under 576 px clinic.css shows each row as a block, each cell under its column name.
    assert '<table class="table table-stack">' in page
    for label in ("Date", "Therapist", "Techniques", "Pain before → after", "Status"):
        assert f'<td data-label="{label}">' in page, label
