"""Bookings: services, opening hours, free slots, the customer's appointments, the staff calendar, reminders."""

from portal_app.core import registries

# The portal action kind this feature serves: a dashboard button of that kind leads here.
registries.action_destination("book", "/bookings/new")
