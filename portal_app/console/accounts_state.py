"""Console: the accounts list and one account with its contacts."""

from __future__ import annotations

import math

import reflex as rx

from portal_app.core.db import session_scope
from portal_app.core import accounts
from portal_app.core.errors import DomainError
from portal_app.core.states.paging import page_count as _pages, query_int as _query_int
from portal_app.core.states.staff import StaffState




class AdminAccountsState(StaffState):
    q: str = ""
    page: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []
    show_new: bool = False

    @rx.var
    def pages(self) -> int:
        return _pages(self.total, accounts.PAGE_SIZE)

    def _fetch(self, db) -> None:
        self._staff(db)
        found, self.total = accounts.list_accounts(db, q=self.q, page=self.page)
        self.rows = [{"id": str(a.id), "name": a.name, "number": a.number, "billing_email": a.billing_email,
                      "active": "1" if a.active else ""} for a in found]

    @rx.event
    def load_accounts(self):
        with session_scope() as db:
            try:
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

    @rx.event
    def toggle_new(self):
        self.show_new = not self.show_new

    @rx.event
    def create_account(self, form: dict):
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                row = accounts.save_account(db, ctx.actor, account_id=None, name=str(form.get("name", "")),
                                            number=str(form.get("number", "")),
                                            billing_email=str(form.get("billing_email", "")))
                new_id = row.id
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.show_new = False
        return rx.redirect(f"/admin/account?id={new_id}")


class AdminAccountState(StaffState):
    account_id: int = 0
    name: str = ""
    number: str = ""
    billing_email: str = ""
    domains: str = ""
    active: bool = True
    consumption: bool = True
    form_version: int = 0
    saved: bool = False
    contacts: list[dict[str, str]] = []

    def _fill(self, db, account_id: int) -> None:
        a = accounts.get_account(db, account_id)
        self.account_id, self.name, self.number = a.id, a.name, a.number
        self.billing_email, self.domains, self.active = a.billing_email, a.domains, a.active
        self.consumption = a.send_consumption_statements
        found, _ = accounts.list_contacts(db, account_id=a.id, page_size=200)
        self.contacts = [{"id": str(c.id), "name": c.full_name, "email": c.email, "role": c.portal_role,
                          "active": "1" if c.active else "", "access": "1" if c.portal_access else ""}
                         for c, _acc in found]
        self.form_version += 1

    @rx.event
    def load_account(self):
        self.saved = False
        account_id = _query_int(self, "id")
        try:
            with session_scope() as db:
                self._staff(db)
                if account_id is None:
                    raise DomainError("error.not_found")
                self._fill(db, account_id)
        except DomainError as exc:
            self.account_id = 0
            self._flash_error(exc)

    @rx.event
    def save_account(self, form: dict):
        self.saved = False
        try:
            with session_scope() as db:
                ctx = self._staff(db)
                accounts.save_account(db, ctx.actor, account_id=self.account_id, name=str(form.get("name", "")),
                                      number=str(form.get("number", "")),
                                      billing_email=str(form.get("billing_email", "")),
                                      active=bool(form.get("active")), domains=str(form.get("domains", "")),
                                      send_consumption_statements=bool(form.get("consumption")))
                self._fill(db, self.account_id)
        except DomainError as exc:
            self._flash_error(exc)
            return
        self.flash_key = ""
        self.saved = True
