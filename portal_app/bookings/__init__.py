"""Bookings: services, opening hours, free slots, the customer's appointments, the staff calendar, reminders."""

from portal_app.core import registries

# The portal action kind this feature serves: a dashboard button of that kind leads here.
registries.action_destination("book", "/bookings/new")

from portal_app.bookings import personal_data  # noqa: E402,F401  (what it holds about a contact, for the GDPR space)
