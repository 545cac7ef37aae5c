"""All tables, imported together so metadata and migrations see every one."""

from .accounts import Account, Contact
from .audit import AuditEvent
from .auth import LoginAttempt, LoginChallenge, PortalSession, StaffSession, StaffUser
from .bookings import (Booking, BookingException, BookingHours, BookingService, BookingServiceAccount,
                       BookingSettings, BookingSlotClaim)
from .business import BusinessSettings
from .notify import OutboundMessage

__all__ = [
    "Account",
    "AuditEvent",
    "Booking",
    "BookingException",
    "BookingHours",
    "BookingService",
    "BookingServiceAccount",
    "BookingSettings",
    "BookingSlotClaim",
    "BusinessSettings",
    "Contact",
    "LoginAttempt",
    "LoginChallenge",
    "OutboundMessage",
    "PortalSession",
    "StaffSession",
    "StaffUser",
]
