"""The staff console's session and its login (password, then TOTP)."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from portal_app.core.config import get_settings
from portal_app.core import permissions, registries
from portal_app.core.db import session_scope
from portal_app.core.auth import staff
from portal_app.core.errors import DomainError
from portal_app.core.auth.staff import StaffContext
from portal_app.core.states.handlers import public_event, run_page_loads, staff_event
from portal_app.core.states.site import SiteState

STAFF_COOKIE = "guichet_staff"
# Key in the database session's `info`: the staff session a console page's opening event resolved.
_OPENED = "guichet.staff_opened"


class StaffState(SiteState):
    # The browser's own console token; the server keeps only its hash.
    staff_sid: str = rx.Cookie("", name=STAFF_COOKIE, same_site="strict", secure=get_settings().secure_cookies,
                               max_age=staff.STAFF_ABSOLUTE_SECONDS)
    staff_authed: bool = False
    staff_name: str = ""
    staff_role: str = ""
    # The console areas this staff member's role may open: the navigation and the pages show only these.
    staff_areas: list[str] = []
    # Every permission the role holds ("billing.write", …): pages hide the buttons of the others.
    staff_permissions: list[str] = []
    # The part of the console a state serves (`core/permissions.py`): its handlers' "read" and "write"
    # are this area's. Each console state declares it.
    area: ClassVar[str | None] = None

    def _staff(self, db) -> StaffContext:
        """Every console handler starts here: no live, fully authenticated staff session, no action."""
        token, ctx = db.info.get(_OPENED, (None, None))
        if token is None or token != self.staff_sid:
            ctx = staff.resolve(db, self.staff_sid)
        self._set(staff_authed=ctx is not None)
        if ctx is None:
            raise DomainError("error.session_over")
        self._set(staff_name=ctx.name, staff_role=ctx.role, staff_areas=permissions.readable_areas(ctx.role),
                  staff_permissions=permissions.held(ctx.role))
        self._use_zone(db, ctx.time_zone)
        return ctx

    _actor = _staff  # what the handler helper calls: the console's actor

    def _authorise(self, db, ctx: StaffContext, rule, name: str) -> None:
        """The handler helper's second check, before the handler's first line: the role's permission."""
        permissions.require(db, ctx, permissions.resolve(rule.permission, self.area), f"{type(self).__name__}.{name}")

    def _open_console(self, db) -> bool:
        """A console page opens: branding, then the staff session (resolved once; the page's loads
        reuse it on this database session)."""
        self.flash_key = ""
        self._load_branding(db)
        return self._console_session(db)

    def _console_session(self, db) -> bool:
        """The staff session resolved once on this database session (the page's loads reuse it)."""
        db.info[_OPENED] = (self.staff_sid, staff.resolve(db, self.staff_sid))
        try:
            self._staff(db)
        except DomainError:
            return False
        return True

    @public_event
    def admin_load(self, db):
        """on_load of a console page, alone: no full staff session, off to the console login."""
        if not self._open_console(db):
            return rx.redirect("/admin/login")

    @public_event
    def open_page(self, db, route: str):
        """The one load event of every console page (`admin_page`): branding and the staff session (none:
        off to the console login, nothing of the page runs), then the page's own loads, in this event
        and this database session (`run_page_loads`)."""
        if not self._open_console(db):
            return rx.redirect("/admin/login")
        page = registries.page_load(route, ("staff",))
        return [*run_page_loads(self, db, page.loads if page else ()), *self._ask_device_zone(route)] or None

    @staff_event("me.read")
    def set_device_zone(self, db, ctx, name: str, route: str = ""):
        """The browser's own zone (asked once per tab): the console page at `route` loads again in it
        when it changes the zone times are shown in."""
        if self._device_zone_reported(db, name, ctx.time_zone):
            return self._relabel_page(db, route, ("staff",))

    @staff_event("me.write")
    def save_time_zone(self, db, ctx, form: dict):
        """A staff member's own time zone ("" = as this device); the console page at `route` loads again."""
        name = staff.set_time_zone(db, ctx, form.get("time_zone", ""))
        self._use_zone(db, name)
        self._flash("zone.saved")
        return self._relabel_page(db, form.get("route", ""), ("staff",))

    @public_event
    def choose_language(self, db, lang: str, route: str = ""):
        """The console's picker: switches live, and the console page at `route` loads again in the new
        language (`_relabel_page`) when a full staff session is behind it."""
        if not self._on_offer(lang):
            return
        self._set(lang=lang, lang_pref=lang)
        return self._relabel_page(db, route, ("staff",)) if self._console_session(db) else None

    async def _open_portal_as(self, ctx: StaffContext, contact_id: int):
        """Impersonation: open the customer portal in this tab as the contact (audited, with its banner);
        the portal session ends with this console session."""
        from portal_app.core.auth import impersonation
        from portal_app.core.states.portal import PortalState

        with session_scope() as db:
            token = impersonation.start(db, ctx, contact_id, self._client_ip())
        portal = await self.get_state(PortalState)
        portal.portal_sid, portal._exit_to = token, ""
        return rx.redirect("/")

    @public_event
    async def staff_logout(self):
        with session_scope() as db:
            staff.logout(db, self.staff_sid)
        # Nothing the console showed stays in this tab's state (it would be sent again on reload).
        pending = list(StaffState.get_substates())
        while pending:
            console_state = pending.pop()
            pending.extend(console_state.get_substates())
            (await self.get_state(console_state)).reset()
        self.reset()
        return [rx.remove_cookie(STAFF_COOKIE, {"path": "/"}), rx.redirect("/admin/login")]
