"""Bookings: services, opening hours, free slots, the customer's appointments, the staff calendar, reminders."""

from portal_app.bookings.models import BookingSettings
from portal_app.core import registries
from portal_app.core.db import SharedRead

# The portal action kind this feature serves: a dashboard button of that kind leads here.
registries.action_destination("book", "/bookings/new")


def _read_opening_hours_zone(db) -> str:
    """The business's zone is its opening hours' (read only: the settings row is made on first use)."""
    row = db.get(BookingSettings, 1)
    return row.time_zone if row is not None else BookingSettings.model_fields["time_zone"].default


# Read by every event of a reader whose device has not told its zone yet (SharedRead: this worker sees a
# change once committed, another within seconds).
_opening_hours_zone = registries.business_zone(SharedRead(_read_opening_hours_zone, BookingSettings))

from portal_app.bookings import personal_data  # noqa: E402,F401  (what it holds about a contact, for the GDPR space)
