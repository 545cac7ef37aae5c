"""Bookings' demo data: two bookable services with opening hours."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from portal_app.bookings import rules
from portal_app.bookings.models import BookingService
from portal_app.core import clock, registries


@registries.demo_seeder(order=10)
def seed_demo(db, _ctx) -> None:
    """Two services for the demo business, when it has none."""
    rules.get_booking_settings(db)
    if db.exec(select(func.count()).select_from(BookingService)).one():
        return
    db.add(BookingService(names={"en": "Installation visit", "fr": "Visite d'installation",
                                 "de": "Installationstermin"}, duration_minutes=60, buffer_minutes=15,
                          price_minor=9000, currency="EUR", show_price=True, position=1, created_at=clock.now()))
    db.add(BookingService(names={"en": "Phone consultation", "fr": "Conseil par téléphone",
                                 "de": "Telefonberatung"}, duration_minutes=30, position=2, created_at=clock.now()))
    db.flush()
