"""Scheduling's pages: booking, the appointment page, the waitlist, calendars, free slots,
working hours and time off, and the iCalendar feeds."""

from django.urls import path

from scheduling.views import appointments, booking_requests, calendars, feeds, offers, online

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
    # Waitlist offers (views/offers.py): the mailed single-use link, and the portal's way in.
    path("offers/<str:token>/", offers.offer_link, name="offer_link"),
    path("portal/offers/<uuid:offer_id>/", offers.portal_offer, name="portal_offer"),
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

# New clients' requests: the public page and the front desk's answer (views/booking_requests.py).
booking_request_patterns = [
    path("book/request/", booking_requests.booking_request_new, name="booking_request_new"),
    path(
        "book/request/thanks/",
        booking_requests.booking_request_thanks,
        name="booking_request_thanks",
    ),
    path("booking-requests/", booking_requests.booking_requests, name="booking_requests"),
    path(
        "booking-requests/<uuid:request_id>/",
        booking_requests.booking_request_detail,
        name="booking_request_detail",
    ),
    path(
        "booking-requests/<uuid:request_id>/approve/",
        booking_requests.booking_request_approve,
        name="booking_request_approve",
    ),
    path(
        "booking-requests/<uuid:request_id>/link/",
        booking_requests.booking_request_link,
        name="booking_request_link",
    ),
    path(
        "booking-requests/<uuid:request_id>/decline/",
        booking_requests.booking_request_decline,
        name="booking_request_decline",
    ),
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

urlpatterns = [
    *appointment_patterns,
    *schedule_patterns,
    *feed_patterns,
    *booking_request_patterns,
    *online_patterns,
]
