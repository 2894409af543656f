"""A page offers a user only what the view behind each link lets them do: templates ask `can`,
and `can` answers as the views' role checks do. Every link on the main pages of a client's
record is followed, as each role, and none may answer 403."""

from __future__ import annotations

import re

import pytest

from clinic.tests.test_roles_and_urls import MATRIX, ROLES, _url

PAGES = [
    "client_detail",
    "health_history",
    "assessment_list",
    "plan_list",
    "plan_detail",
    "client_notes",
    "note_detail",
    "appointment_detail",
    "client_consents",
    "portal",
    "portal_health_history",
    "portal_consents",
]
LINK = re.compile(r'<a [^>]*href="(/[^"]*)"')
NOT_FOLLOWED = ("/accounts/logout", "/static/", "/admin/")


@pytest.mark.parametrize("role", ROLES)
def test_no_link_leads_to_a_refusal(client, cast, role):
    client.force_login(getattr(cast, role))
    refused = []
    for name in PAGES:
        if MATRIX[name][1][role] != 200:
            continue
        page = client.get(_url(name, cast))
        assert page.status_code == 200, name
        for href in sorted(set(LINK.findall(page.content.decode()))):
            if href.startswith(NOT_FOLLOWED):
                continue
            if client.get(href.replace("&amp;", "&")).status_code == 403:
                refused.append(f"{name} -> {href}")
    assert not refused, f"{role} is offered links it may not follow: {refused}"
