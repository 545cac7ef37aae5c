"""The customer's dashboard: what is new (notices, new documents) and the business's portal actions."""

from __future__ import annotations

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core import i18n, notifications, registries
from portal_app.dashboard import actions as portal_actions
from portal_app.core.errors import DomainError
from portal_app.core.states.portal import PortalState


class DashboardState(PortalState):
    news: list[dict[str, str]] = []
    actions: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    def load_dashboard(self):
        try:
            with session_scope() as db:
                ctx = self._require(db)
                lang = self.lang or ctx.language
                items = notifications.recent(db, ctx, lang)
                shown = portal_actions.visible_actions(db, ctx, lang)
                # Shown once, then no longer counted as unread (still listed, without the mark).
                notifications.mark_seen(db, ctx, max((n.id for n in items), default=0))
        except DomainError:
            return
        # Only what changed is assigned: Reflex sends every assigned var.
        self._set(
            news=[{"text": n.text, "link": n.link, "when": i18n.format_date(n.created_at, lang),
                   "unread": "1" if n.unread else ""} for n in items],
            actions=[{"id": str(a.id), "label": a.label, "icon": a.icon, "href": a.href,
                      "external": "1" if a.external else "", "kind": a.kind} for a in shown],
            loaded=True,
        )
        # Then each card's own data, loaded by the feature that registered it.
        return [card.on_load for card in sorted(registries.HOME_CARDS, key=lambda c: c.order) if card.on_load]
