"""The customer's dashboard: what is new (notices, new documents) and the business's portal actions."""

from __future__ import annotations

from dataclasses import dataclass

from portal_app.core import i18n, notifications, registries
from portal_app.core.states.handlers import portal_event
from portal_app.core.states.portal import PortalState
from portal_app.dashboard import actions as portal_actions
from portal_app.dashboard.actions import ShownAction


@dataclass(frozen=True)
class NewsRow:
    """One line of "what is new"."""

    text: str
    link: str
    when: str
    unread: bool


class DashboardState(PortalState):
    news: list[NewsRow] = []
    actions: list[ShownAction] = []
    loaded: bool = False

    @portal_event
    def load_dashboard(self, db, ctx):
        lang = self.lang or ctx.language
        items = notifications.recent(db, ctx, lang)
        shown = portal_actions.visible_actions(db, ctx, lang)
        # Shown once, then no longer counted as unread (still listed, without the mark).
        notifications.mark_seen(db, ctx, max((n.id for n in items), default=0))
        # Only what changed is assigned: Reflex sends every assigned var.
        self._set(
            news=[NewsRow(n.text, n.link, i18n.format_date(n.created_at, lang), n.unread) for n in items],
            actions=shown,
            loaded=True,
        )
        # Then each card's own data, loaded by the feature that registered it.
        return [card.on_load for card in sorted(registries.HOME_CARDS, key=lambda c: c.order) if card.on_load]
