"""New clients' requests for a first appointment: the public page's rules and messages, the
honeypot, the rate limits, no account enumeration; the front desk's list, approve, link and
decline; the dashboard card."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation
from clinic.clinic_time import today
from clinic.models import AuditEntry, Client, OutboundMail
from clinic.tests.test_roles_and_urls import ROLES
from scheduling.models import BookingRequest, BookingRequestThrottle
from scheduling.services import booking_requests as services

NEW = reverse("booking_request_new")
THANKS = reverse("booking_request_thanks")
REASON = "Lower back pain since lifting boxes at work."


def _form(**changes) -> dict:
    data = {
        "first_name": "Tamsin",
        "last_name": "Oakhurst",
        "date_of_birth": "1984-05-17",
        "email": "tamsin@example.test",
        "phone": "+1 (555) 010-0199",
        "reason": REASON,
        "times": ["weekday mornings", "Saturdays"],
        "times_other": "not Mondays",
        "website": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _request(**changes) -> BookingRequest:
    fields = {
        "first_name": "Tamsin",
        "last_name": "Oakhurst",
        "date_of_birth": dt.date(1984, 5, 17),
        "email": "tamsin@example.test",
        "phone": "555-0199",
        "reason": REASON,
        "preferred_times": "Weekday mornings",
    }
    fields.update(changes)
    return BookingRequest.objects.create(**fields)


# --- the public page -----------------------------------------------------------------------------


def test_anonymous_sees_the_form(client, db):
    response = client.get(NEW)
    assert response.status_code == 200
    assert b"Request a first appointment" in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_role_sees_the_public_pages(client, cast, role):
    client.force_login(getattr(cast, role))
    for url in (NEW, THANKS):
        response = client.get(url)
        assert response.status_code == 200, (role, url)
        assert b"Quillfeather" not in response.content


def test_sign_in_page_links_to_it(client, db):
    response = client.get(reverse("login"))
    assert b"New client?" in response.content
    assert NEW.encode() in response.content


def test_a_request_is_stored_with_its_times(client, db):
    response = client.post(NEW, _form())
    assert response.status_code == 302
    assert response["Location"] == THANKS
    request = BookingRequest.objects.get()
    assert (request.first_name, request.last_name) == ("Tamsin", "Oakhurst")
    assert request.date_of_birth == dt.date(1984, 5, 17)
    assert request.status == BookingRequest.Status.NEW
    assert request.preferred_times == "Weekday mornings; Saturdays; not Mondays"
    assert AuditEntry.objects.filter(detail="booking request received").exists()


def test_the_thank_you_says_what_happens_next(client, db):
    response = client.get(THANKS)
    assert b"What happens next" in response.content
    assert b"health history" in response.content


def test_the_csrf_check_is_on(db):
    from django.test import Client as BrowserClient

    strict = BrowserClient(enforce_csrf_checks=True)
    assert strict.post(NEW, _form()).status_code == 403
    assert not BookingRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date_of_birth", "17/05/1984x", "Enter a valid date."),
        ("date_of_birth", "2999-01-01", "The date of birth cannot be in the future."),
        ("date_of_birth", "1850-01-01", "The date of birth must be between"),
        ("email", "tamsin.example.test", "Enter a valid email address."),
        ("phone", "call me maybe", "Use digits, spaces and + - ( ) . only"),
        ("reason", "x" * 201, "At most 200 characters (you wrote 201)."),
        ("reason", "", "This field is required."),
        ("first_name", "", "This field is required."),
        ("times_other", "y" * 151, "At most 150 characters (you wrote 151)."),
    ],
)
def test_bad_input_gets_a_message_at_its_field_and_keeps_the_rest(
    client, db, field, value, message
):
    response = client.post(NEW, _form(**{field: value}))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert list(form.errors) == [field]
    page = response.content.decode()
    assert 'value="Oakhurst"' in page or field == "last_name"
    assert "checked" in page  # the ticked times stay ticked
    assert not BookingRequest.objects.exists()


def test_the_honeypot_looks_accepted_and_stores_nothing(client, db):
    response = client.post(NEW, _form(website="http://spam.example"))
    assert response.status_code == 302
    assert response["Location"] == THANKS
    assert not BookingRequest.objects.exists()
    assert not BookingRequestThrottle.objects.exists()


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client, db):
    page = client.get(NEW).content.decode()
    hidden = re.search(r'<div class="d-none" aria-hidden="true">(.*?)</div>\s*<div', page, re.S)
    assert hidden and 'name="website"' in hidden.group(1)
    assert 'tabindex="-1"' in hidden.group(1)


def test_a_known_address_gets_the_same_answer_and_no_mail(client, cast):
    """No enumeration: an existing client's address (and name) answers as a stranger's."""
    known = _form(
        first_name=cast.client.first_name,
        last_name=cast.client.last_name,
        date_of_birth=cast.client.date_of_birth.isoformat(),
        email=cast.client.email or cast.client_user.email,
    )
    unknown = _form(email="nobody-known@example.test")
    first, second = client.post(NEW, known), client.post(NEW, unknown)
    assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])
    assert client.get(first["Location"]).content == client.get(second["Location"]).content
    assert BookingRequest.objects.count() == 2
    assert not OutboundMail.objects.exists()
    assert mail.outbox == []


# --- rate limits ----------------------------------------------------------------------------------


def test_the_fourth_request_of_an_address_in_a_day_looks_accepted_but_is_not_stored(client, db):
    """The address already has requests waiting: nothing is lost by not storing a 4th, and
    the same thank-you says nothing about the address (see the view's module doc)."""
    for n in range(services.LIMITS.per_email):
        response = client.post(NEW, _form(first_name=f"T{n}"), REMOTE_ADDR=f"198.51.100.{n}")
        assert response["Location"] == THANKS
    response = client.post(NEW, _form(email="TAMSIN@example.test"), REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 302
    assert response["Location"] == THANKS
    assert BookingRequest.objects.count() == services.LIMITS.per_email
    # Another address is not affected.
    client.post(NEW, _form(email="other@example.test"), REMOTE_ADDR="198.51.100.10")
    assert BookingRequest.objects.count() == services.LIMITS.per_email + 1


def test_an_address_may_ask_again_the_next_day(db):
    now = timezone.now()
    data = BookingRequestFormData.valid()
    for n in range(services.LIMITS.per_email):
        assert services.booking_request_submit(data=data, ip=f"10.0.0.{n}", now=now)
    assert services.booking_request_submit(data=data, ip="10.0.0.9", now=now) is None
    later = now + services.LIMITS.email_window + dt.timedelta(seconds=1)
    assert services.booking_request_submit(data=data, ip="10.0.0.9", now=later)


def test_the_eleventh_request_from_one_ip_in_an_hour_is_told_to_try_later(client, db):
    for n in range(services.LIMITS.per_ip):
        response = client.post(NEW, _form(email=f"p{n}@example.test"), REMOTE_ADDR="203.0.113.5")
        assert response["Location"] == THANKS
    response = client.post(NEW, _form(email="late@example.test"), REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 429
    assert b"too many requests from your network" in response.content
    assert response.context["form"]["email"].value() == "late@example.test"  # nothing lost
    assert BookingRequest.objects.count() == services.LIMITS.per_ip
    # Another IP address is not affected; the same one may ask again an hour later.
    other = client.post(NEW, _form(email="x@example.test"), REMOTE_ADDR="203.0.113.6")
    assert other["Location"] == THANKS
    assert BookingRequest.objects.count() == services.LIMITS.per_ip + 1
    later = timezone.now() + services.LIMITS.ip_window + dt.timedelta(seconds=1)
    data = BookingRequestFormData.valid(email="y@example.test")
    assert services.booking_request_submit(data=data, ip="203.0.113.5", now=later)


def test_the_ip_limit_answer_is_the_same_for_a_known_and_an_unknown_address(client, cast):
    for n in range(services.LIMITS.per_ip):
        client.post(NEW, _form(email=f"p{n}@example.test"), REMOTE_ADDR="203.0.113.7")
    known = client.post(NEW, _form(email=cast.client_user.email), REMOTE_ADDR="203.0.113.7")
    unknown = client.post(NEW, _form(email="zz@example.test"), REMOTE_ADDR="203.0.113.7")
    assert known.status_code == unknown.status_code == 429


def test_the_counters_store_no_address(client, db):
    client.post(NEW, _form(), REMOTE_ADDR="203.0.113.8")
    keys = list(BookingRequestThrottle.objects.values_list("key", flat=True))
    assert len(keys) == 2
    assert all("tamsin" not in key and "203.0.113.8" not in key for key in keys)


def test_counters_of_windows_that_are_over_are_purged(db):
    data = BookingRequestFormData.valid()
    services.booking_request_submit(data=data, ip="10.1.1.1")
    later = timezone.now() + services.LIMITS.email_window + dt.timedelta(seconds=1)
    assert services.throttle_purge(now=later) == 2
    assert not BookingRequestThrottle.objects.exists()


class BookingRequestFormData:
    @staticmethod
    def valid(**changes) -> dict:
        data = {
            "first_name": "Tamsin",
            "last_name": "Oakhurst",
            "date_of_birth": dt.date(1984, 5, 17),
            "email": "tamsin@example.test",
            "phone": "",
            "reason": REASON,
            "preferred_times": "",
        }
        return {**data, **changes}


# --- the front desk's list ----------------------------------------------------------------------


def test_the_list_shows_open_requests_with_possible_duplicates(client, cast):
    dup = _request(
        first_name=cast.client.first_name,
        last_name=cast.client.last_name,
        date_of_birth=cast.client.date_of_birth,
    )
    plain = _request(first_name="Ulla", last_name="Brightwater")
    client.force_login(cast.frontdesk)
    response = client.get(reverse("booking_requests"))
    assert response.status_code == 200
    rows = dict((r.pk, d) for r, d in response.context["rows"])
    assert rows[dup.pk] == [cast.client]
    assert rows[plain.pk] == []
    assert b"Possible duplicate of" in response.content
    assert AuditEntry.objects.filter(actor=cast.frontdesk, action="list").exists()


def test_the_list_costs_the_same_queries_for_many_requests(
    client, cast, django_assert_max_num_queries
):
    client.force_login(cast.frontdesk)
    _request()
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("booking_requests"))
    for n in range(25):
        _request(first_name=f"Name{n}", email=f"n{n}@example.test")
        if n % 3 == 0:
            decided = _request(first_name=f"Done{n}", email=f"d{n}@example.test")
            services.booking_request_decline(
                actor=cast.frontdesk, request=decided, message="We are full."
            )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("booking_requests"))
    assert len(response.context["rows"]) == 26


def test_the_detail_audits_each_duplicate_read(client, cast):
    request = _request(
        first_name=cast.client.first_name,
        last_name=cast.client.last_name,
        date_of_birth=cast.client.date_of_birth,
    )
    client.force_login(cast.admin)
    response = client.get(reverse("booking_request_detail", args=[request.pk]))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(actor=cast.admin, client=cast.client, action="view").exists()
    # The admin reads; only the front desk answers.
    assert b"Approve and register" not in response.content


# --- approve ------------------------------------------------------------------------------------


def _post(client, name, request, data=None):
    return client.post(reverse(name, args=[request.pk]), data or {})


def test_approve_registers_invites_and_asks_for_the_forms(
    client, cast, django_capture_on_commit_callbacks
):
    request = _request()
    client.force_login(cast.frontdesk)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, "booking_request_approve", request)
    request.refresh_from_db()
    new = Client.objects.get(last_name="Oakhurst")
    assert response.status_code == 302
    assert response["Location"] == reverse("client_detail", args=[new.pk])
    assert (request.status, request.client, request.decided_by) == ("approved", new, cast.frontdesk)
    assert request.decided_at is not None
    assert (new.email, new.date_of_birth, new.phone) == (
        "tamsin@example.test",
        dt.date(1984, 5, 17),
        "555-0199",
    )
    assert Invitation.objects.filter(client=new, email="tamsin@example.test").exists()
    kinds = set(OutboundMail.objects.filter(client=new).values_list("kind", flat=True))
    assert kinds == {"portal_invitation", services.APPROVED_MAIL}
    # Both went out (delivered on commit), and none holds the reason.
    assert len(mail.outbox) == 2
    forms_mail = next(m for m in mail.outbox if "forms" in m.subject)
    assert "health history and consent forms" in forms_mail.body
    for sent in mail.outbox:
        assert sent.to == ["tamsin@example.test"]
        assert "back pain" not in sent.body and "back pain" not in sent.subject
        assert "Oakhurst" not in sent.subject
    details = set(
        AuditEntry.objects.filter(actor=cast.frontdesk, client=new).values_list("detail", flat=True)
    )
    assert {"registered", "portal invitation", "booking request approved: registered"} <= details


def test_approve_twice_makes_one_client(client, cast):
    request = _request()
    client.force_login(cast.frontdesk)
    _post(client, "booking_request_approve", request)
    response = _post(client, "booking_request_approve", request)
    assert response.status_code == 400
    assert "already approved" in response.content.decode()
    assert Client.objects.filter(last_name="Oakhurst").count() == 1


def test_approve_with_a_possible_duplicate_asks_for_confirmation(client, cast):
    request = _request(
        first_name=cast.client.first_name,
        last_name=cast.client.last_name,
        date_of_birth=cast.client.date_of_birth,
    )
    client.force_login(cast.frontdesk)
    response = _post(client, "booking_request_approve", request)
    assert response.status_code == 400
    assert "already registered" in response.content.decode()
    assert Client.objects.filter(last_name=cast.client.last_name).count() == 1
    response = _post(client, "booking_request_approve", request, {"confirm_not_duplicate": "on"})
    assert response.status_code == 302
    assert Client.objects.filter(last_name=cast.client.last_name).count() == 2


def test_link_to_a_duplicate_without_an_account_invites_at_the_address_on_file(client, cast):
    from clinic.tests.factories import ClientFactory

    existing = ClientFactory(
        user=None,
        first_name="Tamsin",
        last_name="Oakhurst",
        date_of_birth=dt.date(1984, 5, 17),
        email="tamsin.real@example.test",
    )
    request = _request(email="typed@example.test")
    client.force_login(cast.frontdesk)
    response = _post(client, "booking_request_link", request, {"client": existing.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.client) == ("approved", existing)
    assert Client.objects.filter(last_name="Oakhurst").count() == 1  # no new record
    assert Invitation.objects.get(client=existing).email == "tamsin.real@example.test"
    recipients = set(OutboundMail.objects.values_list("recipient", flat=True))
    assert recipients == {"tamsin.real@example.test"}  # never the typed address
    assert AuditEntry.objects.filter(
        actor=cast.frontdesk, client=existing, detail="booking request linked to the record"
    ).exists()


def test_link_to_a_client_with_a_portal_account_sends_no_invitation(client, cast):
    request = _request(
        first_name=cast.client.first_name,
        last_name=cast.client.last_name,
        date_of_birth=cast.client.date_of_birth,
    )
    client.force_login(cast.frontdesk)
    response = _post(client, "booking_request_link", request, {"client": cast.client.pk})
    assert response.status_code == 302
    assert not Invitation.objects.filter(client=cast.client).exists()
    owed = OutboundMail.objects.get()
    assert owed.kind == services.APPROVED_MAIL
    assert owed.params == {"invited": False}


def test_link_only_to_a_client_with_the_same_name_and_birth_date(client, cast):
    request = _request()
    client.force_login(cast.frontdesk)
    response = _post(client, "booking_request_link", request, {"client": cast.client2.pk})
    assert response.status_code == 400
    request.refresh_from_db()
    assert request.status == "new"
    with pytest.raises(Exception, match="same name and date of birth"):
        services.booking_request_link(actor=cast.frontdesk, request=request, client=cast.client2)


# --- decline ------------------------------------------------------------------------------------


def test_decline_needs_a_message(client, cast):
    request = _request()
    client.force_login(cast.frontdesk)
    response = _post(client, "booking_request_decline", request, {"message": "  "})
    assert response.status_code == 400
    assert response.context["decline_form"].errors["message"]
    request.refresh_from_db()
    assert request.status == "new"


def test_decline_mails_the_message_without_the_reason(
    client, cast, django_capture_on_commit_callbacks
):
    request = _request()
    client.force_login(cast.frontdesk)
    message = "We do not treat this at our clinic; your doctor can suggest a physiotherapist."
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, "booking_request_decline", request, {"message": message})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decline_message) == ("declined", message)
    assert request.decided_by == cast.frontdesk
    assert not Client.objects.filter(last_name="Oakhurst").exists()
    (sent,) = mail.outbox
    assert sent.to == ["tamsin@example.test"]
    assert message in sent.body
    assert "back pain" not in sent.body and "Oakhurst" not in sent.subject
    assert AuditEntry.objects.filter(
        actor=cast.frontdesk, detail="booking request declined"
    ).exists()


@pytest.mark.parametrize("role", ["admin", "therapist", "biller", "client_user"])
def test_only_the_front_desk_answers(client, cast, role):
    request = _request()
    client.force_login(getattr(cast, role))
    for name, data in (
        ("booking_request_approve", {}),
        ("booking_request_decline", {"message": "No."}),
    ):
        assert _post(client, name, request, data).status_code == 403
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.booking_request_approve(actor=getattr(cast, role), request=request)
    request.refresh_from_db()
    assert request.status == "new"


# --- the dashboard card ---------------------------------------------------------------------------


def test_the_dashboard_lists_requests_new_since_the_last_visit(client, cast):
    client.force_login(cast.frontdesk)
    first = _request(first_name="Earlier")
    response = client.get(reverse("dashboard_front_desk"))
    card = response.context["booking_requests"]
    assert [r.pk for r in card["new"]] == [first.pk]  # first visit: every open one
    second = _request(first_name="Later", email="later@example.test")
    response = client.get(reverse("dashboard_front_desk"))
    card = response.context["booking_requests"]
    assert [r.pk for r in card["new"]] == [second.pk]
    assert (card["new_count"], card["open_count"]) == (1, 2)
    page = response.content.decode()
    assert "Requests from new clients" in page and "1 new since your last visit" in page
    response = client.get(reverse("dashboard_front_desk"))
    assert "No new request since your last visit; 2 still wait for an answer" in (
        response.content.decode()
    )


def test_birth_date_rule_is_the_clinics(db):
    """The public form takes the registration form's birth-date range (clinic/dates.py)."""
    from scheduling.forms import BookingRequestForm

    tomorrow = today() + dt.timedelta(days=1)
    form = BookingRequestForm(_form(date_of_birth=tomorrow.isoformat()))
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == ["The date of birth cannot be in the future."]


def test_the_demo_has_two_open_requests_made_once(db):
    from scheduling import demo

    assert demo._seed_booking_requests() == 2
    assert demo._seed_booking_requests() == 0
    assert BookingRequest.objects.filter(status="new").count() == 2


def test_requests_are_taken_and_limited_with_redis_down(client, db):
    from django.core.cache import cache
    from django.test import override_settings

    from accounts.tests.test_throttle_db import DEAD_REDIS

    with override_settings(CACHES=DEAD_REDIS):
        with pytest.raises(Exception, match="Connection refused"):
            cache.get("anything")  # the outage is real
        for n in range(services.LIMITS.per_ip + 1):
            response = client.post(NEW, _form(email=f"r{n}@example.test"), REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert BookingRequest.objects.count() == services.LIMITS.per_ip


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_racing_requests_of_one_address_store_exactly_the_limit():
    """Eight requests of one address at the same moment, from eight IP addresses: the
    conditional UPDATE lets exactly `per_email` through, on PostgreSQL's row locks."""
    from itertools import count

    from accounts.tests.test_throttle_db import _at_once

    numbers = count()

    def submit():
        n = next(numbers)  # eight different requests (the same one twice is a double click)
        data = BookingRequestFormData.valid(reason=f"Request number {n}.")
        services.booking_request_submit(data=data, ip=f"10.3.0.{n}")

    _at_once(8, submit)
    assert BookingRequest.objects.count() == services.LIMITS.per_email
    key = services._key("email", "tamsin@example.test")
    assert BookingRequestThrottle.objects.get(key=key).count == services.LIMITS.per_email


def test_an_empty_post_gets_the_messages(client, db):
    response = client.post(NEW, {})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {
        "first_name",
        "last_name",
        "date_of_birth",
        "email",
        "reason",
    }


def test_duplicates_to_link_are_told_apart(client, cast):
    from clinic.tests.factories import ClientFactory

    twins = [
        ClientFactory(
            user=None,
            first_name="Tamsin",
            last_name="Oakhurst",
            date_of_birth=dt.date(1984, 5, 17),
            email=f"t{n}@example.test",
        )
        for n in range(2)
    ]
    request = _request()
    client.force_login(cast.frontdesk)
    page = client.get(reverse("booking_request_detail", args=[request.pk])).content.decode()
    for twin in twins:
        assert f"Tamsin Oakhurst, {twin.email}, registered" in page


def test_the_same_request_sent_twice_is_stored_once(client, db):
    """A double click or the browser's resend: the front desk sees one request."""
    first, second = client.post(NEW, _form()), client.post(NEW, _form())
    assert first["Location"] == second["Location"] == THANKS
    assert BookingRequest.objects.count() == 1
    client.post(NEW, _form(reason="Another reason, a different request."))
    assert BookingRequest.objects.count() == 2


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_stores_one_request():
    from accounts.tests.test_throttle_db import _at_once

    data = BookingRequestFormData.valid()
    _at_once(2, lambda: services.booking_request_submit(data=data, ip="10.4.0.1"))
    assert BookingRequest.objects.count() == 1
