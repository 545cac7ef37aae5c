"""The customer portal's session: resolved from the cookie on every page load and every handler."""

from __future__ import annotations

import reflex as rx

from portal_app.core.config import get_settings
from portal_app.core.db import session_scope
from portal_app.core import accounts, audit, registries
from portal_app.core.auth import devices, impersonation, sessions as portal_sessions
from portal_app.core.errors import DomainError, Forbidden
from portal_app.core.auth.sessions import PortalContext
from portal_app.core.states.handlers import portal_event, public_event, run_page_loads
from portal_app.core.states.site import SiteState

PORTAL_COOKIE = "guichet_session"
# Key in the database session's `info`: the session a page's opening event resolved (token, context).
_OPENED = "guichet.portal_opened"


class PortalState(SiteState):
    # The browser's own session token (it came from there); the server keeps only its hash.
    portal_sid: str = rx.Cookie("", name=PORTAL_COOKIE, same_site="lax", secure=get_settings().secure_cookies,
                                max_age=portal_sessions.SESSION_ABSOLUTE_SECONDS)
    # Set after a code login: this browser's own login-code budget (core/auth/devices.py). It lives here,
    # not on the login page's state, because logout and expiry empty every page's state and it must stay.
    login_device: str = rx.Cookie("", name=devices.DEVICE_COOKIE, same_site="lax",
                                  secure=get_settings().secure_cookies, max_age=devices.DEVICE_COOKIE_MAX_AGE_SECONDS)
    authed: bool = False
    contact_name: str = ""
    first_name: str = ""
    account_name: str = ""
    role: str = ""
    modules: list[str] = []
    offered_modules: list[str] = []  # what the business offers (modules: what this contact may use)
    impersonating: bool = False
    impersonator_name: str = ""
    notice: str = ""
    _contact_id: int | None = None
    _account_id: int | None = None
    # Where a page of the portal sends a browser whose session just ended on purpose: a page load
    # can still be in flight after logout, and it must go the same way as the logout itself.
    _exit_to: str = ""
    # Set by logout: the login page then says goodbye (read there, on the next load).
    _goodbye: bool = False

    def _resolve(self, db) -> PortalContext | None:
        # A page's opening event resolved it already on this session (`_open_page`): its loads reuse it.
        token, ctx = db.info.get(_OPENED, (None, None))
        if token is not None and token == self.portal_sid:
            return ctx
        return portal_sessions.resolve_session(db, self.portal_sid)

    def _apply(self, ctx: PortalContext | None) -> None:
        self._set(
            authed=ctx is not None,
            _contact_id=ctx.contact_id if ctx else None,
            _account_id=ctx.account_id if ctx else None,
            contact_name=ctx.contact_name if ctx else "",
            first_name=ctx.first_name if ctx else "",
            account_name=ctx.account_name if ctx else "",
            role=ctx.role if ctx else "",
            modules=list(ctx.rights) if ctx else [],
            offered_modules=list(ctx.offered) if ctx else [],
            impersonating=bool(ctx and ctx.impersonating),
            impersonator_name=ctx.impersonator_name if ctx else "",
        )

    def _require(self, db) -> PortalContext:
        """Every customer handler starts here: no live session, no action."""
        ctx = self._resolve(db)
        self._apply(ctx)
        if ctx is None:
            raise DomainError("error.session_over")
        self._use_zone(db, ctx.time_zone)
        return ctx

    _actor = _require  # what the handler helper calls: the customer's actor

    def _authorise(self, db, ctx: PortalContext, rule, name: str) -> None:
        """The handler helper's second check: a handler declared `impersonated="refuse"` is the
        customer's own act (paying, writing as them, sending them a file), never staff's in their name."""
        if rule.impersonated == "refuse" and ctx.impersonating:
            audit.record(db, audit.portal_actor(ctx, self._client_ip()), "impersonation.refused",
                         target_type="contact", target_id=ctx.contact_id, account_id=ctx.account_id,
                         handler=f"{type(self).__name__}.{name}")
            raise Forbidden("impersonation.error.refused")

    def _open_page(self, db) -> tuple[PortalContext | None, list]:
        """A page opens: branding, then the session (or None, and the events that forget the pages of a
        session that ended while this tab showed them)."""
        self.flash_key = ""
        self._load_branding(db)
        ctx = self._resolve(db)
        db.info[_OPENED] = (self.portal_sid, ctx)
        held_a_contact = self._contact_id is not None
        self._apply(ctx)
        self._use_zone(db, ctx.time_zone if ctx else "")
        if ctx is None:
            self._set(portal_sid="")
            return None, [PortalState.forget_pages] if held_a_contact else []
        if self._on_offer(ctx.language) and not ctx.impersonating:
            self._set(lang=ctx.language, lang_pref=ctx.language)
        return ctx, []

    @public_event
    def portal_load(self, db):
        """on_load of every customer page: branding, then the session, else off to the login page."""
        ctx, forget = self._open_page(db)
        if ctx is None:
            return [*forget, rx.redirect(self._exit_to or "/login")]
        self._exit_to = ""

    @public_event
    def open_page(self, db, route: str):
        """The one load event of every customer page (`portal_page`, `public_page`): branding and the
        session (no session: off to the login page, nothing of the page runs), then the page's own
        loads, in this event and this database session (`run_page_loads`)."""
        page = registries.page_load(route, ("portal", "public"))
        public = page is not None and page.side == "public"
        ctx, forget = self._open_page(db)
        if ctx is None and not public:
            return [*forget, rx.redirect(self._exit_to or "/login")]
        if ctx is not None and not public:
            self._exit_to = ""
        later = run_page_loads(self, db, page.loads if page else ())
        ask = self._ask_device_zone(route) if ctx is not None else []
        return [*forget, *later, *ask] or None

    @public_event
    def public_load(self, db):
        """on_load of a page anyone may read (the help centre): branding, and the session if there is
        one (its navigation and language); without one the page still shows, nothing is redirected."""
        _ctx, forget = self._open_page(db)
        return forget or None

    @public_event
    def choose_language(self, db, lang: str, route: str = ""):
        """The picker: switches live and is remembered on the contact (not while impersonating); the
        page at `route` (the shell's own) loads again in the new language (`_relabel_page`).
        Public: the login page has the picker too; the contact is only touched with a live session."""
        if not self._on_offer(lang):
            return
        self._set(lang=lang, lang_pref=lang)
        ctx = self._resolve(db)
        db.info[_OPENED] = (self.portal_sid, ctx)  # the page's loads reuse it, as on opening
        if ctx is not None and not ctx.impersonating:
            contact = accounts.get_contact(db, ctx.contact_id)
            contact.language = lang
            db.add(contact)
        return self._relabel_page(db, route, ("portal", "public") if ctx is not None else ("public",))

    @portal_event
    def set_device_zone(self, db, ctx, name: str, route: str = ""):
        """The browser's own zone (the shell asks once per tab): when it changes the zone the page is
        shown in, the page at `route` loads again (`_relabel_page`), as after a language switch."""
        if self._device_zone_reported(db, name, ctx.time_zone):
            return self._relabel_page(db, route, ("portal", "public"))

    @portal_event(impersonated="refuse")
    def save_time_zone(self, db, ctx, form: dict):
        """The profile's "Time zone": "" (as this device) or a zone name, stored on the acting contact
        only; the page at the form's `route` loads again in the new zone."""
        name = accounts.set_time_zone(db, ctx, form.get("time_zone", ""))
        self._use_zone(db, name)
        self._flash("zone.saved")
        return self._relabel_page(db, form.get("route", ""), ("portal", "public"))

    @public_event
    async def logout(self):
        with session_scope() as db:
            portal_sessions.revoke_session(db, self.portal_sid, "logout")
        self._apply(None)
        self.portal_sid = ""
        await self._reset_pages()
        self._goodbye = True
        self._exit_to = "/login"
        return [rx.remove_cookie(PORTAL_COOKIE, {"path": "/"}), rx.redirect("/login")]

    @public_event
    async def forget_pages(self):
        """Empty every customer page's state in this tab (after a session ended). Public: it touches only
        the calling tab's own state, and only when no live session is behind it."""
        with session_scope() as db:
            if self._resolve(db) is not None:
                return
        await self._reset_pages()

    async def _reset_pages(self) -> None:
        """Nothing a customer page showed stays in this tab's state (a reload would send it again)."""
        pending = list(PortalState.get_substates())
        while pending:
            page_state = pending.pop()
            pending.extend(page_state.get_substates())
            (await self.get_state(page_state)).reset()

    @public_event
    def end_impersonation(self, db):
        ctx = impersonation.end(db, self.portal_sid, self._client_ip())
        if ctx is None:
            return
        self._apply(None)
        self.portal_sid = ""
        self._exit_to = f"/admin/contact?id={ctx.contact_id}"
        return [rx.remove_cookie(PORTAL_COOKIE, {"path": "/"}), rx.redirect(self._exit_to)]
