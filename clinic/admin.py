"""Django admin: staff accounts and directories for the clinic admin. Client records are not
registered here: they are read only through the app's views, which check access and audit."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import reverse
from django.utils.html import format_html
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.date_formats import day_time
from clinic.mfa.services import mfa_reset
from clinic.models import (
    AppointmentType,
    AuditEntry,
    OutboundMail,
    Physician,
    Room,
    Therapist,
    User,
)
from clinic.security.services import user_sessions_end
from clinic.services.outbox import mail_resend

# django-otp registers its device models; a user's second factor is set up, turned off and
# reset only through clinic/mfa/services.py, which audits each step (the reset is the action
# on the staff accounts page below), and a secret is never shown again after set-up.
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class TherapistInline(admin.StackedInline):
    model = Therapist
    can_delete = False
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "is_active", "last_login")
    list_filter = ("role", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password", "role")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "role", "email", "password1", "password2"),
            },
        ),
    )
    inlines = [TherapistInline]
    actions = ["end_all_sessions", "reset_two_factor"]

    def get_inlines(self, request, obj):
        return [TherapistInline] if obj is not None and obj.role == "therapist" else []

    @admin.action(description="Reset two-factor sign-in")
    def reset_two_factor(self, request, queryset):
        # For a lost phone: the service checks the actor is the clinic admin and audits each.
        reset = sum(mfa_reset(actor=request.user, user=user) for user in queryset)
        self.message_user(
            request, f"Reset two-factor sign-in for {reset} of {len(queryset)} user(s)."
        )

    @admin.action(description="End all sessions")
    def end_all_sessions(self, request, queryset):
        ended = sum(user_sessions_end(actor=request.user, user=user) for user in queryset)
        self.message_user(
            request, f"Ended {ended} session(s) of {len(queryset)} user(s).", messages.SUCCESS
        )

    def save_model(self, request, obj, form, change):
        # Deactivating here ends the sessions in the admin's name; the post_save signal would
        # otherwise do it as "system" (clinic/signals.py), and then finds nothing left to end.
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_sessions_end(actor=request.user, user=obj)
        super().save_model(request, obj, form, change)


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


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    """The clinic admin sets which types exist and how long each lasts."""

    list_display = ("name", "duration_minutes", "is_active")
    list_editable = ("duration_minutes", "is_active")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")
    list_editable = ("is_active",)


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
