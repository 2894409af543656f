"""Every URL so far x every role: who gets the page, who gets 403/404, who must sign in.
A new URL pattern fails `test_every_url_is_in_the_matrix` until it is added here."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from billing.tests import charges_helpers as _charges
from documents.tests.factories import issued_invoice, ready_record_export, ready_superbill

ROLES = [
    "admin",
    "therapist",
    "frontdesk",
    "biller",
    "client_user",
    "physician_user",
    "therapist2",
    "client2_user",
    "physician2_user",
]


def _everyone(code):
    return dict.fromkeys(ROLES, code)


def _only(code_for_role: dict, other=403):
    return {role: code_for_role.get(role, other) for role in ROLES}


STAFF_200 = {"admin": 200, "therapist": 200, "frontdesk": 200, "therapist2": 200}
STAFF_405 = dict.fromkeys(STAFF_200, 405)
CLINICIANS_200 = {"admin": 200, "therapist": 200, "therapist2": 200}
THERAPISTS_200 = {"therapist": 200, "therapist2": 200}  # clinical writes: not the admin
BILL_200 = {"admin": 200, "biller": 200}  # Can.bill: billing staff and the admin
PLAN_READERS_200 = {
    **CLINICIANS_200,
    "client_user": 200,
    "client2_user": 404,
    "physician_user": 200,
    "physician2_user": 404,
}


def _note(cast):
    from django.utils import timezone

    from sessions_log.tests.factories import SessionNoteFactory

    if not hasattr(cast, "note"):
        cast.note = SessionNoteFactory(appointment=_appointment(cast), signed_at=timezone.now())
    return cast.note


def _clearance(cast):
    from treatment_plans.models import ClearanceRequest, ContraindicationRule

    return ClearanceRequest.objects.create(
        version=_plan(cast).versions.get(),
        rule=ContraindicationRule.objects.filter(severity="clearance").first(),
        care_team_member=cast.client.care_team.get(),
        question="May we use deep tissue massage?",
        created_by=cast.therapist,
    )


def _plan(cast):
    from django.utils import timezone

    from treatment_plans.tests.factories import PlanVersionFactory

    if not hasattr(cast, "plan"):
        version = PlanVersionFactory(
            plan__client=cast.client, plan__therapist=cast.therapist, activated_at=timezone.now()
        )
        cast.plan = version.plan
    return cast.plan


def _plan_pdf(cast):
    """A ready PDF of `client`'s active plan version."""
    from django.core.files.base import ContentFile

    from documents.models import PlanPdf

    if not hasattr(cast, "plan_pdf"):
        pdf = PlanPdf(version=_plan(cast).versions.get(), fingerprint="f" * 64, status="ready")
        pdf.file.save("matrix.pdf", ContentFile(b"%PDF-1.4\n%test\n"), save=True)
        cast.plan_pdf = pdf
    return cast.plan_pdf


def _history(cast):
    from intake.tests.factories import HealthHistoryFactory

    if not hasattr(cast, "history"):
        cast.history = HealthHistoryFactory(client=cast.client)
    return cast.history


def _appointment(cast):
    from scheduling.tests.factories import AppointmentFactory

    if not hasattr(cast, "appointment"):
        cast.appointment = AppointmentFactory(
            client=cast.client, therapist=cast.therapist.therapist_profile
        )
    return cast.appointment


def _waitlist_entry(cast):
    import datetime as dt

    from scheduling.models import WaitlistEntry

    return WaitlistEntry.objects.create(
        client=cast.client,
        earliest_date=dt.date.today(),
        latest_date=dt.date.today() + dt.timedelta(days=30),
        earliest_time=dt.time(9),
        latest_time=dt.time(17),
    )


def _offer(cast):
    """An open waitlist offer to `client`, and the token its mail would carry."""
    import datetime as dt

    from django.utils import timezone

    from scheduling.models import WaitlistOffer
    from scheduling.services.offers import token_hash

    if not hasattr(cast, "offer"):
        starts = timezone.now() + dt.timedelta(days=3)
        cast.offer_token = "matrix-offer-token"
        cast.offer = WaitlistOffer.objects.create(
            entry=_waitlist_entry(cast),
            slot_key="k" * 64,
            therapist=cast.therapist.therapist_profile,
            appointment_type=_appointment(cast).appointment_type,
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=1),
            token_sha256=token_hash(cast.offer_token),
            expires_at=timezone.now() + dt.timedelta(hours=12),
        )
    return cast.offer


def _booking_request(cast):
    from scheduling.models import BookingRequest

    if not hasattr(cast, "booking_request"):
        cast.booking_request = BookingRequest.objects.create(
            first_name=cast.client.first_name,
            last_name=cast.client.last_name,
            date_of_birth=cast.client.date_of_birth,
            email="someone@example.test",
            reason="Neck pain after a fall.",
        )
    return cast.booking_request


def _consent(cast):
    from intake.tests.factories import TreatmentConsentFactory

    if not hasattr(cast, "consent"):
        cast.consent = TreatmentConsentFactory(client=cast.client)
    return cast.consent


def _referral_letter(cast):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from intake.services.uploads import referral_letter_store

    if not hasattr(cast, "letter"):
        pdf = SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%test\n", "application/pdf")
        cast.letter = referral_letter_store(
            actor=cast.therapist, client=cast.client, uploaded_file=pdf
        )
    return cast.letter


def _failed_mail(cast):
    from clinic.models import OutboundMail
    from clinic.services.outbox import mail_owe

    if not hasattr(cast, "failed_mail"):
        cast.failed_mail = mail_owe(
            kind="appointment_confirmation",
            about=cast.client,
            recipient="x@example.test",
            client=cast.client,
        )
        OutboundMail.objects.filter(pk=cast.failed_mail.pk).update(status="failed")
    return cast.failed_mail


# Assessment summaries: clinicians, the client (own) and the consented physician.
ASSESSMENT_READERS_200 = {
    **CLINICIANS_200,
    "client_user": 200,
    "client2_user": 404,
    "physician_user": 200,
    "physician2_user": 404,
}


def _assessment(cast):
    from intake.tests.factories import AssessmentFactory

    if not hasattr(cast, "assessment"):
        cast.assessment = AssessmentFactory(client=cast.client, assessed_by=cast.therapist)
    return cast.assessment


# billing: coverage, identity, diagnoses: `client`'s commercial coverage and its authorization.
COVERAGE_EDITORS_200 = {"admin": 200, "frontdesk": 200, "biller": 200}


def _coverage(cast):
    from billing.tests.factories import CoverageFactory

    if not hasattr(cast, "coverage"):
        cast.coverage = CoverageFactory(client=cast.client, insured=True, created_by=cast.biller)
    return cast.coverage


def _authorization(cast):
    from billing.tests.factories import AuthorizationFactory

    if not hasattr(cast, "authorization"):
        cast.authorization = AuthorizationFactory(coverage=_coverage(cast), created_by=cast.biller)
    return cast.authorization


def _money(cast):
    """`client`'s charge, line, package, payment, allocation and invoice (billing money)."""
    from billing.tests.money_cast import money_cast

    return money_cast(cast)


# url name -> (kwargs maker, expected status per role); 302 for anonymous is checked apart.
MATRIX = {
    "home": (None, _everyone(302)),
    "dashboard_admin": (None, _only({"admin": 200})),
    "import_upload": (None, _only({"admin": 200})),
    "dashboard_therapist": (None, _only({"therapist": 200, "therapist2": 200})),
    "dashboard_front_desk": (None, _only({"frontdesk": 200})),
    "dashboard_billing": (None, _only({"admin": 200, "biller": 200})),
    "billing_clients": (None, _only({"admin": 200, "biller": 200})),
    "portal": (None, _only({"client_user": 200, "client2_user": 200})),
    "portal_contacts": (None, _only({"client_user": 200, "client2_user": 200})),
    "physician_dashboard": (None, _only({"physician_user": 200, "physician2_user": 200})),
    "client_list": (None, _only(STAFF_200)),
    # `client`'s record: staff read it; `physician` has sharing consent, `physician2` not.
    "client_detail": (
        lambda cast: {"client_id": cast.client.pk},
        _only({**STAFF_200, "physician_user": 200, "physician2_user": 404}),
    ),
    "audit_log": (None, _only({"admin": 200})),
    # Mail not yet delivered: staff chase it (a confirmation: the front desk's and
    # therapists' kind); resending is POST only.
    "outbox": (None, _only(STAFF_200)),
    "outbox_resend": (lambda cast: {"mail_id": _failed_mail(cast).pk}, _only(STAFF_405)),
    # Calendars are for staff; a therapist manages only their own hours (`therapist`'s here).
    "schedule_day": (None, _only(STAFF_200)),
    "schedule_week": (
        lambda cast: {"therapist_id": cast.therapist.therapist_profile.pk},
        _only(STAFF_200),
    ),
    "free_slot_finder": (None, _only(STAFF_200)),
    "therapist_hours": (
        lambda cast: {"therapist_id": cast.therapist.therapist_profile.pk},
        _only({"admin": 200, "therapist": 200, "frontdesk": 200}),
    ),
    # Scheduling: staff only; clients and physicians are refused by role.
    "client_new": (None, _only(STAFF_200)),
    "client_edit": (lambda cast: {"client_id": cast.client.pk}, _only(STAFF_200)),
    "appointment_new": (None, _only(STAFF_200)),
    "appointment_detail": (
        lambda cast: {"appointment_id": _appointment(cast).pk},
        _only(STAFF_200),
    ),
    # POST-only actions: a GET by staff is 405, anyone else is refused before that.
    "appointment_reschedule": (
        lambda cast: {"appointment_id": _appointment(cast).pk},
        _only(STAFF_405),
    ),
    "appointment_cancel": (
        lambda cast: {"appointment_id": _appointment(cast).pk},
        _only(STAFF_405),
    ),
    "appointment_status": (
        lambda cast: {"appointment_id": _appointment(cast).pk},
        _only(STAFF_405),
    ),
    "waitlist": (None, _only(STAFF_200)),
    "waitlist_new": (lambda cast: {"client_id": cast.client.pk}, _only(STAFF_200)),
    "waitlist_resolve": (lambda cast: {"entry_id": _waitlist_entry(cast).pk}, _only(STAFF_405)),
    # Health history: clinicians read, therapists write (the admin reads only); the front desk
    # never; a consented physician reads the summary; the client edits their own in the portal.
    "health_history": (
        lambda cast: {"client_id": cast.client.pk},
        _only({**CLINICIANS_200, "physician_user": 200, "physician2_user": 404}),
    ),
    "health_history_edit": (lambda cast: {"client_id": cast.client.pk}, _only(THERAPISTS_200)),
    "health_history_version": (
        lambda cast: {"history_id": _history(cast).pk},
        _only({**CLINICIANS_200, "client_user": 200, "client2_user": 404}),
    ),
    "health_history_review": (
        lambda cast: {"history_id": _history(cast).pk},
        _only(dict.fromkeys(THERAPISTS_200, 405)),
    ),
    "health_history_medications_confirm": (
        lambda cast: {"history_id": _history(cast).pk},
        _only(dict.fromkeys(THERAPISTS_200, 405)),
    ),
    "portal_health_history": (None, _only({"client_user": 200, "client2_user": 200})),
    "portal_health_history_edit": (None, _only({"client_user": 200, "client2_user": 200})),
    # Consents: the client's own page; staff per client (front desk: status only); the signed
    # consent and its withdrawal (GET = confirmation) for the client and clinicians. `client`
    # owns the consent, `client2` is the same-role stranger; physicians never see consents.
    "portal_consents": (None, _only({"client_user": 200, "client2_user": 200})),
    "client_consents": (lambda cast: {"client_id": cast.client.pk}, _only(STAFF_200)),
    "consent_detail": (
        lambda cast: {"consent_id": _consent(cast).pk},
        _only({**CLINICIANS_200, "client_user": 200, "client2_user": 404}),
    ),
    "consent_revoke": (
        lambda cast: {"consent_id": _consent(cast).pk},
        _only({**THERAPISTS_200, "client_user": 200, "client2_user": 404}),
    ),
    # `physician` shares care of `client` without a signed form: the confirmation page.
    "care_team_sharing_stop": (
        lambda cast: {"member_id": cast.client.care_team.get().pk},
        _only({**THERAPISTS_200, "client_user": 200, "client2_user": 404}),
    ),
    # Referral letters: never the front desk; consented physicians may download.
    "referral_letter_new": (
        lambda cast: {"client_id": cast.client.pk},
        _only({**THERAPISTS_200, "client_user": 200, "client2_user": 404}),
    ),
    "referral_letter_download": (
        lambda cast: {"letter_id": _referral_letter(cast).pk},
        _only(
            {
                **CLINICIANS_200,
                "client_user": 200,
                "client2_user": 404,
                "physician_user": 200,
                "physician2_user": 404,
            }
        ),
    ),
    # Assessments (`therapist` made it): clinicians read; only the author edits; the
    # client (own) and a consented physician read the list and the summary.
    "assessment_list": (
        lambda cast: {"client_id": cast.client.pk},
        _only(ASSESSMENT_READERS_200),
    ),
    "assessment_new": (lambda cast: {"client_id": cast.client.pk}, _only(THERAPISTS_200)),
    "assessment_detail": (
        lambda cast: {"assessment_id": _assessment(cast).pk},
        _only(ASSESSMENT_READERS_200),
    ),
    "assessment_edit": (
        lambda cast: {"assessment_id": _assessment(cast).pk},
        _only({"therapist": 200}),  # therapist2 is not the author: 403
    ),
    # Treatment plans: staff-clinicians read, therapists write; the client (own) and a
    # consented physician read activated versions; the front desk never.
    "plan_list": (lambda cast: {"client_id": cast.client.pk}, _only(PLAN_READERS_200)),
    "plan_new": (lambda cast: {"client_id": cast.client.pk}, _only(THERAPISTS_200)),
    "plan_detail": (lambda cast: {"plan_id": _plan(cast).pk}, _only(PLAN_READERS_200)),
    # The shown version is active, so the editor sends therapists back to the plan.
    "plan_edit": (
        lambda cast: {"plan_id": _plan(cast).pk},
        _only(dict.fromkeys(THERAPISTS_200, 302)),
    ),
    "plan_version_detail": (
        lambda cast: {"version_id": _plan(cast).versions.get().pk},
        _only(PLAN_READERS_200),
    ),
    **{
        name: (lambda cast: {"plan_id": _plan(cast).pk}, _only(dict.fromkeys(THERAPISTS_200, 405)))
        for name in (
            "plan_activate",
            "plan_new_version",
            "plan_override",
            "plan_clearance",
            "plan_close",
        )
    },
    # Plan PDFs: downloads for plan readers (the front desk is refused by role); retry for
    # therapists and the admin, acknowledgement for physicians (POST only: GET is 405).
    "plan_pdf_download": (lambda cast: {"pdf_id": _plan_pdf(cast).pk}, _only(PLAN_READERS_200)),
    "plan_version_pdf": (
        lambda cast: {"version_id": _plan_pdf(cast).version_id},
        _only(PLAN_READERS_200),
    ),
    # The FHIR R4 bundle of a client's care: scoped like the plan PDF (documents/fhir_views.py).
    "fhir_client_bundle": (
        lambda cast: (_plan_pdf(cast), {"client_id": cast.client.pk})[1],
        _only(PLAN_READERS_200),
    ),
    # A client's whole record (ZIP): the admin and therapists for any client, a client their
    # own (documents/record_export_views.py); asking is POST only (GET is 405). A download is
    # one use: each cell here starts from a fresh, unspent export.
    "record_exports": (lambda cast: {"client_id": cast.client.pk}, _only(CLINICIANS_200)),
    "record_exports_mine": (None, _only({"client_user": 200, "client2_user": 200})),
    "record_export_request": (
        lambda cast: {"client_id": cast.client.pk},
        _only(dict.fromkeys(CLINICIANS_200, 405)),
    ),
    "record_export_mine": (None, _only({"client_user": 405, "client2_user": 405})),
    # The export here is the client's own request: only the requester's click spends the
    # one-use link, so clinicians who can see it are refused (403), a stranger gets 404.
    "record_export_download": (
        lambda cast: {"export_id": ready_record_export(cast).pk},
        _only({"client_user": 200, "client2_user": 404}),
    ),
    "plan_pdf_retry": (
        lambda cast: {"pdf_id": _plan_pdf(cast).pk},
        _only(dict.fromkeys(CLINICIANS_200, 405)),
    ),
    "plan_version_acknowledge": (
        lambda cast: {"version_id": _plan(cast).versions.get().pk},
        _only({"physician_user": 405, "physician2_user": 405}),
    ),
    # Session notes: the treating therapist writes; clinicians read; the client (own) and a
    # consented physician read signed notes (the pages hide SOAP text from physicians).
    "note_edit": (
        lambda cast: {"appointment_id": _appointment(cast).pk},
        _only({"therapist": 200, "therapist2": 403}),
    ),
    "note_screen": (
        lambda cast: {"appointment_id": _appointment(cast).pk},
        _only({"therapist": 200, "therapist2": 403}),
    ),
    "note_detail": (lambda cast: {"note_id": _note(cast).pk}, _only(PLAN_READERS_200)),
    "note_addendum": (
        lambda cast: {"note_id": _note(cast).pk},
        _only(dict.fromkeys(THERAPISTS_200, 405)),
    ),
    "client_notes": (lambda cast: {"client_id": cast.client.pk}, _only(PLAN_READERS_200)),
    # Progress: plan readers (the front desk never); the client page says "no current plan"
    # here (no plan made), and redirects to the plan's page when there is one.
    "plan_progress": (lambda cast: {"plan_id": _plan(cast).pk}, _only(PLAN_READERS_200)),
    "client_progress": (lambda cast: {"client_id": cast.client.pk}, _only(PLAN_READERS_200)),
    # The client's own appointments in the portal: calendar file and cancellation.
    "portal_appointment_ics": (
        lambda cast: {"appointment_id": _appointment(cast).pk},
        _only({"client_user": 200, "client2_user": 404}),
    ),
    "portal_appointment_cancel": (
        lambda cast: {"appointment_id": _appointment(cast).pk},
        _only({"client_user": 200, "client2_user": 404}),
    ),
    # A waitlist offer to `client`: the mailed link (the token, and signed in as the offer's
    # client: another client is refused without being told whose it is) and the portal's way in.
    "offer_link": (
        lambda cast: {"token": (_offer(cast), cast.offer_token)[1]},
        _only({"client_user": 200}),
    ),
    "portal_offer": (
        lambda cast: {"offer_id": _offer(cast).pk},
        _only({"client_user": 200, "client2_user": 404}),
    ),
    # Booking online (issue 20): a client books and moves their own; the admin sets the rules.
    "portal_book": (None, _only({"client_user": 200, "client2_user": 200})),
    "portal_appointment_move": (
        lambda cast: {"appointment_id": _appointment(cast).pk},
        _only({"client_user": 200, "client2_user": 404}),
    ),
    "online_booking_rules": (None, _only({"admin": 200})),
    # Portal invitations: the front desk and therapists invite clients, the clinic admin and
    # therapists invite physicians (`client` has a login already: the page says so).
    "client_invite": (
        lambda cast: {"client_id": cast.client.pk},
        _only({"frontdesk": 200, **THERAPISTS_200}),
    ),
    "physician_invite": (
        lambda cast: {"physician_id": cast.physician.pk},
        _only(CLINICIANS_200),
    ),
    # A clearance request to `physician` about `client`'s plan: clinicians and the addressee.
    "clearance_detail": (
        lambda cast: {"clearance_id": _clearance(cast).pk},
        _only({**CLINICIANS_200, "physician_user": 200, "physician2_user": 404}),
    ),
    # Two-factor sign-in, for every signed-in user (clinic/tests/test_mfa.py tests the flow):
    # the settings and set-up pages open; without a device there is nothing to verify (back
    # home); regenerating codes and turning off are POST-only.
    "mfa_manage": (None, _everyone(200)),
    "mfa_setup": (None, _everyone(200)),
    "mfa_verify": (None, _everyone(302)),
    "mfa_regenerate": (None, _everyone(405)),
    "mfa_disable": (None, _everyone(405)),
    # --- billing (issue 18); each part's rows under its own heading -----------------------
    # billing: charges
    # Billing staff (and the admin) work the charges; the rendering therapist reads their own
    # (`therapist`'s here; `therapist2` gets 404); the front desk, clients and physicians 403.
    "billing_charges": (None, _only(BILL_200)),
    "billing_charge": (
        _charges.charge_kwargs,
        _only({**BILL_200, "therapist": 200, "therapist2": 404}),
    ),
    "billing_charge_line_edit": (_charges.line_kwargs, _only(BILL_200)),
    "billing_charge_post": (_charges.charge_kwargs, _only(dict.fromkeys(BILL_200, 405))),
    "billing_charge_void": (_charges.charge_kwargs, _only(BILL_200)),
    "billing_charge_redraft": (_charges.charge_kwargs, _only(dict.fromkeys(BILL_200, 405))),
    "billing_credit_note_new": (_charges.line_kwargs, _only(BILL_200)),
    "billing_no_shows": (None, _only(BILL_200)),
    "billing_no_show_fee": (_charges.no_show_kwargs, _only(dict.fromkeys(BILL_200, 405))),
    "billing_my_charges": (None, _only(THERAPISTS_200)),
    #
    # billing: coverage, identity, diagnoses
    # A client's coverage: the roles of Can.edit_coverage read and edit it (ending is POST
    # only); the billing identity: the roles of Can.bill; a plan's diagnoses: therapists.
    "billing_coverage_list": (
        lambda cast: {"client_id": cast.client.pk},
        _only(COVERAGE_EDITORS_200),
    ),
    "billing_coverage_new": (
        lambda cast: {"client_id": cast.client.pk},
        _only(COVERAGE_EDITORS_200),
    ),
    "billing_coverage_edit": (
        lambda cast: {"coverage_id": _coverage(cast).pk},
        _only(COVERAGE_EDITORS_200),
    ),
    "billing_coverage_end": (
        lambda cast: {"coverage_id": _coverage(cast).pk},
        _only(dict.fromkeys(COVERAGE_EDITORS_200, 405)),
    ),
    "billing_authorization_new": (
        lambda cast: {"coverage_id": _coverage(cast).pk},
        _only(COVERAGE_EDITORS_200),
    ),
    "billing_authorization_edit": (
        lambda cast: {"authorization_id": _authorization(cast).pk},
        _only(COVERAGE_EDITORS_200),
    ),
    "billing_identity": (None, _only({"admin": 200, "biller": 200})),
    "plan_diagnoses": (lambda cast: {"plan_id": _plan(cast).pk}, _only(THERAPISTS_200)),
    #
    # billing: payments, invoices, packages, the client's billing page
    # A client's billing for the staff who see balances and take payments (not therapists);
    # invoices are issued and voided by billing staff (POST only); a client reads their own
    # invoices and their own billing page.
    "billing_client": (
        lambda cast: {"client_id": cast.client.pk},
        _only({"admin": 200, "frontdesk": 200, "biller": 200}),
    ),
    "billing_payment_new": (
        lambda cast: {"client_id": cast.client.pk},
        _only({"admin": 200, "frontdesk": 200, "biller": 200}),
    ),
    "billing_payment_allocate": (
        lambda cast: {"payment_id": _money(cast).payment.pk},
        _only({"admin": 200, "frontdesk": 200, "biller": 200}),
    ),
    "billing_allocation_remove": (
        lambda cast: {"allocation_id": _money(cast).allocation.pk},
        _only({"admin": 405, "frontdesk": 405, "biller": 405}),
    ),
    "billing_refund_new": (
        lambda cast: {"payment_id": _money(cast).payment.pk},
        _only({"admin": 200, "frontdesk": 200, "biller": 200}),
    ),
    "billing_package_new": (
        lambda cast: {"client_id": cast.client.pk},
        _only({"admin": 200, "frontdesk": 200, "biller": 200}),
    ),
    "billing_invoice_issue": (
        lambda cast: {"client_id": cast.client.pk},
        _only({"admin": 405, "biller": 405}),
    ),
    "billing_invoice": (
        lambda cast: {"invoice_id": _money(cast).invoice.pk},
        _only(
            {"admin": 200, "frontdesk": 200, "biller": 200, "client_user": 200, "client2_user": 404}
        ),
    ),
    "billing_invoice_void": (
        lambda cast: {"invoice_id": _money(cast).invoice.pk},
        _only({"admin": 405, "biller": 405}),
    ),
    "billing_portal": (None, _only({"client_user": 200, "client2_user": 200})),
    #
    # billing: documents, export, reports
    # documents
    # A client's billing documents: billing staff and the front desk (its invoices only).
    "billing_documents": (
        lambda cast: {"client_id": cast.client.pk},
        _only({"admin": 200, "biller": 200, "frontdesk": 200}),
    ),
    "billing_documents_mine": (None, _only({"client_user": 200, "client2_user": 200})),
    # A ready superbill of `client`: it holds diagnoses, so not the front desk's to read.
    "billing_document_download": (
        lambda cast: {"doc_id": ready_superbill(cast).pk},
        _only(
            {
                "admin": 200,
                "biller": 200,
                "frontdesk": 404,
                "client_user": 200,
                "client2_user": 404,
            }
        ),
    ),
    # POST-only: a GET by those who may read billing documents is 405.
    "billing_document_retry": (
        lambda cast: {"doc_id": ready_superbill(cast).pk},
        _only(dict.fromkeys(["admin", "biller", "frontdesk", "client_user", "client2_user"], 405)),
    ),
    "billing_invoice_pdf": (
        lambda cast: {"invoice_id": issued_invoice(cast).pk},
        _only(dict.fromkeys(["admin", "biller", "frontdesk"], 405)),
    ),
    #
    # export and reports: billing staff and the admin (Can.see_billing_reports). The export's
    # link carries no dates here, so it answers with its form and messages (400), not a file.
    "billing_export_form": (None, _only({"admin": 200, "biller": 200})),
    "billing_export": (None, _only({"admin": 400, "biller": 400})),
    "billing_reports": (None, _only({"admin": 200, "biller": 200})),
    # New clients' requests (issue 20): the admin and the front desk read them (a request with
    # `client`'s name and birth date, so the page shows a possible duplicate); only the front
    # desk answers (POST only).
    "booking_requests": (None, _only({"admin": 200, "frontdesk": 200})),
    "booking_request_detail": (
        lambda cast: {"request_id": _booking_request(cast).pk},
        _only({"admin": 200, "frontdesk": 200}),
    ),
    "booking_request_approve": (
        lambda cast: {"request_id": _booking_request(cast).pk},
        _only({"frontdesk": 405}),
    ),
    "booking_request_link": (
        lambda cast: {"request_id": _booking_request(cast).pk},
        _only({"frontdesk": 405}),
    ),
    "booking_request_decline": (
        lambda cast: {"request_id": _booking_request(cast).pk},
        _only({"frontdesk": 405}),
    ),
}
PUBLIC = {
    "healthz",  # no client data, no sign-in
    "favicon",  # a redirect to the static icon
    # Token-authenticated: the single-use secret in the URL is the credential
    # (clinic/tests/test_invitations.py checks unknown, expired, used and revoked links).
    "invitation_accept",
    # Token-authenticated, not session: the secret in the URL is the credential
    # (clinic/tests/test_ical.py checks unknown and revoked tokens).
    "therapist_calendar_feed",
    # The public request for a first appointment and its thank-you: no account, the same
    # answer for everyone (scheduling/tests/test_booking_requests.py checks every role and
    # anonymous get 200, and that no client's data is shown).
    "booking_request_new",
    "booking_request_thanks",
}


def _url(name, cast):
    maker, _ = MATRIX[name]
    return reverse(name, kwargs=maker(cast) if maker else None)


def _named_patterns(resolver=None, namespace=None):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's own admin, staff-only by is_staff
            yield from _named_patterns(entry, entry.namespace)
        elif isinstance(entry, URLPattern) and entry.name and not namespace:
            yield entry


AUTH_VIEWS = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
}


def test_every_url_is_in_the_matrix():
    names = {pattern.name for pattern in _named_patterns()}
    assert names - AUTH_VIEWS - PUBLIC - set(MATRIX) == set()


@pytest.mark.parametrize("name", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_role_access(client, cast, name, role):
    client.force_login(getattr(cast, role))
    response = client.get(_url(name, cast))
    assert response.status_code == MATRIX[name][1][role], (name, role)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_anonymous_is_sent_to_login(client, cast, name):
    url = _url(name, cast)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_home_sends_each_role_to_its_dashboard(client, cast, role):
    user = getattr(cast, role)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse(user.dashboard_url_name)


def test_forbidden_page_says_why(client, cast):
    client.force_login(cast.frontdesk)
    response = client.get(reverse("audit_log"))
    assert response.status_code == 403
    assert b"not available to your role" in response.content


def test_unknown_client_id_is_404_page(client, cast):
    client.force_login(cast.therapist)
    response = client.get("/clients/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_malformed_id_is_404_not_500(client, cast):
    client.force_login(cast.therapist)
    assert client.get("/clients/12345/").status_code == 404


def test_revoked_consent_ends_physician_access_at_once(client, cast):
    from django.utils import timezone

    client.force_login(cast.physician_user)
    url = reverse("client_detail", kwargs={"client_id": cast.client.pk})
    assert client.get(url).status_code == 200
    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    assert client.get(url).status_code == 404


def test_inactive_user_sees_nothing(client, cast):
    cast.therapist.is_active = False
    cast.therapist.save()
    client.force_login(cast.therapist)
    assert client.get(reverse("client_list")).status_code == 302


# Every page about one client that the consented physician may open.
PHYSICIAN_PAGES = sorted(
    name for name, (maker, codes) in MATRIX.items() if maker and codes["physician_user"] == 200
)


@pytest.mark.parametrize("name", PHYSICIAN_PAGES)
def test_a_revoked_consent_closes_every_physician_page_at_once(client, cast, name):
    from django.utils import timezone

    url = _url(name, cast)
    client.force_login(cast.physician_user)
    assert client.get(url).status_code == 200
    cast.client.care_team.update(sharing_revoked_at=timezone.now())
    assert client.get(url).status_code == 404, name
