"""All tables, imported together so metadata and migrations see every one."""

from .accounts import Account, Contact
from .audit import AuditEvent
from .auth import LoginAttempt, LoginChallenge, PortalSession, StaffSession, StaffUser
from .business import BusinessSettings
from .documents import Document, DocumentFolder, DocumentSettings, DocumentView
from .messages import MessageAttachment, MessageSettings, MessageThread, ThreadMessage
from .notifications import Notification, NotificationSeen
from .notify import OutboundMessage
from .portal_actions import PortalAction

__all__ = [
    "Account",
    "AuditEvent",
    "BusinessSettings",
    "Contact",
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
    "PortalAction",
    "PortalSession",
    "StaffSession",
    "StaffUser",
    "ThreadMessage",
]
