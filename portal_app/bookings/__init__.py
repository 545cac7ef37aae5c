"""Bookings: services, opening hours, free slots, the customer's appointments, the staff calendar, reminders."""

from portal_app.core import registries

# The portal action kind this feature serves: a dashboard button of that kind leads here.
registries.action_destination("book", "/bookings/new")


@registries.business_zone
def _opening_hours_zone(db) -> str:
    """The business's zone is its opening hours' (read only: the settings row is made on first use)."""
    from portal_app.bookings.models import BookingSettings

    row = db.get(BookingSettings, 1)
    return row.time_zone if row is not None else BookingSettings.model_fields["time_zone"].default

from portal_app.bookings import personal_data  # noqa: E402,F401  (what it holds about a contact, for the GDPR space)
