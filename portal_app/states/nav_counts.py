"""Unread counts beside navigation links: loaded when the badge appears, so no page load pays for them."""

from __future__ import annotations

import reflex as rx

from ..db import session_scope
from ..services import documents, messages
from .portal import PortalState
from .staff import StaffState


class PortalCountsState(PortalState):
    unread_messages: int = 0
    new_documents: int = 0

    @rx.event
    def load_message_count(self):
        with session_scope() as db:
            ctx = self._resolve(db)
            count = messages.unread_count(db, ctx) if ctx else 0
        if count != self.unread_messages:
            self.unread_messages = count

    @rx.event
    def load_document_count(self):
        with session_scope() as db:
            ctx = self._resolve(db)
            count = documents.new_count(db, ctx) if ctx else 0
        if count != self.new_documents:
            self.new_documents = count


class ConsoleCountsState(StaffState):
    inbox_unread: int = 0

    @rx.event
    def load_inbox_count(self):
        from ..services import staff

        with session_scope() as db:
            who = staff.resolve(db, self.staff_sid)
            count = messages.staff_unread_count(db) if who else 0
        if count != self.inbox_unread:
            self.inbox_unread = count
