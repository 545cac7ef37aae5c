"""Console: contacts list and one contact (access, invitation, diagnosis, impersonation)."""

from __future__ import annotations

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core.models.accounts import MODULES
from portal_app.core import access, accounts, audit, i18n, notify
from portal_app.core.auth import impersonation, sessions as portal_sessions
from portal_app.core.errors import DomainError
from portal_app.core.states.paging import page_count as _pages, query_int as _query_int
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import StaffState


class AdminContactsState(StaffState):
    q: str = ""
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, accounts.PAGE_SIZE)

    def _fetch(self, db) -> None:
        self._staff(db)
        found, self.total = accounts.list_contacts(db, q=self.q, page=self.page)
        self.rows = [{"id": str(c.id), "name": c.full_name, "email": c.email, "mobile": c.mobile or "",
                      "account": a.name, "role": c.portal_role, "active": "1" if c.active else "",
                      "access": "1" if c.portal_access else ""} for c, a in found]

    @rx.event
    def load_contacts(self):
        try:
            with session_scope() as db:
                self._fetch(db)
        except DomainError:
            return

    @rx.event
    def search(self, form: dict):
        self.q, self.page = str(form.get("q", ""))[:100], 1
        with session_scope() as db:
            self._fetch(db)

    @rx.event
    def next_page(self):
        self.page = min(self.page + 1, self.pages)
        with session_scope() as db:
            self._fetch(db)

    @rx.event
    def prev_page(self):
        self.page = max(self.page - 1, 1)
        with session_scope() as db:
            self._fetch(db)


class AdminContactState(StaffState):
    contact_id: int = 0  # 0: a new contact
    account_id: int = 0
    account_name: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    mobile: str = ""
    language: str = "en"
    active: bool = True
    portal_access: bool = True
    portal_role: str = "member"
    rights: list[str] = []
    invited_at: str = ""
    form_version: int = 0
    saved: bool = False
    language_choices: list[dict[str, str]] = []
    # Invitation preview (our own rendered template, shown in a sandboxed frame).
    preview_open: bool = False
    preview_subject: str = ""
    preview_html: str = ""
    preview_to: str = ""
    invitation_sent: bool = False
    # Diagnosis
    can_log_in: bool = False
    checks: list[dict[str, str]] = []
    diag_messages: list[dict[str, str]] = []
    diag_attempts: list[dict[str, str]] = []

    @rx.var
    def module_choices(self) -> list[str]:
        return list(MODULES)

    def _fill(self, db, contact_id: int) -> None:
        c = accounts.get_contact(db, contact_id)
        a = accounts.get_account(db, c.account_id)
        self.contact_id, self.account_id, self.account_name = c.id, a.id, a.name
        self.first_name, self.last_name, self.email = c.first_name, c.last_name, c.email
        self.mobile, self.language, self.active = c.mobile or "", c.language, c.active
        self.portal_access, self.portal_role, self.rights = c.portal_access, c.portal_role, list(c.rights or [])
        self.invited_at = i18n.format_datetime(c.invited_at, self.lang or "en") if c.invited_at else ""
        self._diagnose(db)
        self.form_version += 1

    def _diagnose(self, db) -> None:
        d = access.diagnose(db, self.contact_id, self.lang or "en")
        self.can_log_in = d.can_log_in
        self.checks = [{"key": c.key, "ok": "1" if c.ok else "", "detail": c.detail} for c in d.checks]
        self.diag_messages = d.messages
        self.diag_attempts = d.attempts

    @rx.event
    def load_contact(self):
        self.saved = self.preview_open = self.invitation_sent = False
        self.language_choices = [{"code": c, "name": i18n.LANGUAGE_NAMES.get(c, c)} for c in i18n.shipped_languages()]
        contact_id = _query_int(self, "id")
        try:
            with session_scope() as db:
                self._staff(db)
                if contact_id:
                    self._fill(db, contact_id)
                    return
                account_id = _query_int(self, "account")
                if account_id is None:
                    raise DomainError("error.not_found")
                a = accounts.get_account(db, account_id)
                self.contact_id, self.account_id, self.account_name = 0, a.id, a.name
                self.first_name = self.last_name = self.email = self.mobile = self.invited_at = ""
                self.language, self.active, self.portal_access = "en", True, True
                self.portal_role, self.rights = "member", list(accounts.role_allows("member"))
                self.checks, self.diag_messages, self.diag_attempts = [], [], []
                self.form_version += 1
        except DomainError as exc:
            self.contact_id = self.account_id = 0
            self._flash_error(exc)

    @rx.event
    def save_contact(self, form: dict):
        """Saves only. Never sends an invitation: that is its own button."""
        self.saved = False
        data = accounts.ContactInput(
            account_id=self.account_id, email=str(form.get("email", "")), first_name=str(form.get("first_name", "")),
            last_name=str(form.get("last_name", "")), mobile=str(form.get("mobile", "")),
            language=str(form.get("language", "en")), active=bool(form.get("active")),
            portal_access=bool(form.get("portal_access")), portal_role=str(form.get("portal_role", "member")),
            rights=[m for m in MODULES if form.get(f"right_{m}")],
        )
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                row = accounts.save_contact(db, ctx.actor, data, self.contact_id or None)
                new = self.contact_id == 0
                self._fill(db, row.id)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.flash_key = ""
        self.saved = True
        if new:
            return rx.redirect(f"/admin/contact?id={self.contact_id}")

    @rx.event
    def open_invitation(self):
        try:
            with session_scope() as db:
                self._staff(db)
                contact = accounts.get_contact(db, self.contact_id)
                mail = access.render_invitation(db, contact)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.preview_subject, self.preview_html, self.preview_to = mail.subject, mail.html, contact.email
        self.preview_open, self.invitation_sent = True, False

    @rx.event
    def close_invitation(self):
        self.preview_open = False

    @rx.event
    def send_invitation(self):
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                deliveries = access.send_invitation(db, ctx.actor, self.contact_id)
        except DomainError as exc:
            self._flash_error(exc)
            return
        notify.dispatch(deliveries)
        self.preview_open, self.invitation_sent = False, True
        with session_scope() as db:
            self._fill(db, self.contact_id)

    @rx.event
    def refresh_diagnosis(self):
        try:
            with session_scope() as db:
                self._staff(db)
                self._diagnose(db)
        except DomainError as exc:
            self._flash_error(exc)

    @rx.event
    def sign_out_everywhere(self):
        """Ends every portal session of this contact (a lost phone, a departed employee)."""
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                n = portal_sessions.revoke_contact_sessions(db, self.contact_id, "staff_signout")
                contact = accounts.get_contact(db, self.contact_id)
                audit.record(db, ctx.actor, "contact.sign_out_everywhere", target_type="contact",
                             target_id=contact.id, account_id=contact.account_id, sessions=n)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self._flash("admin.contact.signed_out", "info", count=n)

    @rx.event
    async def impersonate(self):
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                token = impersonation.start(db, ctx, self.contact_id, self._client_ip())
        except DomainError as exc:
            self._flash_error(exc)
            return
        portal = await self.get_state(PortalState)
        portal.portal_sid = token
        portal._exit_to = ""
        return rx.redirect("/")
