"""Console: the staff users (owners only): list, invite, change a role, deactivate, reset TOTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from portal_app.core import i18n, notify
from portal_app.core.auth import staff_users
from portal_app.core.auth.staff import STAFF_ROLES
from portal_app.core.errors import NotFound
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.forms import EditedForm
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import PagedList
from portal_app.core.states.site import PageMessage
from portal_app.core.states.staff import StaffState


@dataclass(frozen=True)
class StaffRow:
    """One staff user as the list shows them (display values only)."""

    id: int = 0
    email: str = ""
    name: str = ""
    role: str = ""
    status: str = ""  # active | invited | inactive
    totp: bool = False
    last_login: str = ""
    me: bool = False


class AdminStaffState(Dialogs, EditedForm, PagedList, PageMessage, StaffState):
    """Dialogs: "invite", "manage" (one user: role, invitation, TOTP, active) and its confirmations
    "deactivate" and "reset_totp". A refusal shows in the open dialog and on the page (`error_text`)."""

    area: ClassVar[str] = "staff"
    page_size: ClassVar[int] = staff_users.PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {"status": ("", *staff_users.STATUSES)}
    roles: list[str] = list(STAFF_ROLES)
    rows: list[StaffRow] = []
    chosen: StaffRow = StaffRow()

    def _row(self, v: staff_users.StaffView, me_id: int) -> StaffRow:
        lang = self.lang or "en"
        return StaffRow(v.id, v.email, v.name, v.role, v.status, v.totp_enabled,
                        i18n.format_datetime(v.last_login_at, lang) if v.last_login_at else "", v.id == me_id)

    def _fetch(self, db, ctx) -> None:
        found, self.total = staff_users.list_staff(db, q=self.q, status=self.filter_values.get("status", ""),
                                                   page=self.page)
        self.rows = [self._row(v, ctx.staff_id) for v in found]
        if self.chosen.id:
            self.chosen = next((r for r in self.rows if r.id == self.chosen.id), self.chosen)

    def _chosen_id(self) -> int:
        if not self.chosen.id:
            raise NotFound()
        return self.chosen.id

    def _done(self, db, ctx, flash_key: str, **params) -> None:
        self.error_key = ""
        self._refetch(db, ctx)
        self._flash(flash_key, **params)

    @staff_event("read")
    def open_invite(self, db, ctx):
        self.error_key, self.dialog = "", "invite"

    @staff_event("read")
    def open_user(self, db, ctx, staff_id: int):
        self.error_key = ""
        wanted = parse_id(staff_id)
        self._refetch(db, ctx)
        row = next((r for r in self.rows if r.id == wanted), None)
        if row is None:
            raise NotFound()
        self.chosen, self.dialog = row, "manage"
        self._shown()

    @staff_event
    def invite(self, db, ctx, form: dict):
        self.error_key = ""
        user, deliveries = staff_users.invite(db, ctx, email=str(form.get("email", ""))[:254],
                                              name=str(form.get("name", ""))[:200],
                                              role=str(form.get("role", "")), lang=self.lang)
        notify.dispatch_after_commit(db, deliveries)
        self.dialog = ""
        self._done(db, ctx, "staff_users.invited", email=user.email)

    @staff_event
    def reinvite(self, db, ctx):
        notify.dispatch_after_commit(db, staff_users.reinvite(db, ctx, self._chosen_id(), self.lang))
        self.dialog = ""
        self._done(db, ctx, "staff_users.invited", email=self.chosen.email)

    @staff_event
    def save_role(self, db, ctx, form: dict):
        self.saved, self.error_key = False, ""
        staff_users.change_role(db, ctx, self._chosen_id(), str(form.get("role", "")))
        self._refetch(db, ctx)
        self._saved_now()

    @staff_event
    def deactivate(self, db, ctx):
        staff_users.set_active(db, ctx, self._chosen_id(), False)
        self.dialog = ""
        self._done(db, ctx, "staff_users.deactivated", email=self.chosen.email)

    @staff_event
    def reactivate(self, db, ctx):
        staff_users.set_active(db, ctx, self._chosen_id(), True)
        self._done(db, ctx, "staff_users.reactivated", email=self.chosen.email)

    @staff_event
    def reset_totp(self, db, ctx):
        staff_users.reset_totp(db, ctx, self._chosen_id())
        self.dialog = ""
        self._done(db, ctx, "staff_users.totp_reset", email=self.chosen.email)
