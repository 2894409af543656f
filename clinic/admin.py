"""Django admin: the physician directory, the audit trail and the outbox for the clinic admin
(staff accounts are in accounts/admin.py). Client records are not registered here: they are
read only through the app's views, which check access and audit."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from clinic.date_formats import day_time
from clinic.models import AuditEntry, OutboundMail, Physician
from clinic.services.outbox import mail_resend


@admin.register(Physician)
class PhysicianAdmin(admin.ModelAdmin):
    list_display = ("last_name", "first_name", "specialty", "organisation", "user", "portal")
    search_fields = ("last_name", "first_name", "organisation")
    raw_id_fields = ("user",)

    @admin.display(description="Portal")
    def portal(self, obj):
        # Invitations are sent by the app's own page (service, audit, mail), not from here.
        if obj.user_id:
            return "Has an account"
        url = reverse("physician_invite", kwargs={"physician_id": obj.pk})
        return format_html('<a href="{}">Invite to the portal</a>', url)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only everywhere."""

    list_display = ("when", "actor_label", "what", "client", "ip_address")
    list_filter = ("action",)
    list_select_related = ("client",)

    @admin.display(description="When", ordering="at")
    def when(self, entry):
        return day_time(entry.at)  # clinic time, as the trail's other lists show it

    @admin.display(description="What")
    def what(self, entry):
        return entry.what

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboundMail)
class OutboundMailAdmin(admin.ModelAdmin):
    """The outbox's backlog: read-only (rows change only by delivery); failed mails can be
    sent again through the same service as the staff pages (audited)."""

    list_display = ("created_at", "kind", "recipient", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "kind")
    search_fields = ("recipient",)
    date_hierarchy = "created_at"
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again (mails that could not be delivered)")
    def send_again(self, request, queryset):
        resent = 0
        for mail in queryset.filter(status=OutboundMail.Status.FAILED):
            mail_resend(actor=request.user, mail=mail)
            resent += 1
        self.message_user(request, f"{resent} of {len(queryset)} mail(s) will be sent again.")
