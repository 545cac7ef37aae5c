"""Bookings: telling the customer (email or SMS), reminders, and the calendar file."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, update
from sqlmodel import Session, select

from portal_app.bookings.models import Booking, BookingService, BookingSlotClaim
from portal_app.bookings.models import (CELL_MINUTES, STATUS_CANCELLED, STATUS_COMPLETED, STATUS_CONFIRMED,
                                        STATUS_REQUESTED)
from portal_app.bookings.rules import service_name, zone
from portal_app.core import audit, clock, notify, zones
from portal_app.core.business import branding, business_view
from portal_app.core.config import get_settings
from portal_app.core.i18n import format_long_date, format_time_of_day, shipped_languages, t
from portal_app.core.models.accounts import Contact
from portal_app.core.models.auth import StaffUser

REMINDER_BATCH = 200
# Claims of appointments older than this are released by the job (nothing can be booked there).
CLAIM_KEEP_HOURS = 24

# ---- telling the customer ---------------------------------------------------------------------------

# Events with a calendar file to add; the others link to the bookings page.
_ICS_EVENTS = (STATUS_CONFIRMED, STATUS_REQUESTED, "moved", "reminder")


def changed(db: Session, actor: audit.Actor, b: Booking, action: str, event: str, *, by_staff: bool,
            on_behalf: str = "", **details) -> tuple[Booking, list[notify.Delivery]]:
    """A change to a booking: written, recorded in the audit log, and told to the customer. `on_behalf`:
    the name of the staff member who did it in the portal as the contact (the message says so)."""
    db.add(b)
    db.flush()
    if on_behalf:
        details["on_behalf_of_contact"] = b.contact_id
    audit.record(db, actor, action, target_type="booking", target_id=b.id, account_id=b.account_id, **details)
    return b, tell(db, b, event, by_staff=by_staff, on_behalf=on_behalf)


def staff_names(db: Session, bookings) -> dict[int, str]:
    """The names of the staff members who booked or changed these bookings as the contact."""
    ids = {i for b in bookings for i in (b.booked_by_staff_id, b.changed_by_staff_id) if i}
    if not ids:
        return {}
    return {u.id: u.name or u.email for u in db.exec(select(StaffUser).where(StaffUser.id.in_(ids)))}


def on_behalf(b: Booking, contact_name: str, names: dict[int, str], lang: str) -> tuple[str, str]:
    """("<staff> for <contact>" when staff booked it in the portal as the contact, else "";
    "Last changed by <staff> for <contact>" when staff last moved or cancelled it so, else "")."""
    booked = (t(lang, "bookings.by_for", staff=names.get(b.booked_by_staff_id, "?"), contact=contact_name)
              if b.booked_by_staff_id else "")
    change = (t(lang, "bookings.changed_by_for", staff=names.get(b.changed_by_staff_id, "?"), contact=contact_name)
              if b.changed_by_staff_id else "")
    return booked, change


def describe_when(value: datetime, lang: str, tz_name: str, *, with_zone: bool = False) -> str:
    """'Tuesday, 14 April 2026, 10:00' in the zone given; `with_zone`: '…, 10:00 CEST' (messages, read
    away from the portal, say which zone the time is in)."""
    tz = zone(tz_name)
    text = f"{format_long_date(value.astimezone(tz).date(), lang)}, {format_time_of_day(value, lang, tz)}"
    return f"{text} {zones.abbreviation(value, tz_name)}" if with_zone else text


def ics_path(booking_id: int) -> str:
    return f"/api/bookings/{booking_id}.ics"


def tell(db: Session, b: Booking, event: str, *, by_staff: bool, on_behalf: str = "") -> list[notify.Delivery]:
    """Queue the message for one change, in the contact's language. Staff changes and reminders go by
    SMS when the contact has a mobile (email if the SMS fails); the customer's own actions are
    confirmed by email, which carries the calendar link."""
    contact = db.get(Contact, b.contact_id)
    if contact is None or not contact.active:
        return []
    biz = business_view(db)
    lang = contact.language if contact.language in shipped_languages() else biz.default_language
    brand = branding(db)
    svc = db.get(BookingService, b.service_id)
    # The contact's own zone when they chose one, else the business's when booked (no device to ask).
    shown_zone = contact.time_zone if zones.is_zone(contact.time_zone) else b.time_zone
    params = {
        "name": contact.first_name or contact.full_name,
        "service": service_name(svc, lang, biz.default_language),
        "when": describe_when(b.starts_at, lang, shown_zone, with_zone=True),
        "zone": shown_zone.replace("_", " "),
        "bookings_url": notify.portal_url("/bookings"),
    }
    template = f"booking_{event}"
    link = notify.portal_url(ics_path(b.id) if event in _ICS_EVENTS else "/bookings")
    note = (t(lang, "bookings.on_behalf_note", staff=on_behalf, business=brand.name, contact=contact.full_name)
            if on_behalf else "")
    mail = notify.render_email(template, lang, brand, link=link, note=note, **params)
    if by_staff and contact.mobile and get_settings().sms_provider != "none":
        text = notify.render_sms(template, lang, brand, **params)
        return [notify.queue_sms(db, to=contact.mobile, template=template, language=lang, text=text,
                                 sender_name=brand.sender_name, contact_id=contact.id, account_id=b.account_id,
                                 fallback_email=(contact.email, mail))]
    return [notify.queue_email(db, to=contact.email, template=template, language=lang, rendered=mail,
                               sender_name=brand.sender_name, contact_id=contact.id, account_id=b.account_id)]


# ---- reminders --------------------------------------------------------------------------------------


def send_due_reminders(db: Session, now: datetime) -> list[notify.Delivery]:
    """Claim every reminder that is due and not sent, and queue its message in the same transaction.

    The claim is a conditional UPDATE (`reminder_sent_at IS NULL`) checked by its row count, so two
    workers running this at once never both send one reminder: on PostgreSQL the second waits for the
    first's row lock and then finds it claimed; SQLite serialises writers. The caller commits, then
    dispatches. A claimed reminder leaves the schedule (reminder_due_at back to NULL), so the indexed
    "due" range stays as small as what is pending. A reminder whose appointment has already started
    (the server was down) is dropped, not sent late.
    """
    due = db.exec(select(Booking.id, Booking.starts_at).where(
        Booking.reminder_due_at <= now, Booking.reminder_sent_at.is_(None), Booking.status == STATUS_CONFIRMED,
    ).order_by(Booking.reminder_due_at).limit(REMINDER_BATCH)).all()
    deliveries: list[notify.Delivery] = []
    for booking_id, starts_at in due:
        pending = (Booking.id == booking_id) & Booking.reminder_sent_at.is_(None) & \
            (Booking.status == STATUS_CONFIRMED)
        if starts_at <= now:
            db.exec(update(Booking).where(pending).values(reminder_due_at=None))
            continue
        claimed = db.exec(update(Booking).where(pending).values(reminder_sent_at=now, reminder_due_at=None)).rowcount
        if claimed != 1:
            continue
        b = db.get(Booking, booking_id, populate_existing=True)
        deliveries += tell(db, b, "reminder", by_staff=True)
    db.flush()
    return deliveries


def release_past_claims(db: Session, now: datetime) -> int:
    """Forget the calendar cells of appointments long over (nothing can be booked in the past)."""
    limit = int((now - timedelta(hours=CLAIM_KEEP_HOURS)).timestamp()) // (CELL_MINUTES * 60)
    return db.exec(delete(BookingSlotClaim).where(BookingSlotClaim.resource == "main",
                                                  BookingSlotClaim.cell < limit)).rowcount



# ---- calendar file ----------------------------------------------------------------------------------

_ICS_STATUS = {STATUS_REQUESTED: "TENTATIVE", STATUS_CONFIRMED: "CONFIRMED", STATUS_COMPLETED: "CONFIRMED",
               STATUS_CANCELLED: "CANCELLED"}



def build_ics(db: Session, b: Booking, lang: str) -> bytes:
    from icalendar import Calendar, Event

    biz = business_view(db)
    svc = db.get(BookingService, b.service_id)
    host = urlsplit(get_settings().base_url).hostname or "guichet"
    cal = Calendar()
    cal.add("prodid", "-//Guichet//Bookings//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{b.id}@{host}")
    event.add("dtstamp", clock.now())
    event.add("dtstart", b.starts_at)
    event.add("dtend", b.ends_at)
    event.add("sequence", b.sequence)
    event.add("status", _ICS_STATUS.get(b.status, "CONFIRMED"))
    event.add("summary", f"{service_name(svc, lang, biz.default_language)} · {biz.name}")
    event.add("description", t(lang, "bookings.ics_description", business=biz.name,
                               url=notify.portal_url("/bookings")))
    event.add("url", notify.portal_url("/bookings"))
    cal.add_component(event)
    return cal.to_ical()


