"""Console: contacts list and one contact (access, invitation, diagnosis, impersonation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal_app.core.models.accounts import MODULES
from portal_app.core import access, accounts, audit, i18n, notify, permissions, registries
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.notify import receipts
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.handlers import staff_event
from portal_app.core.states.paging import PagedList, query_int
from portal_app.core.states.staff import StaffState
from portal_app.core.states.forms import EditedForm


@dataclass(frozen=True)
class ContactRow:
    """One contact in a list (every contact, or one account's)."""

    id: int
    name: str
    email: str
    mobile: str
    account: str
    role: str
    active: bool
    access: bool
    failing: str = ""  # "email", "mobile" or both: addresses the providers reported as failing

    @classmethod
    def of(cls, c, account) -> "ContactRow":
        failing = ", ".join(w for w, at in (("email", c.email_failing_at), ("mobile", c.mobile_failing_at)) if at)
        return cls(c.id, c.full_name, c.email, c.mobile or "", account.name, c.portal_role, c.active, c.portal_access,
                   failing)


@dataclass(frozen=True)
class ContactMessageRow:
    """One of the contact's recent emails or SMS."""

    when: str
    channel: str
    recipient: str
    template: str
    status: str
    error: str
    reason: str = ""  # the message's fate in plain words
    provider: str = ""  # the provider's own code and words


@dataclass(frozen=True)
class ContactAttemptRow:
    """One of the contact's recent login attempts."""

    when: str
    kind: str
    outcome: str
    ip: str


@dataclass(frozen=True)
class DiagnosisView:
    """The access diagnosis as the contact page shows it; each check's `key` is its catalogue key."""

    can_log_in: bool = False
    checks: tuple[access.Check, ...] = ()
    messages: tuple[ContactMessageRow, ...] = ()
    attempts: tuple[ContactAttemptRow, ...] = ()
    email_failing: str = ""  # the mark's reason ("" when not marked)
    mobile_failing: str = ""

    @classmethod
    def of(cls, d: access.Diagnosis) -> "DiagnosisView":
        return cls(d.can_log_in, tuple(d.checks),
                   tuple(ContactMessageRow(m["when"], m["channel"], m["to"], m["template"], m["status"], m["error"],
                                           m["reason"], m["provider"]) for m in d.messages),
                   tuple(ContactAttemptRow(**a) for a in d.attempts), d.email_failing, d.mobile_failing)


@dataclass(frozen=True)
class LanguageChoice:
    code: str
    name: str

    @classmethod
    def shipped(cls) -> list["LanguageChoice"]:
        """Every language the portal ships, with its own name."""
        return [cls(c, i18n.LANGUAGE_NAMES.get(c, c)) for c in i18n.shipped_languages()]


class AdminContactsState(PagedList, StaffState):
    area: ClassVar[str] = "accounts"
    page_size: ClassVar[int] = accounts.PAGE_SIZE
    rows: list[ContactRow] = []

    def _fetch(self, db, ctx) -> None:
        found, self.total = accounts.list_contacts(db, q=self.q, page=self.page)
        self.rows = [ContactRow.of(c, a) for c, a in found]


class AdminContactState(Dialogs, EditedForm, StaffState):
    area: ClassVar[str] = "accounts"
    contact_id: int = 0  # 0: a new contact
    account_id: int = 0
    # The form's stored values (a new contact: the member role's rights), and what else the page shows.
    contact: accounts.ContactInput = accounts.ContactInput(account_id=0, email="", rights=[])
    account_name: str = ""
    invited_at: str = ""
    language_choices: list[LanguageChoice] = []
    # Invitation preview (our own rendered template, shown in a sandboxed frame): the dialog "invitation".
    invitation: notify.Rendered = notify.Rendered("", "", "")
    preview_to: str = ""
    invitation_sent: bool = False
    diagnosis: DiagnosisView = DiagnosisView()
    # After a save that granted a right to a contact with no way in yet: "Send the access email now".
    # Only an offer: the email goes when staff press it (then confirm the preview), never on save.
    offer_access: bool = False
    _offer_for: int = 0  # a new contact's offer, kept across the redirect to its page

    @rx.var
    def preview_open(self) -> bool:
        return self.dialog in ("invitation", "give_access")

    @rx.var
    def module_choices(self) -> list[str]:
        return list(MODULES)

    def _fill(self, db, contact_id: int) -> None:
        c = accounts.get_contact(db, contact_id)
        a = accounts.get_account(db, c.account_id)
        self.contact_id, self.account_id, self.account_name = c.id, a.id, a.name
        self.contact = accounts.ContactInput(a.id, c.email, c.first_name, c.last_name, c.mobile or "", c.language,
                                             c.active, c.portal_access, c.portal_role, list(c.rights or []))
        self.invited_at = i18n.format_datetime(c.invited_at, self.lang or "en") if c.invited_at else ""
        self._diagnose(db)
        self._shown()

    def _diagnose(self, db) -> None:
        self.diagnosis = DiagnosisView.of(access.diagnose(db, self.contact_id, self.lang or "en"))

    def _blank(self, account) -> None:
        """A new contact of `account`, with the member role's rights."""
        self.contact_id, self.account_id, self.account_name, self.invited_at = 0, account.id, account.name, ""
        self.contact = accounts.ContactInput(account.id, "", rights=list(accounts.default_rights("member")))
        self.diagnosis = DiagnosisView()
        self._shown()

    @staff_event("read")
    def load_contact(self, db, ctx):
        self.saved = self.invitation_sent = False
        self.dialog = ""
        self.contact_id = self.account_id = 0  # nothing shown until the contact (or account) is found
        self.language_choices = LanguageChoice.shipped()
        contact_id = query_int(self, "id")
        self.offer_access, self._offer_for = bool(contact_id) and contact_id == self._offer_for, 0
        if contact_id:
            self._fill(db, contact_id)
            return registries.panel_loads("contact")  # the sections features add to the page
        account_id = query_int(self, "account")
        if account_id is None:
            raise NotFound()
        self._blank(accounts.get_account(db, account_id))

    @staff_event
    def save_contact(self, db, ctx, form: dict):
        """Saves only. Never sends an invitation: that is its own button."""
        self.saved = False
        data = accounts.ContactInput(
            account_id=self.account_id, email=str(form.get("email", "")), first_name=str(form.get("first_name", "")),
            last_name=str(form.get("last_name", "")), mobile=str(form.get("mobile", "")),
            language=str(form.get("language", "en")), active=bool(form.get("active")),
            portal_access=bool(form.get("portal_access")), portal_role=str(form.get("portal_role", "member")),
            rights=[m for m in MODULES if form.get(f"right_{m}")],
        )
        before = set(self.contact.rights or []) if self.contact_id else set()
        row = accounts.save_contact(db, ctx.actor, data, self.contact_id or None)
        new = self.contact_id == 0
        self.offer_access = bool(set(row.rights or []) - before) and access.needs_access_email(row)
        self._fill(db, row.id)
        self._saved_now()
        if new:
            self._offer_for = row.id if self.offer_access else 0
            return rx.redirect(f"/admin/contact?id={self.contact_id}")

    def _preview(self, db, dialog: str) -> None:
        contact = accounts.get_contact(db, self.contact_id)
        self.invitation, self.preview_to = access.render_invitation(db, contact), contact.email
        self.dialog, self.invitation_sent = dialog, False

    @staff_event("support.read")
    def open_invitation(self, db, ctx):
        self._preview(db, "invitation")

    @staff_event("support.write")
    def send_invitation(self, db, ctx):
        deliveries = access.send_invitation(db, ctx.actor, self.contact_id)
        notify.dispatch_after_commit(db, deliveries)
        self.dialog, self.invitation_sent = "", True
        self._fill(db, self.contact_id)

    @staff_event("support.read")
    def open_give_access(self, db, ctx):
        """The offer's button: the same invitation, previewed; confirming it gives access (`give_access`)."""
        self._preview(db, "give_access")

    @staff_event("support.write")
    def give_access(self, db, ctx):
        """Portal access on (a change of the contact's record: the accounts area's write too) and the
        access email, the same one "Send invitation" sends."""
        if not accounts.get_contact(db, self.contact_id).portal_access:
            permissions.require(db, ctx, "accounts.write", "give_access")
        notify.dispatch_after_commit(db, access.give_access(db, ctx.actor, self.contact_id))
        self.dialog, self.invitation_sent, self.offer_access = "", True, False
        self._fill(db, self.contact_id)

    @staff_event("support.read")
    def refresh_diagnosis(self, db, ctx):
        self._diagnose(db)

    @staff_event("support.write")
    def clear_failing_mark(self, db, ctx, which: str):
        """The address is fixed (or was fine after all): codes may go to it again."""
        if which not in ("email", "mobile"):
            raise DomainError("admin.contact.error.no_such_mark")
        receipts.clear_mark(db, ctx.actor, accounts.get_contact(db, self.contact_id), which)
        self._diagnose(db)
        self._flash(f"admin.contact.{which}_mark_cleared", "info")

    @staff_event("support.write")
    def sign_out_everywhere(self, db, ctx):
        """Ends every portal session of this contact (a lost phone, a departed employee)."""
        n = portal_sessions.revoke_contact_sessions(db, self.contact_id, "staff_signout")
        contact = accounts.get_contact(db, self.contact_id)
        audit.record(db, ctx.actor, "contact.sign_out_everywhere", target_type="contact",
                     target_id=contact.id, account_id=contact.account_id, sessions=n)
        self._flash("admin.contact.signed_out", "info", count=n)

    @staff_event("support.write")
    async def impersonate(self, ctx):
        return await self._open_portal_as(ctx, self.contact_id)
