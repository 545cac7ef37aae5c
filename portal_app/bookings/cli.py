"""Bookings' demo data: two bookable services with opening hours."""

from __future__ import annotations

from portal_app.bookings import rules as bookings
from portal_app.core import registries


@registries.demo_seeder(order=10)
def seed_demo(db, _ctx) -> None:
    bookings.seed_demo(db)
