"""Name search ignores accents, case and punctuation, on SQLite and on PostgreSQL alike; on
PostgreSQL a folded name fragment still reads a trigram index."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from clinic.models import Client
from clinic.search import fold
from clinic.tests.factories import CareTeamMemberFactory, ClientFactory


@pytest.fixture
def names(db):
    people = {
        last: ClientFactory(user=None, first_name=first, last_name=last)
        for first, last in (("Zoë", "Adler"), ("Zoe", "Brandt"), ("Liam", "O'Brien"))
    }
    ClientFactory(user=None, first_name="Other", last_name="Person")
    return people


def _found(text) -> set[str]:
    return set(Client.objects.search(text).values_list("last_name", flat=True))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Zoe", {"Adler", "Brandt"}),
        ("zoë", {"Adler", "Brandt"}),
        ("ZOË adler", {"Adler"}),
        ("obrien", {"O'Brien"}),
        ("O Brien", {"O'Brien"}),
        ("o'brien", {"O'Brien"}),
        ("O’Brien", {"O'Brien"}),  # a typographic apostrophe, as phones type it
        ("brien liam", {"O'Brien"}),
    ],
)
def test_client_search_ignores_accents_case_and_punctuation(names, text, expected):
    assert _found(text) == expected


def test_a_word_of_punctuation_alone_does_not_narrow_the_search(names):
    assert _found("Zoe -") == {"Adler", "Brandt"}


def test_the_staff_client_list_finds_zoe_and_obrien(client, cast, names):
    client.force_login(cast.frontdesk)
    page = client.post(reverse("client_list"), {"q": "zoe"}).content.decode()
    assert str(names["Adler"].pk) in page and str(names["Brandt"].pk) in page
    page = client.post(reverse("client_list"), {"q": "obrien"}).content.decode()
    assert str(names["O'Brien"].pk) in page


def test_the_physician_patient_search_ignores_accents_and_punctuation(client, cast, names):
    for person in names.values():
        CareTeamMemberFactory(client=person, physician=cast.physician)
    client.force_login(cast.physician_user)
    url = reverse("physician_dashboard")
    for text, expected in (("zoe", ["Adler", "Brandt"]), ("O Brien", ["O'Brien"])):
        rows = client.post(url, {"q": text}).context["rows"]
        assert sorted(row.client.last_name for row in rows) == expected, text


def test_the_name_search_reads_the_preferred_name_only_when_asked(names):
    ClientFactory(user=None, first_name="Robert", last_name="Lane", preferred_name="Bobbie")
    assert Client.objects.named("bobbie").get().last_name == "Lane"
    assert not Client.objects.named("bobbie", preferred_name=False).exists()
    zoes = Client.objects.named("zoe", preferred_name=False)
    assert set(zoes.values_list("last_name", flat=True)) == {"Adler", "Brandt"}


def test_the_physician_search_does_not_find_a_preferred_name(client, cast):
    bob = ClientFactory(user=None, first_name="Robert", last_name="Lane", preferred_name="Bobbie")
    CareTeamMemberFactory(client=bob, physician=cast.physician)
    client.force_login(cast.physician_user)
    url = reverse("physician_dashboard")
    assert [row.client for row in client.post(url, {"q": "robert lane"}).context["rows"]] == [bob]
    assert client.post(url, {"q": "bobbie"}).context["rows"] == []


def test_a_duplicate_registration_is_the_same_name_as_the_search_reads_it(client, cast, names):
    liam = names["O'Brien"]
    data = {
        "first_name": "LIAM",
        "last_name": "O Brien",
        "date_of_birth": str(liam.date_of_birth),
        "email": "",
        "phone": "",
        "address": "",
        "emergency_contact_name": "",
        "emergency_contact_phone": "",
        "emergency_contact_relationship": "",
        "primary_physician": "",
        "referral_source": "",
        "preferred_name": "",
    }
    client.force_login(cast.frontdesk)
    page = client.post(reverse("client_new"), data).content.decode()
    assert "already registered" in page and reverse("client_detail", args=[liam.pk]) in page


def test_names_are_folded_on_save_and_on_a_change_of_name_alone(names):
    liam = names["O'Brien"]
    assert (liam.search_name, liam.search_preferred) == ("LIAM OBRIEN", "")
    liam.first_name, liam.preferred_name = "Núñez", "Łukasz Ø"
    liam.save(update_fields=["first_name", "preferred_name"])
    liam.refresh_from_db()
    assert (liam.search_name, liam.search_preferred) == ("NUNEZ OBRIEN", "LUKASZO")
    assert fold("Straße") == "STRASSE"


def test_a_word_matches_within_one_name_never_across_two(names):
    assert _found("zoeadler") == set()


@pytest.mark.integration
@pytest.mark.django_db
def test_a_folded_name_fragment_reads_the_trigram_index_on_postgresql(names):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: force the choice
        sql, params = Client.objects.search("O'Brien").order_by().query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "client_search_name_trgm" in plan, plan
