"""The team page's state (`/team`): an account administrator's colleagues, "Give access", rights."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal_app.core import i18n, notify
from portal_app.core.models.accounts import MODULES
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.handlers import parse_id, portal_event
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import PageMessage
from portal_app.privacy import team


@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str
    email: str
    role: str
    rights: list[str]
    active: bool
    invited: str
    last_login: str
    is_me: bool


def _rights_of(form: dict) -> list[str]:
    return [m for m in MODULES if form.get(f"right_{m}")]


class TeamState(Dialogs, PageMessage, PortalState):
    members: list[TeamRow] = []
    # The rights the administrator holds: the only ones the forms offer.
    own_rights: list[str] = []
    editing_id: int = 0
    edit_role: str = "member"
    edit_rights: list[str] = []
    notice_key: str = ""

    @rx.var
    def notice_text(self) -> str:
        return i18n.t(self.lang or "en", self.notice_key) if self.notice_key else ""

    def _list(self, db, ctx) -> None:
        lang = self.lang or ctx.language
        self._set(own_rights=[m for m in MODULES if m in ctx.rights], members=[
            TeamRow(m.id, m.name, m.email, m.role, list(m.rights), m.active,
                    i18n.format_datetime(m.invited_at, lang) if m.invited_at else "",
                    i18n.format_datetime(m.last_login_at, lang) if m.last_login_at else "", m.is_me)
            for m in team.list_team(db, ctx)])

    def _clear(self) -> None:
        self.members = []

    @portal_event
    def load_team(self, db, ctx):
        self._set(error_key="", notice_key="", dialog="")
        self._list(db, ctx)

    @portal_event
    def edit_member(self, db, ctx, contact_id: int):
        """0: the "Give access" form for a new colleague; else a listed colleague's rights."""
        self._set(error_key="", notice_key="")
        row = None if str(contact_id) == "0" else team.get_member(db, ctx, parse_id(contact_id))
        self._set(editing_id=row.id if row else 0, edit_role=row.role if row else "member",
                  edit_rights=list(row.rights) if row else [], dialog="member")

    @portal_event(impersonated="refuse")
    def save_member(self, db, ctx, form: dict):
        role, rights = str(form.get("role", "")), _rights_of(form)
        if self.editing_id:
            team.set_access(db, ctx, parse_id(self.editing_id), role=role, rights=rights)
            notice = "team.saved"
        else:
            _, deliveries = team.invite(db, ctx, email=str(form.get("email", ""))[:254],
                                        first_name=str(form.get("first_name", "")),
                                        last_name=str(form.get("last_name", "")), role=role, rights=rights,
                                        language=ctx.language)
            notify.dispatch_after_commit(db, deliveries)
            notice = "team.invited"
        self._set(dialog="", notice_key=notice, error_key="")
        self._list(db, ctx)

    @portal_event(impersonated="refuse")
    def remove_access(self, db, ctx, contact_id: int):
        self._set(error_key="", notice_key="")
        team.deactivate(db, ctx, parse_id(contact_id))
        self._set(notice_key="team.removed")
        self._list(db, ctx)

    @portal_event(impersonated="refuse")
    def resend_access(self, db, ctx, contact_id: int):
        self._set(error_key="", notice_key="")
        notify.dispatch_after_commit(db, team.resend_access(db, ctx, parse_id(contact_id)))
        self._set(notice_key="team.sent")
        self._list(db, ctx)
