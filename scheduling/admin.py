from django.contrib import admin

from scheduling.models import AppointmentType, Room


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    """The clinic admin sets which types exist and how long each lasts."""

    list_display = ("name", "duration_minutes", "is_active")
    list_editable = ("duration_minutes", "is_active")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active")
    list_editable = ("is_active",)
