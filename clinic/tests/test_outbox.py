"""The outbox (clinic/services/outbox.py): mail owed in the same transaction as the change,
delivered once under a claim with a lease, retried with backoff for days, failed for good only
when the server refuses it, and shown to the staff who can fix it, with a resend."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from clinic import tasks
from clinic.models import AuditEntry, OutboundMail
from clinic.services.outbox import (
    GIVE_UP_AFTER,
    LONGEST_RETRY,
    MAIL_LEASE,
    mail_deliver,
    mail_owe,
    mail_resend,
    mail_sweep,
    retry_delay,
)
from scheduling.services.reminders import CONFIRMATION
from scheduling.tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db
Status = OutboundMail.Status


@pytest.fixture
def appointment(cast):
    cast.client.email = "karen@example.test"
    cast.client.save()
    starts_at = timezone.now() + dt.timedelta(days=10)
    return AppointmentFactory(
        client=cast.client,
        therapist=cast.therapist.therapist_profile,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=1),
    )


def _owe(appointment, **kwargs) -> OutboundMail:
    return mail_owe(
        kind=CONFIRMATION,
        about=appointment,
        recipient=appointment.client.email,
        client=appointment.client,
        **kwargs,
    )


def _server_says(monkeypatch, error):
    def send_messages(self, messages):
        raise error

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)


# --- owing ----------------------------------------------------------------------------------


def test_a_rolled_back_change_owes_nothing(appointment):
    with pytest.raises(RuntimeError), transaction.atomic():
        _owe(appointment)
        raise RuntimeError("the booking failed after the mail was owed")
    assert not OutboundMail.objects.exists()


def test_a_key_owes_once_and_leaves_the_callers_transaction_usable(appointment):
    with transaction.atomic():
        assert _owe(appointment, key="once") is not None
        assert _owe(appointment, key="once") is None
        assert OutboundMail.objects.count() == 1  # the transaction still works


def test_the_wake_up_goes_after_commit(appointment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        owed = _owe(appointment)
    assert len(callbacks) == 1 and mail.outbox == []
    callbacks[0]()  # eager Celery: the wake-up delivers in-process
    owed.refresh_from_db()
    assert owed.status == Status.SENT and len(mail.outbox) == 1


def test_a_broker_outage_costs_only_the_wake_up(
    appointment, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise BrokerUnavailable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_mail, "apply_async", unreachable)
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        owed = _owe(appointment)
    assert "broker unavailable, clinic.tasks.deliver_mail left to the sweep" in caplog.text
    owed.refresh_from_db()
    assert owed.status == Status.WAITING
    assert mail_sweep() == {"sent": 1}


# --- delivering -------------------------------------------------------------------------------


def test_sent_once_with_a_message_id_of_its_own(appointment):
    owed = _owe(appointment)
    assert mail_deliver(mail_id=owed.pk) == "sent"
    assert mail_deliver(mail_id=owed.pk) == "skipped"
    assert mail_sweep() == {}
    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == f"<{owed.pk}@localhost>"
    owed.refresh_from_db()
    assert (owed.status, owed.attempts, owed.recipient) == (Status.SENT, 1, "karen@example.test")
    assert owed.sent_at is not None and owed.claim is None and owed.lease_until is None


def test_a_live_claim_is_never_sent_twice_and_a_dead_ones_lease_lapses(appointment):
    owed = _owe(appointment)
    now = timezone.now()
    # A worker claimed it and died before recording anything (kill -9 mid-send).
    OutboundMail.objects.filter(pk=owed.pk).update(
        claim="00000000-0000-0000-0000-000000000001", lease_until=now + MAIL_LEASE, attempts=1
    )
    assert mail_deliver(mail_id=owed.pk, now=now) == "skipped"
    assert mail_sweep(now=now + MAIL_LEASE - dt.timedelta(seconds=1)) == {}
    assert mail_sweep(now=now + MAIL_LEASE + dt.timedelta(seconds=1)) == {"sent": 1}
    owed.refresh_from_db()
    assert (owed.status, owed.attempts) == (Status.SENT, 2)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "error",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
        smtplib.SMTPResponseException(451, b"4.3.0 Try again later"),
        smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"),  # the clinic's set-up
        smtplib.SMTPRecipientsRefused({"karen@example.test": (450, b"mailbox busy")}),
    ],
    ids=["disconnected", "refused", "timeout", "451", "535-auth", "450-recipient"],
)
def test_an_answer_that_may_change_is_tried_again_later(appointment, monkeypatch, error):
    owed = _owe(appointment)
    _server_says(monkeypatch, error)
    now = timezone.now()
    assert mail_deliver(mail_id=owed.pk, now=now) == "retry"
    owed.refresh_from_db()
    assert owed.status == Status.WAITING and owed.attempts == 1 and owed.last_error
    assert now + dt.timedelta(seconds=23) <= owed.next_attempt_at <= now + dt.timedelta(seconds=37)
    assert mail_deliver(mail_id=owed.pk, now=now) == "skipped"  # not due yet


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            smtplib.SMTPRecipientsRefused({"karen@example.test": (550, b"5.1.1 No such user")}),
            "The mail server refused the address: 550 5.1.1 No such user",
        ),
        (
            smtplib.SMTPDataError(554, b"5.7.1 Message rejected"),
            "The mail server answered 554 5.7.1 Message rejected",
        ),
    ],
)
def test_a_refusal_for_good_fails_the_mail_with_the_servers_words(
    appointment, monkeypatch, error, reason
):
    owed = _owe(appointment)
    _server_says(monkeypatch, error)
    assert mail_deliver(mail_id=owed.pk) == "failed"
    owed.refresh_from_db()
    assert (owed.status, owed.last_error) == (Status.FAILED, reason)
    assert mail_sweep(now=timezone.now() + dt.timedelta(days=1)) == {}  # no more tries


def test_backoff_grows_to_half_an_hour_and_spreads():
    assert dt.timedelta(seconds=24) <= retry_delay(1) <= dt.timedelta(seconds=36)
    assert dt.timedelta(seconds=48) <= retry_delay(2) <= dt.timedelta(seconds=72)
    for attempts in (7, 20, 500):
        assert LONGEST_RETRY * 0.8 <= retry_delay(attempts) <= LONGEST_RETRY * 1.2


def test_the_server_down_for_days_then_back_delivers_once(appointment, monkeypatch):
    owed = _owe(appointment)
    _server_says(monkeypatch, ConnectionRefusedError(111, "Connection refused"))
    clock = timezone.now()
    for _ in range(4 * 24):  # four days of sweeps every hour
        clock += dt.timedelta(hours=1)
        mail_sweep(now=clock)
    owed.refresh_from_db()
    assert owed.status == Status.WAITING and owed.attempts > 50
    monkeypatch.undo()
    assert mail_sweep(now=clock + dt.timedelta(hours=1)) == {"sent": 1}
    assert len(mail.outbox) == 1


def test_after_a_week_of_failures_a_person_is_told(appointment, monkeypatch):
    owed = _owe(appointment)
    _server_says(monkeypatch, ConnectionRefusedError(111, "Connection refused"))
    assert mail_deliver(mail_id=owed.pk, now=owed.give_up_at + dt.timedelta(minutes=1)) == "failed"
    owed.refresh_from_db()
    assert owed.status == Status.FAILED
    assert owed.last_error.startswith(f"Still not sent after {GIVE_UP_AFTER.days} days.")


def test_a_sweep_stops_at_the_first_mail_the_server_cannot_take(appointment, monkeypatch):
    for _ in range(3):
        _owe(appointment)
    _server_says(monkeypatch, ConnectionRefusedError(111, "Connection refused"))
    assert mail_sweep() == {"retry": 1}  # the other two would fail the same way
    assert OutboundMail.objects.filter(attempts=0).count() == 2


def test_no_address_any_more_is_for_a_person_to_fix(appointment):
    owed = _owe(appointment)
    appointment.client.email = ""
    appointment.client.save()
    assert mail_deliver(mail_id=owed.pk) == "failed"
    owed.refresh_from_db()
    assert owed.last_error == "The client has no email address on file."


# --- staff: seeing and resending ----------------------------------------------------------------


def _failed(appointment, reason="The mail server refused the address: 550 No such user"):
    owed = _owe(appointment)
    OutboundMail.objects.filter(pk=owed.pk).update(status=Status.FAILED, last_error=reason)
    owed.refresh_from_db()
    return owed


def test_front_desk_sees_the_failed_mail_with_the_reason_and_resends_it(
    client, cast, appointment, django_capture_on_commit_callbacks
):
    failed = _failed(appointment)
    client.force_login(cast.frontdesk)
    for page in (reverse("dashboard_front_desk"), reverse("client_detail", args=[cast.client.pk])):
        html = client.get(page).content.decode()
        assert "Mail that could not be delivered" in html
        assert "550 No such user" in html and "karen@example.test" in html
        assert reverse("outbox_resend", args=[failed.pk]) in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("outbox_resend", args=[failed.pk]), {"next": reverse("dashboard_front_desk")}
        )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard_front_desk")
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Status.SENT, 1, "")
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.filter(
        actor=cast.frontdesk, object_id=str(failed.pk), detail__startswith="mail sent again"
    ).exists()
    assert "Mail that could not be delivered" not in client.get(page).content.decode()


def test_only_failed_mail_is_resent_and_only_by_staff(client, cast, appointment):
    waiting = _owe(appointment)
    with pytest.raises(ValueError, match="could not be delivered"):
        mail_resend(actor=cast.frontdesk, mail=waiting)
    failed = _failed(appointment)
    client.force_login(cast.client_user)
    assert client.post(reverse("outbox_resend", args=[failed.pk])).status_code == 403
    client.force_login(cast.frontdesk)
    response = client.post(reverse("outbox_resend", args=[waiting.pk]), follow=True)
    assert b"Only a mail that could not be delivered can be sent again." in response.content


@pytest.mark.parametrize(
    ("kind", "readers"),
    [
        (CONFIRMATION, {"admin", "therapist", "frontdesk"}),
        ("portal_invitation", {"admin", "therapist", "frontdesk"}),
        ("plan_ready", {"admin", "therapist"}),
        ("clearance_request", {"admin", "therapist"}),
        ("password_reset", {"admin"}),
    ],
)
def test_who_sees_which_mail(cast, kind, readers):
    owed = mail_owe(kind=kind, about=cast.client, recipient="x@example.test")
    for role in ("admin", "therapist", "frontdesk", "client_user", "physician_user"):
        seen = OutboundMail.objects.visible_to(getattr(cast, role)).filter(pk=owed.pk).exists()
        assert seen == (role in readers), role


@pytest.mark.parametrize("rows", [3, 40])
def test_the_outbox_page_queries_do_not_grow(
    client, cast, appointment, rows, django_assert_max_num_queries
):
    for n in range(rows):
        (_failed if n % 2 else _owe)(appointment)
    client.force_login(cast.frontdesk)
    with django_assert_max_num_queries(OUTBOX_PAGE_QUERY_CAP):
        response = client.get(reverse("outbox"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("Send again") == rows // 2
    assert f'<dd class="col-sm-8">{rows - rows // 2} (the oldest for' in html


OUTBOX_PAGE_QUERY_CAP = 11  # measured: 11 at 3 and at 40 mails


def test_the_admin_sees_the_backlog(client, cast, appointment):
    _owe(appointment)
    failed = _failed(appointment)
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    html = client.get(reverse("dashboard_admin")).content.decode()
    assert "Mail waiting to be sent" in html and reverse("outbox") in html
    changelist = client.get(reverse("admin:clinic_outboundmail_changelist"))
    assert changelist.status_code == 200
    assert b"Send again (mails that could not be delivered)" in changelist.content
    response = client.post(
        reverse("admin:clinic_outboundmail_changelist"),
        {"action": "send_again", "_selected_action": [str(failed.pk)]},
    )
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (Status.WAITING, 0, "")
