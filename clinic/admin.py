"""Django admin: staff accounts and directories for the clinic admin. Client records are not
registered here: they are read only through the app's views, which check access and audit."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.urls import reverse
from django.utils.html import format_html

from clinic.models import AppointmentType, AuditEntry, Physician, Room, Therapist, User


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

    def get_inlines(self, request, obj):
        return [TherapistInline] if obj is not None and obj.role == "therapist" else []


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

    list_display = ("at", "actor_label", "action", "client", "object_type", "ip_address")
    list_filter = ("action",)
    list_select_related = ("client",)

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
