"""Console: the accounts list and one account with its contacts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal_app.console.contacts_state import ContactRow
from portal_app.core.states.forms import EditedForm
from portal_app.core import accounts, registries
from portal_app.core.states.handlers import query_id, staff_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.staff import StaffState


ADDRESS_FIELDS = ("street", "postcode", "city", "country")


@dataclass(frozen=True)
class AccountRow:
    """One line of the accounts list: display values only."""

    id: int
    name: str
    number: str
    billing_email: str
    active: bool


class AdminAccountsState(PagedList, StaffState):
    area: ClassVar[str] = "accounts"
    page_size: ClassVar[int] = accounts.PAGE_SIZE
    rows: list[AccountRow] = []
    show_new: bool = False

    def _fetch(self, db, ctx) -> None:
        found, self.total = accounts.list_accounts(db, q=self.q, page=self.page)
        self.rows = [AccountRow(a.id, a.name, a.number, a.billing_email, a.active) for a in found]

    @staff_event("read")
    def toggle_new(self, db, ctx):
        self.show_new = not self.show_new

    @staff_event
    def create_account(self, db, ctx, form: dict):
        row = accounts.save_account(db, ctx.actor, account_id=None, name=str(form.get("name", "")),
                                    number=str(form.get("number", "")),
                                    billing_email=str(form.get("billing_email", "")))
        self.show_new = False
        return rx.redirect(f"/admin/account?id={row.id}")


@dataclass(frozen=True)
class AccountView:
    """The account form's stored values."""

    name: str = ""
    number: str = ""
    billing_email: str = ""
    domains: str = ""
    active: bool = True
    consumption: bool = True
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    has_address: bool = False

    @classmethod
    def of(cls, a) -> "AccountView":
        return cls(a.name, a.number, a.billing_email, a.domains, a.active, a.send_consumption_statements,
                   a.street, a.postcode, a.city, a.country, accounts.has_address(a))


class AdminAccountState(EditedForm, StaffState):
    area: ClassVar[str] = "accounts"
    account_id: int = 0
    view: AccountView = AccountView()
    contacts: list[ContactRow] = []

    def _fill(self, db, account_id: int) -> None:
        a = accounts.get_account(db, account_id)
        self.account_id, self.view = a.id, AccountView.of(a)
        found, _ = accounts.list_contacts(db, account_id=a.id, page_size=200)
        self.contacts = [ContactRow.of(c, acc) for c, acc in found]
        self._shown()

    @staff_event("read")
    def load_account(self, db, ctx):
        self.saved, self.account_id = False, 0  # nothing shown until the account is found
        self._fill(db, query_id(self, "id"))
        return registries.panel_loads("account")  # the sections features add to the page

    @staff_event
    def save_account(self, db, ctx, form: dict):
        self.saved = False
        accounts.save_account(db, ctx.actor, account_id=self.account_id, name=str(form.get("name", "")),
                              number=str(form.get("number", "")),
                              billing_email=str(form.get("billing_email", "")),
                              active=bool(form.get("active")), domains=str(form.get("domains", "")),
                              send_consumption_statements=bool(form.get("consumption")),
                              address={key: str(form.get(key, "")) for key in ADDRESS_FIELDS})
        self._fill(db, self.account_id)
        self._saved_now()
