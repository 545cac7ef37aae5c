"""What bookings hold about a contact, for the GDPR space (`registries.personal_data`): their
appointments (service, times, status, their note). Erasure empties the notes they wrote; the bookings
themselves stay (the business's calendar and what it billed), tied to the anonymised contact."""

from __future__ import annotations

from sqlmodel import Session, select

from portal_app.bookings.models import Booking, BookingService
from portal_app.core import registries


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def collect(db: Session, contact):
    rows = db.exec(select(Booking, BookingService).join(BookingService, BookingService.id == Booking.service_id)
                   .where(Booking.contact_id == contact.id).order_by(Booking.starts_at)).all()
    return {"bookings": [{"service": s.names, "starts_at": _iso(b.starts_at), "ends_at": _iso(b.ends_at),
                          "status": b.status, "note": b.note, "booked_at": _iso(b.created_at)}
                         for b, s in rows]}, []


def erase(db: Session, contact, actor) -> None:
    for booking in db.exec(select(Booking).where(Booking.contact_id == contact.id, Booking.note != "")).all():
        booking.note = ""
        db.add(booking)
    db.flush()


registries.personal_data(registries.PersonalData("bookings", collect, erase))
