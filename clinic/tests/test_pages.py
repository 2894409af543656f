"""What the pages show, their query counts, and their caching headers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.tests.factories import CareTeamMemberFactory, ClientFactory

DASHBOARDS = [
    ("admin", "dashboard_admin"),
    ("therapist", "dashboard_therapist"),
    ("frontdesk", "dashboard_front_desk"),
    ("client_user", "portal"),
    ("physician_user", "physician_dashboard"),
    ("therapist", "client_list"),
]


def _many_clients(cast, n):
    for _ in range(n):
        CareTeamMemberFactory(client=ClientFactory(user=None), physician=cast.physician)


@pytest.mark.parametrize("rows", [10, 300])
@pytest.mark.parametrize("role,url_name", DASHBOARDS)
def test_query_count_does_not_grow_with_clients(
    client, cast, role, url_name, rows, django_assert_max_num_queries
):
    _many_clients(cast, rows)
    client.force_login(getattr(cast, role))
    # The portal also gathers appointments, forms to complete, the plan and past sessions (and
    # the online booking rules); the front desk's also lists new online bookings and keeps
    # when the user last looked in the session (an UPDATE).
    budget = {"portal": 21, "dashboard_front_desk": 12}.get(url_name, 10)
    with django_assert_max_num_queries(budget):
        assert client.get(reverse(url_name)).status_code == 200


def test_search_by_name_or_phone_is_posted_not_in_the_url(client, cast):
    target = ClientFactory(
        user=None, first_name="Imogen", last_name="Quartermaine", phone="555-9911"
    )
    client.force_login(cast.frontdesk)
    for text in ("quarter", "Imogen Q", "9911"):
        response = client.post(reverse("client_list"), {"q": text})
        assert response.status_code == 200
        assert str(target.pk).encode() in response.content, text
    response = client.post(reverse("client_list"), {"q": "zzzz-nobody"})
    assert b"0 clients found" in response.content


def test_search_caps_results_and_says_so(client, cast):
    for n in range(55):
        ClientFactory(user=None, last_name=f"Smith{n}")
    client.force_login(cast.frontdesk)
    response = client.post(reverse("client_list"), {"q": "smith"})
    assert b"More than 50 clients match" in response.content


def test_physician_sees_name_and_birth_date_only(client, cast):
    client.force_login(cast.physician_user)
    response = client.get(reverse("client_detail", kwargs={"client_id": cast.client.pk}))
    assert cast.client.last_name.encode() in response.content
    assert cast.client.phone.encode() not in response.content


def test_physician_dashboard_lists_only_consented_clients(client, cast):
    client.force_login(cast.physician_user)
    response = client.get(reverse("physician_dashboard"))
    assert cast.client.last_name.encode() in response.content
    assert cast.client2.last_name.encode() not in response.content


def test_signed_in_pages_are_never_cached(client, cast):
    client.force_login(cast.therapist)
    response = client.get(reverse("dashboard_therapist"))
    assert "no-store" in response["Cache-Control"]


def test_static_bootstrap_is_served_locally(client):
    from django.contrib.staticfiles import finders

    assert finders.find("vendor/bootstrap/bootstrap.min.css")
    assert finders.find("vendor/bootstrap/bootstrap.bundle.min.js")


def test_pages_have_no_inline_script(client, cast):
    client.force_login(cast.admin)
    for name in ("dashboard_admin", "client_list", "audit_log"):
        html = client.get(reverse(name)).content.decode()
        assert "<script>" not in html and "onclick=" not in html
