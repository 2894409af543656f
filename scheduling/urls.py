"""Scheduling's pages: booking, the appointment page, the waitlist, calendars, free slots,
working hours and time off, and the iCalendar feeds."""

from django.urls import path

from scheduling.views import appointments, calendars, feeds, online

# Appointments, series and the waitlist (views/appointments.py).
appointment_patterns = [
    path("appointments/new/", appointments.appointment_new, name="appointment_new"),
    path(
        "appointments/<uuid:appointment_id>/",
        appointments.appointment_detail,
        name="appointment_detail",
    ),
    path(
        "appointments/<uuid:appointment_id>/reschedule/",
        appointments.appointment_reschedule,
        name="appointment_reschedule",
    ),
    path(
        "appointments/<uuid:appointment_id>/cancel/",
        appointments.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "appointments/<uuid:appointment_id>/status/",
        appointments.appointment_status,
        name="appointment_status",
    ),
    path(
        "portal/appointments/<uuid:appointment_id>/calendar.ics",
        appointments.portal_appointment_ics,
        name="portal_appointment_ics",
    ),
    path(
        "portal/appointments/<uuid:appointment_id>/cancel/",
        appointments.portal_appointment_cancel,
        name="portal_appointment_cancel",
    ),
    path("waitlist/", appointments.waitlist_list, name="waitlist"),
    path("clients/<uuid:client_id>/waitlist/new/", appointments.waitlist_new, name="waitlist_new"),
    path(
        "waitlist/<uuid:entry_id>/resolve/", appointments.waitlist_resolve, name="waitlist_resolve"
    ),
]

# Calendars, free-slot finder, working hours and time off (views/calendars.py).
schedule_patterns = [
    path("schedule/day/", calendars.schedule_day, name="schedule_day"),
    path(
        "schedule/therapists/<uuid:therapist_id>/week/",
        calendars.schedule_week,
        name="schedule_week",
    ),
    path("schedule/free-slots/", calendars.free_slot_finder, name="free_slot_finder"),
    path(
        "schedule/therapists/<uuid:therapist_id>/hours/",
        calendars.therapist_hours,
        name="therapist_hours",
    ),
]

# iCalendar feeds (views/feeds.py).
feed_patterns = [
    path("calendar/<str:token>.ics", feeds.therapist_calendar_feed, name="therapist_calendar_feed"),
]

# Clients booking and moving in the portal, and the admin's rules (views/online.py).
online_patterns = [
    path("portal/book/", online.portal_book, name="portal_book"),
    path(
        "portal/appointments/<uuid:appointment_id>/move/",
        online.portal_appointment_move,
        name="portal_appointment_move",
    ),
    path("settings/online-booking/", online.online_booking_rules, name="online_booking_rules"),
]

urlpatterns = [*appointment_patterns, *schedule_patterns, *feed_patterns, *online_patterns]
