"""Django admin: staff accounts (roles, ending sessions, resetting two-factor sign-in)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.mfa.services import mfa_reset
from accounts.services.sessions import user_sessions_end
from clinic.models import Therapist, User

# django-otp registers its device models; a user's second factor is set up, turned off and
# reset only through accounts/mfa/services.py, which audits each step (the reset is the action
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
        # otherwise do it as "system" (accounts/signals.py), and then finds nothing left to end.
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_sessions_end(actor=request.user, user=obj)
        super().save_model(request, obj, form, change)
