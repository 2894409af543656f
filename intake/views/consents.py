"""Consent pages (the client's portal page, the staff page per client, one signed consent,
withdrawal with a confirmation step) and referral letters (upload, private download).
Thin views: every object comes from `visible_to`, every write from intake/services."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clinic import audit
from clinic.models import CareTeamMember, Client, Physician
from clinic.permissions import Can, role_required
from clinic.roles import STAFF_ROLES, Role
from clinic.storage import private_file_response
from clinic.submissions import creates_once, saved
from intake.forms.consents import CareTeamMemberAddForm, ConsentSignForm, ReferralLetterUploadForm
from intake.models import Consent, ConsentText, ReferralLetter
from intake.models.consent import ConsentKind
from intake.services import consents as services
from intake.services.uploads import referral_letter_store

# Who may sign or withdraw: the client (own, by `visible_to`), therapists and admins.
SIGNER_ROLES = (Role.THERAPIST, Role.CLIENT)


@dataclass
class ConsentSlot:
    """One consent a client can give: to treatment, or to sharing with one care-team member."""

    key: str  # form prefix and submit value, unique on the page
    text: ConsentText | None  # the current wording, which a new signature agrees to
    member: CareTeamMember | None = None
    active: Consent | None = None
    past: list[Consent] = field(default_factory=list)
    form: ConsentSignForm | None = None

    @property
    def kind(self) -> str:
        return ConsentKind.SHARING if self.member else ConsentKind.TREATMENT

    @property
    def sharing_without_form(self) -> bool:
        """Sharing is on (recorded by the clinic) but no signed form is on file."""
        return self.member is not None and self.active is None and self.member.is_sharing


def _current_texts() -> dict[str, ConsentText]:
    texts: dict[str, ConsentText] = {}
    for text in ConsentText.objects.order_by("-published_at"):
        texts.setdefault(text.kind, text)
    return texts


def _slots(user, client: Client) -> list[ConsentSlot]:
    """Every consent of the client in a fixed number of queries, however many there are."""
    texts = _current_texts()
    members = (
        CareTeamMember.objects.visible_to(user).filter(client=client).select_related("physician")
    )
    slots = [ConsentSlot(key="treatment", text=texts.get(ConsentKind.TREATMENT))]
    slots += [
        ConsentSlot(key=f"member-{m.pk}", text=texts.get(ConsentKind.SHARING), member=m)
        for m in members
    ]
    by_member = {slot.member.pk: slot for slot in slots[1:]}
    consents = (
        Consent.objects.visible_to(user)
        .filter(client=client)
        .select_related("text", "signed_by", "revoked_by")
    )
    for consent in consents:
        slot = by_member.get(consent.care_team_member_id, slots[0])
        if consent.is_active:
            slot.active = consent
        else:
            slot.past.append(consent)
    return slots


def _sign(request, client: Client, slot: ConsentSlot) -> bool:
    """Validate the bound form and call the service; errors land on the form's fields."""
    if not slot.form.is_valid():
        return False
    name = slot.form.cleaned_data["signed_name"]
    try:
        if slot.member is None:
            services.consent_sign_treatment(actor=request.user, client=client, signed_name=name)
        else:
            services.consent_sign_sharing(
                actor=request.user, client=client, care_team_member=slot.member, signed_name=name
            )
    except ValidationError as error:
        slot.form.add_error(None, error)
        return False
    return True


def _consent_page(request, client: Client, *, template: str, on_behalf: bool, **extra):
    """Render the consents of `client`; a POST naming one slot signs it. A sign form shows
    for every consent not in force (and for the posted one, to show its errors)."""
    can_sign = Can(request.user).sign_consents
    slots = _slots(request.user, client)
    posted = request.POST.get("slot") if request.method == "POST" else None
    for slot in slots:
        if not can_sign or (slot.active is not None and slot.key != posted):
            continue
        data = request.POST if slot.key == posted else None
        slot.form = ConsentSignForm(data, prefix=slot.key, on_behalf=on_behalf)
        if data is not None and _sign(request, client, slot):
            messages.success(request, "Thank you: the consent is signed and saved.")
            return redirect(request.path)
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=client, detail="consents")
    context = {"client": client, "slots": slots, "can_sign": can_sign, **extra}
    return render(request, template, context)


@role_required(Role.CLIENT)
def portal_consents(request):
    client = get_object_or_404(Client.objects.visible_to(request.user))
    return _consent_page(request, client, template="intake/consent_portal.html", on_behalf=False)


@role_required(*STAFF_ROLES)
def client_consents(request, client_id):
    """Therapists and admins sign on the client's behalf in clinic and withdraw; the front
    desk sees only whether each consent is signed."""
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    chart = Can(request.user).chart
    if request.method == "POST" and not chart:
        raise PermissionDenied("Only a therapist signs or withdraws consents in the clinic.")
    care_team_form = None
    if chart:
        data = request.POST if request.POST.get("slot") == "care-team" else None
        care_team_form = _care_team_form(request.user, client, data)
        if data is not None and _care_team_add(request, client, care_team_form):
            return redirect(request.path)
    return _consent_page(
        request,
        client,
        template="intake/consent_client.html",
        on_behalf=True,
        care_team_form=care_team_form,
    )


def _care_team_form(user, client: Client, data=None) -> CareTeamMemberAddForm:
    physicians = Physician.objects.visible_to(user).exclude(care_memberships__client=client)
    return CareTeamMemberAddForm(data, physicians=physicians, prefix="care-team")


def _care_team_add(request, client: Client, form: CareTeamMemberAddForm) -> bool:
    if not form.is_valid():
        return False
    try:
        member = services.care_team_member_add(
            actor=request.user, client=client, **form.cleaned_data
        )
    except ValidationError as error:
        form.add_error(None, error)
        return False
    messages.success(
        request,
        f"{member.physician} is on the care team. Sharing starts only when the client signs "
        "the sharing consent.",
    )
    return True


def _consents_url(user, client: Client) -> str:
    if Can(user).is_client:
        return reverse("portal_consents")
    return reverse("client_consents", kwargs={"client_id": client.pk})


@role_required(Role.ADMIN, Role.THERAPIST, Role.CLIENT)
def consent_detail(request, consent_id):
    """A signed consent as signed: the exact text version, the typed name, time and IP.
    Not for the front desk (status only) nor physicians (no consents at all)."""
    consent = get_object_or_404(
        Consent.objects.visible_to(request.user).select_related(
            "client", "text", "care_team_member__physician", "signed_by", "revoked_by"
        ),
        pk=consent_id,
    )
    audit.record(actor=request.user, action="view", client=consent.client, target=consent)
    return render(
        request,
        "intake/consent_detail.html",
        {"consent": consent, "back_url": _consents_url(request.user, consent.client)},
    )


@role_required(*SIGNER_ROLES)
def consent_revoke(request, consent_id):
    """GET asks for confirmation; POST withdraws."""
    consent = get_object_or_404(
        Consent.objects.visible_to(request.user).select_related(
            "client", "care_team_member__physician"
        ),
        pk=consent_id,
    )
    back_url = _consents_url(request.user, consent.client)
    if request.method == "POST":
        try:
            services.consent_revoke(actor=request.user, consent=consent)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _withdrawn_message(consent.care_team_member))
        return redirect(back_url)
    if not consent.is_active:
        messages.info(request, "This consent was already withdrawn.")
        return redirect(back_url)
    context = {"consent": consent, "member": consent.care_team_member, "back_url": back_url}
    return render(request, "intake/consent_revoke.html", context)


@role_required(*SIGNER_ROLES)
def care_team_sharing_stop(request, member_id):
    """Stop sharing with a care-team member who has no signed form on file (sharing recorded
    by the clinic): the client must be able to withdraw in every case."""
    member = get_object_or_404(
        CareTeamMember.objects.visible_to(request.user).select_related("client", "physician"),
        pk=member_id,
    )
    back_url = _consents_url(request.user, member.client)
    if request.method == "POST":
        try:
            services.care_team_sharing_stop(actor=request.user, care_team_member=member)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _withdrawn_message(member))
        return redirect(back_url)
    if not member.is_sharing:
        messages.info(request, "Sharing with this person is already off.")
        return redirect(back_url)
    context = {"consent": None, "member": member, "back_url": back_url}
    return render(request, "intake/consent_revoke.html", context)


def _withdrawn_message(member) -> str:
    if member is None:
        return "Your consent to treatment is withdrawn."
    return f"Sharing is withdrawn: {member.physician} can no longer see these records."


# --- referral letters -----------------------------------------------------------------------


@role_required(Role.THERAPIST, Role.CLIENT)
@creates_once
def referral_letter_new(request, client_id):
    client = get_object_or_404(Client.objects.visible_to(request.user), pk=client_id)
    form = ReferralLetterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            referral_letter_store(
                actor=request.user, client=client, uploaded_file=form.cleaned_data["letter"]
            )
        except ValidationError as error:
            form.add_error("letter", error)
        else:
            messages.success(request, "The referral letter is uploaded and kept private.")
            return saved(redirect(request.path))
    letters = ReferralLetter.objects.visible_to(request.user).filter(client=client)
    if request.method == "GET":
        audit.record(actor=request.user, action="view", client=client, detail="referral letters")
    return render(
        request,
        "intake/consent_referral_letters.html",
        {"client": client, "form": form, "letters": letters.select_related("uploaded_by")},
    )


@role_required(Role.ADMIN, Role.THERAPIST, Role.CLIENT, Role.PHYSICIAN)
def referral_letter_download(request, letter_id):
    letter = get_object_or_404(
        ReferralLetter.objects.visible_to(request.user).select_related("client"), pk=letter_id
    )
    audit.record(actor=request.user, action="download", client=letter.client, target=letter)
    return private_file_response(
        letter.file, filename=letter.original_name, content_type=letter.content_type
    )
