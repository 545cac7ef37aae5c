"""The customer's dashboard: what is new (notices, new documents) and the business's portal actions."""

from __future__ import annotations

import reflex as rx

from ..db import session_scope
from ..services import documents, i18n, notifications, portal_actions
from ..services.errors import DomainError
from .portal import PortalState


class DashboardState(PortalState):
    news: list[dict[str, str]] = []
    new_docs: list[dict[str, str]] = []
    actions: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    def load_dashboard(self):
        try:
            with session_scope() as db:
                ctx = self._require(db)
                lang = self.lang or ctx.language
                items = notifications.recent(db, ctx, lang)
                docs = documents.newest_unseen(db, ctx)
                shown = portal_actions.visible_actions(db, ctx, lang)
                # Shown once, then no longer counted as unread (still listed, without the mark).
                notifications.mark_seen(db, ctx, max((n.id for n in items), default=0))
        except DomainError:
            return
        # Only what changed is assigned: Reflex sends every assigned var.
        self._set(
            news=[{"text": n.text, "link": n.link, "when": i18n.format_date(n.created_at, lang),
                   "unread": "1" if n.unread else ""} for n in items],
            new_docs=[{"id": str(d.id), "title": d.title, "when": i18n.format_date(d.created_at, lang),
                       "size": i18n.format_size(d.size_bytes, lang), "inline": "1" if d.inline else ""} for d in docs],
            actions=[{"id": str(a.id), "label": a.label, "icon": a.icon, "href": a.href,
                      "external": "1" if a.external else "", "kind": a.kind} for a in shown],
            loaded=True,
        )
