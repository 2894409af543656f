"""What a user may do and see, in one place: `Can(user)` (templates ask it as `can`), and the
page-level role check for views (`role_required`).

Which rows a user may read is not decided here: that is `Model.objects.visible_to(user)`
(clinic/querysets.py). `Can` answers the questions a page asks about the viewer ("may they
book?", "do they see SOAP text?"), so no template or view compares `user.role` itself, and a
page never offers what the view behind it refuses. The table below mirrors DESIGN.md's
access table; clinic/tests/test_can.py walks it for every role.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from clinic.querysets import APPOINTMENT_READERS, CLINICAL_READERS, CONSENT_READERS
from clinic.roles import (
    BILLING_ROLES,
    CLINICAL_WRITERS,
    CLINICIAN_ROLES,
    STAFF_ROLES,
    Role,
    role_of,
)

ADMIN, THERAPIST, FRONT_DESK, CLIENT, PHYSICIAN, BILLING = (
    Role.ADMIN,
    Role.THERAPIST,
    Role.FRONT_DESK,
    Role.CLIENT,
    Role.PHYSICIAN,
    Role.BILLING,
)


def role_required(*roles: Role):
    """Signed-in users of these roles only; anyone else signed in gets a 403 page."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if role_of(request.user) not in roles:
                raise PermissionDenied("This page is not available to your role.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator


def granted_to(*roles: Role, doc: str) -> property:
    """A predicate of `Can`: true for users of these roles (anonymous and inactive: never)."""
    allowed = frozenset(roles)
    predicate = property(lambda can: can._role in allowed, doc=doc)
    predicate.fget.roles = allowed  # for the tests and the curious
    return predicate


class Can:
    """The viewer's permissions. Built cheaply (no query); every predicate is a property,
    so a template reads `{% if can.book %}`. Predicates about one object are methods, and the
    view passes their answer to the template."""

    def __init__(self, user):
        self._user = user
        self._role = role_of(user)

    # --- what the viewer sees ----------------------------------------------------------------

    see_clinical = granted_to(
        *CLINICAL_READERS,
        doc="Clinical records at all: health history, assessments, plans, session notes, "
        "progress (a client their own, a physician those of consenting patients).",
    )
    see_clinical_detail = granted_to(
        *CLINICIAN_ROLES,
        doc="The whole clinical record rather than a summary: SOAP text, addenda, trigger "
        "points, health alerts, contraindication conflicts and overrides, full assessments, "
        "the reassessment prompt.",
    )
    see_full_health_history = granted_to(
        ADMIN,
        THERAPIST,
        CLIENT,
        doc="Every answer and earlier version of a health history (a physician reads a summary).",
    )
    see_home_care = granted_to(
        ADMIN,
        THERAPIST,
        CLIENT,
        doc="The home care and body-mechanics advice given in a session (not for physicians).",
    )
    see_contacts = granted_to(
        ADMIN,
        THERAPIST,
        FRONT_DESK,
        CLIENT,
        BILLING,
        doc="A client's contact details, address, referral and portal status (a physician "
        "sees name and birth date only).",
    )
    see_appointments = granted_to(
        *APPOINTMENT_READERS, doc="Appointments and the waitlist (a client their own)."
    )
    see_consents = granted_to(
        *CONSENT_READERS, doc="Consents (the front desk: whether each is signed, nothing more)."
    )
    see_care_readiness = granted_to(
        *STAFF_ROLES,
        doc="The before-treatment checklist: whether a health history and a consent to "
        "treatment are on file (the front desk's only view of the intake).",
    )
    see_pdf_error = granted_to(
        ADMIN, THERAPIST, doc="Why a plan PDF could not be prepared (a technical message)."
    )
    view_audit = granted_to(ADMIN, doc="The audit trail.")
    see_billing = granted_to(
        ADMIN,
        BILLING,
        FRONT_DESK,
        THERAPIST,
        CLIENT,
        doc="Billing at all (issue 18): billing staff everything; the front desk balances, "
        "invoices and payments; a therapist the codes drafted from their own notes; a client "
        "their own invoices, receipts and superbills. Never a physician.",
    )
    see_balances = granted_to(
        ADMIN,
        BILLING,
        FRONT_DESK,
        CLIENT,
        doc="What a client owes and has paid (a client their own).",
    )
    see_claim_codes = granted_to(
        ADMIN,
        BILLING,
        THERAPIST,
        CLIENT,
        doc="Diagnosis (ICD-10-CM) codes on charges and superbills: not for the front desk.",
    )
    see_authorizations = granted_to(
        ADMIN,
        BILLING,
        FRONT_DESK,
        THERAPIST,
        doc="Payers' authorizations: visits approved, used and left (a therapist on the plan "
        "page, as counts and dates only). Not clients, never physicians.",
    )
    see_billing_reports = granted_to(
        *BILLING_ROLES,
        doc="Accounts receivable aging, revenue, authorizations' visits left, the export.",
    )

    # --- what the viewer may do --------------------------------------------------------------

    chart = granted_to(
        *CLINICAL_WRITERS,
        doc="Write clinical content: health histories and their review, assessments, plans, "
        "session notes and addenda, consents signed in clinic, care-team changes.",
    )
    book = granted_to(
        *STAFF_ROLES,
        doc="Book appointments, keep the waitlist and edit a client's details.",
    )
    sign_consents = granted_to(
        THERAPIST,
        CLIENT,
        doc="Sign or withdraw a consent (a client their own; a therapist on the client's "
        "behalf, in clinic).",
    )
    add_referral_letter = granted_to(THERAPIST, CLIENT, doc="Upload a referral letter.")
    invite_client = granted_to(FRONT_DESK, THERAPIST, doc="Invite a client to the portal.")
    invite_physician = granted_to(
        ADMIN, THERAPIST, doc="Invite a care-team physician to the physician portal."
    )
    see_booking_requests = granted_to(
        ADMIN,
        FRONT_DESK,
        doc="New clients' requests for a first appointment, with their possible duplicates "
        "(BookingRequest.objects.visible_to).",
    )
    handle_booking_requests = granted_to(
        FRONT_DESK,
        doc="Approve a new client's request (register, invite to the portal, ask for the "
        "intake forms), link it to an existing record, or decline it. Not the admin: "
        "approving sends a portal invitation, which the admin does not (invite_client).",
    )
    retry_pdf = granted_to(ADMIN, THERAPIST, doc="Ask again for a plan PDF that failed.")
    download_fhir = granted_to(
        ADMIN,
        THERAPIST,
        CLIENT,
        PHYSICIAN,
        doc="Download a client's care as a FHIR R4 bundle, as the plan PDF is downloaded (a "
        "client their own, a physician consenting patients'; never the front desk or billing).",
    )
    export_record = granted_to(
        ADMIN,
        THERAPIST,
        CLIENT,
        doc="Ask for a client's whole record as a ZIP, built in the background (a client their "
        "own; never the front desk, billing or physicians).",
    )
    answer_clearance = granted_to(PHYSICIAN, doc="Answer a therapist's clearance request.")
    acknowledge_plan = granted_to(PHYSICIAN, doc="Acknowledge receipt of a plan version.")
    bill = granted_to(
        *BILLING_ROLES,
        doc="Review, edit (with a reason), post and void charges; credit notes; invoices; "
        "no-show fees; payers, fee schedules and the clinic's billing identity.",
    )
    edit_coverage = granted_to(
        ADMIN,
        BILLING,
        FRONT_DESK,
        doc="A client's coverage (who pays, in order) and payers' authorizations.",
    )
    take_payments = granted_to(
        ADMIN,
        BILLING,
        FRONT_DESK,
        doc="Record payments and refunds, allocate them, sell packages.",
    )
    manage_staff = granted_to(
        ADMIN, doc="Staff accounts and the physician directory (the admin site)."
    )
    set_online_booking = granted_to(
        ADMIN,
        doc="The online booking rules: whether clients book in the portal, notice, horizon, "
        "most upcoming, choosing a therapist, move and cancel windows, who may book each type.",
    )

    # --- who the viewer is, for wording only ---------------------------------------------------

    is_client = granted_to(
        CLIENT,
        doc="The viewer is the client the page is about: pages say 'you' and 'your' and lead "
        "back to the portal instead of naming the client.",
    )

    # --- about one object --------------------------------------------------------------------

    def write_note_for(self, appointment) -> bool:
        """Whether to offer the session note of this appointment: its own therapist, and the
        client came (not cancelled, not a no-show). The note page checks the rest."""
        return (
            self.chart and appointment.therapist.user_id == self._user.pk and appointment.takes_note
        )

    def __repr__(self) -> str:
        return f"<Can {self._role or 'nothing'}>"
