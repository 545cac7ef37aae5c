"""Bookings: the calendar's settings, opening hours, exceptions, services, bookings and slot claims."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from portal_app.core.models.base import json_dict_field, json_list_field, utc_field

STATUS_REQUESTED = "requested"
STATUS_CONFIRMED = "confirmed"
STATUS_CANCELLED = "cancelled"
STATUS_COMPLETED = "completed"
STATUSES = (STATUS_REQUESTED, STATUS_CONFIRMED, STATUS_CANCELLED, STATUS_COMPLETED)

AUDIENCE_EVERYONE = "everyone"
AUDIENCE_ACCOUNTS = "accounts"

# The calendar is cut into cells of this many minutes; a booking claims every cell it covers.
CELL_MINUTES = 5


class BookingSettings(SQLModel, table=True):
    """One row: the booking rules of the business (kept apart from BusinessSettings)."""

    __tablename__ = "booking_settings"

    id: int | None = Field(default=None, primary_key=True)
    # IANA name; opening hours and exceptions are wall-clock times in this zone.
    time_zone: str = Field(default="Europe/Paris", max_length=64)
    online_booking: bool = True
    allow_reschedule: bool = True
    allow_cancel: bool = True
    book_notice_hours: int = 2
    reschedule_notice_hours: int = 24
    cancel_notice_hours: int = 24
    # False: a customer's booking is confirmed at once; True: it is a request that staff confirm.
    requires_confirmation: bool = False
    reminder_hours: int = 24  # 0: no reminder
    slot_step_minutes: int = 30
    horizon_days: int = 60
    updated_at: datetime | None = utc_field(nullable=True)


class BookingHours(SQLModel, table=True):
    """One opening interval of a weekday, in the business zone's wall-clock time."""

    __tablename__ = "booking_hours"

    id: int | None = Field(default=None, primary_key=True)
    weekday: int = Field(index=True)  # 0 Monday … 6 Sunday
    start_minute: int  # minutes after local midnight
    end_minute: int


class BookingException(SQLModel, table=True):
    """One date that differs from the weekly hours: closed, or open only during its own intervals."""

    __tablename__ = "booking_exception"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    closed: bool = True
    # [[start_minute, end_minute], …] in local wall-clock time; used when not closed.
    hours: list = json_list_field()
    note: str = Field(default="", max_length=200)
    created_at: datetime = utc_field(default_now=True)


class BookingService(SQLModel, table=True):
    __tablename__ = "booking_service"

    id: int | None = Field(default=None, primary_key=True)
    names: dict = json_dict_field()  # {"en": "Consultation", "fr": "Consultation", …}
    duration_minutes: int = 30
    buffer_minutes: int = 0  # kept free after each appointment
    price_minor: int | None = None  # integer minor units of `currency`
    currency: str = Field(default="EUR", max_length=3)
    show_price: bool = False
    audience: str = Field(default=AUDIENCE_EVERYONE, max_length=10)  # everyone | accounts
    active: bool = True
    position: int = 0
    created_at: datetime = utc_field(default_now=True)


class BookingServiceAccount(SQLModel, table=True):
    """The accounts that may book a service whose audience is 'accounts'."""

    __tablename__ = "booking_service_account"

    service_id: int = Field(foreign_key="booking_service.id", primary_key=True)
    account_id: int = Field(foreign_key="account.id", primary_key=True, index=True)


class Booking(SQLModel, table=True):
    __tablename__ = "booking"
    __table_args__ = (sa.Index("ix_booking_account_starts", "account_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    contact_id: int = Field(foreign_key="contact.id", index=True)
    service_id: int = Field(foreign_key="booking_service.id", index=True)
    status: str = Field(default=STATUS_CONFIRMED, max_length=10)
    starts_at: datetime = utc_field(index=True)
    ends_at: datetime = utc_field()
    # ends_at plus the service's buffer: nothing else may start before this.
    blocked_until: datetime = utc_field()
    time_zone: str = Field(max_length=64)  # the business zone when booked
    note: str = Field(default="", max_length=500)
    # iCalendar SEQUENCE: bumped on every change so calendar apps update the event they hold.
    sequence: int = 0
    created_by: str = Field(default="contact", max_length=10)  # contact | staff
    # Staff who booked, or last moved or cancelled, in the portal as the contact (impersonation):
    # shown everywhere as "by <staff> for <contact>".
    booked_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    changed_by_staff_id: int | None = Field(default=None, foreign_key="staff_user.id")
    created_at: datetime = utc_field(default_now=True)
    updated_at: datetime | None = utc_field(nullable=True)
    confirmed_at: datetime | None = utc_field(nullable=True)
    cancelled_at: datetime | None = utc_field(nullable=True)
    # The reminder schedule lives here, so a restart loses nothing.
    reminder_due_at: datetime | None = utc_field(nullable=True, index=True)
    reminder_sent_at: datetime | None = utc_field(nullable=True)


class BookingSlotClaim(SQLModel, table=True):
    """One calendar cell held by a live booking. The unique key makes overlapping bookings impossible,
    whatever the database, however many workers."""

    __tablename__ = "booking_slot_claim"
    __table_args__ = (sa.UniqueConstraint("resource", "cell", name="uq_booking_slot_claim_cell"),)

    id: int | None = Field(default=None, primary_key=True)
    # One calendar today; per-staff calendars would claim under their own resource.
    resource: str = Field(default="main", max_length=40)
    cell: int  # UTC minutes since the Unix epoch // CELL_MINUTES
    booking_id: int = Field(foreign_key="booking.id", index=True)
