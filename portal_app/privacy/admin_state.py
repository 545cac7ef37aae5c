"""Console side of privacy: the GDPR texts, the consent purposes, and the data requests queue."""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from portal_app.core import accounts, i18n, notify
from portal_app.core.db import session_scope
from portal_app.core.business import business_view
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.forms import SettingsPage
from portal_app.core.states.handlers import parse_id, query_id, staff_event
from portal_app.core.states.paging import PagedList, query_int
from portal_app.core.states.staff import StaffState
from portal_app.core.states.site import LinkCount, PageMessage
from portal_app.privacy import consents, erasure, requests, settings, signup, team, watch
from portal_app.privacy.rows import (AccountChoice, AdminPurposeRow, HistoryRow, QueueRow, SignupRow, StaffExportRow,
                                     history_rows, queue_rows, signup_rows, staff_export_rows)


class AdminPrivacySettingsState(SettingsPage, StaffState):
    """The GDPR space's intro text in each shipped language, and the DPO's email."""

    area: ClassVar[str] = "settings"
    intro: dict[str, str] = {}
    dpo_email: str = ""
    signup_enabled: bool = False

    @rx.var
    def intro_languages(self) -> list[str]:
        return i18n.shipped_languages()

    def _fill(self, db) -> None:
        row = settings.get_settings_row(db)
        self.intro = {code: (row.intro or {}).get(code, "") for code in i18n.shipped_languages()}
        self.dpo_email = row.dpo_email
        self.signup_enabled = row.signup_enabled

    def _save(self, db, ctx, form: dict) -> None:
        settings.update_settings(db, ctx.actor, dpo_email=str(form.get("dpo_email", ""))[:254],
                                 intro={code: str(form.get(f"intro_{code}", ""))
                                        for code in i18n.shipped_languages()},
                                 signup_enabled=bool(form.get("signup_enabled")))


class AdminConsentPurposesState(Dialogs, PageMessage, StaffState):
    """The purposes customers give or withdraw consent for, each named per language."""

    area: ClassVar[str] = "settings"
    purposes: list[AdminPurposeRow] = []
    editing_id: int = 0
    edit_names: dict[str, str] = {}
    edit_descriptions: dict[str, str] = {}
    edit_active: bool = True

    @rx.var
    def purpose_languages(self) -> list[str]:
        return i18n.shipped_languages()

    def _load(self, db) -> None:
        lang = self.lang or "en"
        self.purposes = [AdminPurposeRow(p.id, settings.text_in(p.names, lang, "en"), p.active, dict(p.names),
                                         dict(p.descriptions)) for p in consents.list_purposes(db)]

    @staff_event("read")
    def load_purposes(self, db, ctx):
        self.dialog, self.error_key = "", ""
        self._load(db)

    @staff_event("read")
    def edit_purpose(self, db, ctx, purpose_id: int):
        """0: a new purpose; else the form shows the stored one."""
        wanted = int(purpose_id) if str(purpose_id) == "0" else parse_id(purpose_id)
        row = next((p for p in self.purposes if p.id == wanted), None)
        self.editing_id = row.id if row else 0
        self.edit_names = dict(row.names) if row else {}
        self.edit_descriptions = dict(row.descriptions) if row else {}
        self.edit_active = row.active if row else True
        self.error_key, self.dialog = "", "purpose"

    @staff_event
    def save_purpose(self, db, ctx, form: dict):
        codes = i18n.shipped_languages()
        consents.save_purpose(db, ctx.actor, self.editing_id or None,
                              names={c: str(form.get(f"name_{c}", "")) for c in codes},
                              descriptions={c: str(form.get(f"description_{c}", "")) for c in codes},
                              active=bool(form.get("active")))
        self.dialog = ""
        self._load(db)


class Notice(rx.State, mixin=True):
    """A staff queue's "done" message (erased, refused, attached, rejected), by catalogue key."""

    notice_key: str = ""

    @rx.var
    def notice_text(self) -> str:
        return i18n.t(self.lang or "en", self.notice_key) if self.notice_key else ""


class AdminPrivacyRequestsState(Notice, PagedList, Dialogs, PageMessage, StaffState):
    """The queue of data requests, the nearest deadline first; staff fulfil or refuse erasures here.
    Erasure anonymises a contact: it belongs to the accounts area (agents read, do not act)."""

    area: ClassVar[str] = "accounts"
    page_size: ClassVar[int] = requests.QUEUE_PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {"status": ("", "all")}
    rows: list[QueueRow] = []
    chosen_id: int = 0

    def _fetch(self, db, ctx) -> None:
        status = "all" if self.filter_values.get("status") == "all" else "open"
        found, self.total = requests.staff_queue(db, status=status, page=self.page)
        self.rows = queue_rows(found, self.lang or "en")

    @staff_event("read")
    def choose(self, db, ctx, request_id: int, dialog: str):
        self.chosen_id = parse_id(request_id)
        self.error_key, self.notice_key = "", ""
        self.dialog = "refuse" if dialog == "refuse" else "erase"

    @staff_event
    def fulfil(self, db, ctx):
        erasure.fulfil_erasure(db, ctx, parse_id(self.chosen_id))
        self.dialog, self.notice_key = "", "admin.privacy.erasure_done"
        self._refetch(db, ctx)

    @staff_event
    def refuse(self, db, ctx, form: dict):
        requests.refuse_request(db, ctx, parse_id(self.chosen_id), str(form.get("note", "")))
        self.dialog, self.notice_key = "", "admin.privacy.refused"
        self._refetch(db, ctx)

    @staff_event
    def staff_copy(self, db, ctx, request_id: int):
        """A contact's export in the queue: prepare the same archive for this staff member, on the contact's
        page (where it is built, then downloaded once)."""
        contact_id = requests.contact_of_request(db, parse_id(request_id))
        requests.request_staff_export(db, ctx, contact_id)
        return rx.redirect(f"/admin/contact?id={contact_id}#staff-export-panel")


class AdminConsentHistoryState(StaffState):
    """The contact page's consent history (a panel this package adds to the console's contact page):
    every grant and withdrawal of the contact in `?id=`, newest first. Read-only for staff."""

    area: ClassVar[str] = "accounts"
    consent_history: list[HistoryRow] = []

    @staff_event("read")
    def load_consent_history(self, db, ctx):
        self.consent_history = []
        contact_id = query_int(self, "id")
        if not contact_id:
            return
        contact = accounts.get_contact(db, contact_id)
        self.consent_history = history_rows(consents.history_of(db, contact.id), self.lang or "en",
                                            business_view(db).default_language)


class AdminTeamDelegationState(StaffState):
    """The account page's team switch (a panel this package adds): may the administrators of the account
    in `?id=` manage their colleagues on the team page? Reading is open to the area, switching is a write."""

    area: ClassVar[str] = "accounts"
    delegation: bool = True
    delegation_account_id: int = 0

    @staff_event("read")
    def load_delegation(self, db, ctx):
        self.delegation_account_id = 0
        account = accounts.get_account(db, query_id(self, "id"))
        self.delegation_account_id = account.id
        self.delegation = team.delegation_enabled(db, account.id)

    @staff_event
    def set_delegation(self, db, ctx, enabled: bool):
        team.set_delegation(db, ctx, parse_id(self.delegation_account_id), enabled is True)
        self.delegation = team.delegation_enabled(db, self.delegation_account_id)


class AdminDataExportState(StaffState):
    """The contact page's "data export" panel (a panel this package adds): the same archive the contact can
    download, prepared for the staff member who asks, built here in the background, downloaded once within
    its day from the console's own route. Exporting everything held about a person is a write."""

    area: ClassVar[str] = "accounts"
    staff_exports: list[StaffExportRow] = []
    export_contact_id: int = 0
    building: bool = False

    def _rows(self, db, ctx) -> list[StaffExportRow]:
        return staff_export_rows(requests.staff_exports(db, ctx, self.export_contact_id), self.lang or "en")

    @staff_event("read")
    def load_staff_exports(self, db, ctx):
        self.export_contact_id, self.staff_exports = 0, []
        contact_id = query_int(self, "id")
        if not contact_id:
            return
        self.export_contact_id = accounts.get_contact(db, contact_id).id
        self.staff_exports = self._rows(db, ctx)
        if any(r.status in ("preparing", "building") for r in self.staff_exports):
            return AdminDataExportState.watch_staff_export

    @staff_event
    def prepare_staff_export(self, db, ctx):
        requests.request_staff_export(db, ctx, parse_id(self.export_contact_id))
        self.staff_exports = self._rows(db, ctx)
        return AdminDataExportState.watch_staff_export

    async def _copy_rows(self, ctx) -> list[StaffExportRow]:
        with session_scope() as db:
            rows = self._rows(db, ctx)
        async with self:
            self.staff_exports = rows
        return rows

    @staff_event(background=True)
    async def watch_staff_export(self, ctx):
        """Build this staff member's waiting export of the contact in a thread, without the state lock."""
        async with self:
            if self.building or not self.export_contact_id:
                return
            self.building = True
        try:
            contact_id = self.export_contact_id
            await watch.build_watching(lambda: requests.build_next_archive(contact_id, ctx.staff_id),
                                       lambda: self._copy_rows(ctx))
        finally:
            async with self:
                self.building = False

    @staff_event(background=True)
    async def staff_downloaded(self, ctx):
        """The link was clicked: read the rows again until the route has recorded the download."""
        count = lambda rows: sum(r.href != "" for r in rows)  # noqa: E731
        await watch.until_spent(lambda: self._copy_rows(ctx), count, count(self.staff_exports))


class SignupCountState(LinkCount, StaffState):
    """The count of waiting sign-ups beside the console's Sign-ups link."""

    area: ClassVar[str] = "accounts"

    @staff_event("read")
    def load_signup_count(self, db, ctx):
        self._set(count=signup.waiting_count(db))


class AdminSignupsState(Notice, PagedList, Dialogs, PageMessage, StaffState):
    """Sign-ups whose email domain matched no single account: staff attach each to an account (the contact
    then has the GDPR space only) or reject it. Making a contact is the accounts area's write."""

    area: ClassVar[str] = "accounts"
    page_size: ClassVar[int] = signup.REVIEW_PAGE_SIZE
    rows: list[SignupRow] = []
    chosen_id: int = 0
    chosen_email: str = ""
    account_options: list[AccountChoice] = []

    def _fetch(self, db, ctx) -> None:
        found, self.total = signup.waiting_page(db, page=self.page)
        self.rows = signup_rows(found, self.lang or "en")

    @staff_event("read")
    def choose_signup(self, db, ctx, signup_id: int, dialog: str):
        """Open the attach (with the accounts to choose from, matching ones first) or reject dialog."""
        wanted = parse_id(signup_id)
        self.error_key, self.notice_key, self.account_options = "", "", []
        if dialog == "attach":
            self.account_options = [AccountChoice(str(aid), label, matched)
                                    for aid, label, matched in signup.account_choices(db, wanted)]
        else:
            signup.account_choices(db, wanted)  # still waiting? (NotFound otherwise)
        self.chosen_id = wanted
        self.chosen_email = next((r.email for r in self.rows if r.id == wanted), "")
        self.dialog = "attach" if dialog == "attach" else "reject"

    @staff_event
    def attach_signup(self, db, ctx, form: dict):
        contact, deliveries = signup.attach(db, ctx, parse_id(self.chosen_id), parse_id(form.get("account_id")),
                                            send_access=bool(form.get("send_access")))
        notify.dispatch_after_commit(db, deliveries)
        self.dialog, self.notice_key = "", "admin.signups.attached"
        self._refetch(db, ctx)
        return SignupCountState.load_signup_count

    @staff_event
    def reject_signup(self, db, ctx):
        notify.dispatch_after_commit(db, signup.reject(db, ctx, parse_id(self.chosen_id)))
        self.dialog, self.notice_key = "", "admin.signups.rejected"
        self._refetch(db, ctx)
        return SignupCountState.load_signup_count
