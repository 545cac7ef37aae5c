"""All tables, imported together so metadata and migrations see every one."""

from .accounts import Account, Contact
from .audit import AuditEvent
from .auth import LoginAttempt, LoginChallenge, PortalSession, StaffSession, StaffUser
from .bookings import (Booking, BookingException, BookingHours, BookingService, BookingServiceAccount,
                       BookingSettings, BookingSlotClaim)
from .billing import (BillingSettings, ConsumptionFile, Invoice, InvoiceCounter, InvoiceLine, Payment,
                      PaymentAllocation, StripeEvent)
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
    "BillingSettings",
    "BusinessSettings",
    "ConsumptionFile",
    "Contact",
    "Invoice",
    "InvoiceCounter",
    "InvoiceLine",
    "LoginAttempt",
    "LoginChallenge",
    "OutboundMessage",
    "Payment",
    "PaymentAllocation",
    "PortalSession",
    "StaffSession",
    "StaffUser",
    "StripeEvent",
]
