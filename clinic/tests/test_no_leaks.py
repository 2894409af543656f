"""No leaks across clients: every URL pattern x every role that must NOT see `client`'s object,
by GET and by POST (downloads included). Each is refused (403/404, or sent to sign in when
anonymous), changes nothing in the database, and never shows `client`'s last name. A consented
physician is checked again after the consent is revoked. Token URLs: a wrong token is 404.

The walk comes from the URL MATRIX in test_roles_and_urls.py, so a new pattern without a row
fails here too."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from clinic.tests.test_roles_and_urls import (
    AUTH_VIEWS,
    MATRIX,
    PUBLIC,
    ROLES,
    _named_patterns,
    _url,
)

SECRET_NAME = "Quillfeather"  # `client`'s last name: must appear in no refused response
REFUSED = {403, 404}
APPS = ("clinic", "intake", "treatment_plans", "sessions_log")
# Written by every request (the trail of the refusal itself, the signed-in session).
NOT_COMPARED = {"clinic.AuditEntry", "accounts.UserSession", "sessions.Session"}

# A plausible body for any form: the common field names with believable values (the refusal
# must come before the form is read, so a body that would be valid must not get through).
POST_BODY = {
    "reason": "Leak test",
    "confirm": "1",
    "agree": "on",
    "status": "cancelled",
    "date": "2031-01-06",
    "time": "10:00",
    "subjective": "leak",
    "text": "leak",
    "note": "leak",
    "sign": "1",
    "email": "leak@example.test",
    "phone": "555-0000",
    "first_name": "Leak",
    "last_name": "Leak",
    "health_goal": "leak",
    "answer": "approved",
}


def _refusals():
    """(url name, role) for every MATRIX cell that refuses the role."""
    return sorted(
        (name, role)
        for name, (_, codes) in MATRIX.items()
        for role in ROLES
        if codes[role] in REFUSED
    )


def _snapshot() -> dict[str, list]:
    """Every row of every clinic data table (not only counts: an UPDATE must show too)."""
    rows = {}
    for label in APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.label not in NOT_COMPARED:
                rows[model._meta.label] = list(
                    model._base_manager.order_by("pk").values_list(flat=False)
                )
    return rows


def _every_object(cast):
    """All of `client`'s objects the MATRIX makes, so list pages have something to leak."""
    cast.client.last_name = SECRET_NAME
    cast.client.save()
    cast.client.user.last_name = SECRET_NAME
    cast.client.user.save()
    urls = {name: _url(name, cast) for name in MATRIX}
    return urls


def _allowed_redirect(response, role) -> bool:
    """A redirect to a page the role may open anyway (a signed note's editor sends a
    therapist who may read it to the read-only page): nothing more is revealed."""
    from django.urls import resolve

    if response.status_code != 302 or role is None:
        return False
    match = resolve(response["Location"])
    return match.url_name in MATRIX and MATRIX[match.url_name][1][role] == 200


def _assert_refused_and_unchanged(http, url, before, *, role):
    for method in ("get", "post"):
        response = getattr(http, method)(url, POST_BODY if method == "post" else None)
        code = response.status_code
        if role is None:
            assert code == 302, (method, url, code)
            assert response["Location"].startswith(reverse("login"))
        elif method == "get":
            # 405: a POST-only action answers a GET before it looks at any object.
            assert code in REFUSED | {405} or _allowed_redirect(response, role), (url, code)
        else:
            assert code in REFUSED or _allowed_redirect(response, role), (method, url, code)
        if role != "client_user":  # `client` sees their own name in the page header
            assert SECRET_NAME.encode() not in response.content, (method, url)
        assert _snapshot() == before, (method, url, "changed the database")


def test_every_url_pattern_is_walked():
    names = {pattern.name for pattern in _named_patterns()}
    assert names - AUTH_VIEWS - PUBLIC - set(MATRIX) == set()
    walked = {name for name, _ in _refusals()}
    # Every page about one object refuses someone (own-account pages may be for everyone).
    assert {name for name, (maker, _) in MATRIX.items() if maker} <= walked


@pytest.mark.parametrize(("name", "role"), _refusals())
def test_refused_role_gets_nothing_and_changes_nothing(client, cast, name, role):
    urls = _every_object(cast)
    client.force_login(getattr(cast, role))
    _assert_refused_and_unchanged(client, urls[name], _snapshot(), role=role)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_gets_the_sign_in_page_and_changes_nothing(client, cast, name):
    urls = _every_object(cast)
    _assert_refused_and_unchanged(client, urls[name], _snapshot(), role=None)


# Every page about one client a consented physician may open or post to.
PHYSICIAN_URLS = sorted(
    name
    for name, (maker, codes) in MATRIX.items()
    if maker and codes["physician_user"] in {200, 405}
)


@pytest.mark.parametrize("name", PHYSICIAN_URLS)
def test_revoked_consent_closes_the_physician_out_at_once(client, cast, name):
    urls = _every_object(cast)
    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    client.force_login(cast.physician_user)
    _assert_refused_and_unchanged(client, urls[name], _snapshot(), role="physician_user")


# Pages without an id that a same-role stranger may open: their own lists and dashboards.
STRANGER_PAGES = sorted(
    (name, role)
    for name, (maker, codes) in MATRIX.items()
    for role in ("client2_user", "physician2_user")
    if maker is None and codes[role] == 200
)


@pytest.mark.parametrize(("name", "role"), STRANGER_PAGES)
def test_a_strangers_own_pages_never_name_the_client(client, cast, name, role):
    urls = _every_object(cast)
    client.force_login(getattr(cast, role))
    response = client.get(urls[name])
    assert response.status_code == 200
    assert SECRET_NAME.encode() not in response.content


def test_physician_dashboard_forgets_the_client_once_consent_is_revoked(client, cast):
    urls = _every_object(cast)
    client.force_login(cast.physician_user)
    assert SECRET_NAME.encode() in client.get(urls["physician_dashboard"]).content
    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    assert SECRET_NAME.encode() not in client.get(urls["physician_dashboard"]).content


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("therapist_calendar_feed", {"token": "not-a-real-token"}),
        ("invitation_accept", {"token": "not-a-real-token"}),
    ],
)
@pytest.mark.parametrize("role", [None, "therapist", "client2_user"])
def test_a_wrong_token_is_404(client, cast, name, kwargs, role):
    _every_object(cast)
    if role:
        client.force_login(getattr(cast, role))
    before = _snapshot()
    for method in ("get", "post"):
        response = getattr(client, method)(reverse(name, kwargs=kwargs), POST_BODY)
        # The calendar feed is GET-only: a POST is 405 before any token is looked at.
        assert response.status_code in ({404} if method == "get" else {404, 405}), (method, name)
        assert SECRET_NAME.encode() not in response.content
    assert _snapshot() == before


def test_healthz_shows_no_client_data(client, cast):
    _every_object(cast)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert SECRET_NAME.encode() not in response.content
