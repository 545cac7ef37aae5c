"""All tables, imported together so metadata and migrations see every one."""

from .accounts import Account, Contact
from .audit import AuditEvent
from .auth import LoginAttempt, LoginChallenge, PortalSession, StaffSession, StaffUser
from .bookings import (Booking, BookingException, BookingHours, BookingService, BookingServiceAccount,
                       BookingSettings, BookingSlotClaim)
from .billing import (BillingSettings, ConsumptionFile, Invoice, InvoiceCounter, InvoiceLine, Payment,
                      PaymentAllocation, StripeEvent)
from .business import BusinessSettings
from .documents import Document, DocumentFolder, DocumentSettings, DocumentView
from .messages import MessageAttachment, MessageSettings, MessageThread, ThreadMessage
from .notifications import Notification, NotificationSeen
from .notify import OutboundMessage
from .portal_actions import PortalAction

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
    "Document",
    "DocumentFolder",
    "DocumentSettings",
    "DocumentView",
    "LoginAttempt",
    "LoginChallenge",
    "MessageAttachment",
    "MessageSettings",
    "MessageThread",
    "Notification",
    "NotificationSeen",
    "OutboundMessage",
    "Payment",
    "PaymentAllocation",
    "PortalSession",
    "StaffSession",
    "StaffUser",
    "StripeEvent",
    "PortalAction",
    "PortalSession",
    "StaffSession",
    "StaffUser",
    "ThreadMessage",
]
