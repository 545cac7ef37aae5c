"""Console tickets: the queue (filters, search, age since the last customer reply, selection for bulk
status and assignment), one ticket (reply, internal note, status, priority, type, assignee, billed),
and the ticket settings."""

from __future__ import annotations

from typing import ClassVar


from portal_app.core import notify
from portal_app.core.conversations import engine
from portal_app.core.conversations.state import StaffConversationPage
from portal_app.core.states.forms import SettingsPage
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import PagedList, query_int
from portal_app.core.states.site import LinkCount
from portal_app.core.states.staff import StaffState
from portal_app.helpdesk import ticket_inbound as inbound, ticket_rules as rules, ticket_settings as settings
from portal_app.helpdesk.ticket_models import KIND
from portal_app.helpdesk.ticket_rows import InboundRow, Option, TicketHead, TicketRow
from portal_app.helpdesk.ticket_state import ANY_CODE, ANY_ID, BODY_LIMIT

UPLOAD_ID = "staff-ticket-attachments"
AREA = "tickets"  # the console's permission area (core/permissions.py)


def _assignee(value) -> int | None:
    """The assignee a select sends: "" for nobody, else a staff id."""
    text = str(value or "").strip()
    return None if text == "" else parse_id(text)


class TicketQueueCountState(LinkCount, StaffState):
    """The count beside the console's Tickets link: tickets with a customer entry not read yet."""

    area: ClassVar[str] = AREA

    @staff_event("read")
    def load_ticket_count(self, db, ctx):
        self._set(count=rules.staff_unread_count(db))


class AdminTicketsState(PagedList, StaffState):
    """The queue: tickets not closed by default, newest activity first."""

    area: ClassVar[str] = AREA
    page_size: ClassVar[int] = rules.PAGE_SIZE
    filters: ClassVar[dict] = {"status": ANY_CODE, "priority": ANY_CODE, "type": ANY_CODE, "account": ANY_ID,
                               "assignee": ANY_CODE}
    rows: list[TicketRow] = []
    selected: list[int] = []
    status_options: list[Option] = []
    priority_options: list[Option] = []
    type_options: list[Option] = []
    account_options: list[Option] = []
    staff_options: list[Option] = []

    def _fetch(self, db, ctx) -> None:
        cfg, lang, values = settings.config(db), self.lang or "en", self.filter_values
        staff = rules.staff_choices(db)
        items, self.total = rules.queue(db, ctx, status=values.get("status", ""), priority=values.get("priority", ""),
                                        type=values.get("type", ""), account_id=int(values.get("account") or 0),
                                        assignee=values.get("assignee", ""), q=self.q, page=self.page)
        self.rows = [TicketRow.of(i, cfg, lang, customer=False, staff_names=dict(staff)) for i in items]
        shown = {r.id for r in self.rows}
        self._set(selected=[i for i in self.selected if i in shown],
                  status_options=Option.all_of(cfg.choices("statuses", lang)),
                  priority_options=Option.all_of(cfg.choices("priorities", lang)),
                  type_options=Option.all_of(cfg.choices("types", lang)),
                  account_options=Option.all_of(rules.accounts_with_tickets(db)),
                  staff_options=Option.all_of(staff))

    @staff_event("read")
    def load_queue(self, db, ctx):
        """on_load: the first page of the queue (`?status=` and the other filters may choose); not under a ticket."""
        if query_int(self, "ticket"):
            return
        self.q, self.page, self.filter_values, self.selected = "", 1, self._initial_filters(), []
        self._fetch(db, ctx)

    @staff_event("read")
    def toggle(self, db, ctx, conversation_id: int):
        """Select or unselect a ticket of the page shown, for a bulk change."""
        wanted = parse_id(conversation_id)
        if wanted in self.selected:
            self.selected = [i for i in self.selected if i != wanted]
        elif any(r.id == wanted for r in self.rows):
            self.selected = [*self.selected, wanted]

    @staff_event("read")
    def toggle_all(self, db, ctx):
        ids = [r.id for r in self.rows]
        self.selected = [] if set(ids) <= set(self.selected) and ids else ids

    @staff_event
    def bulk_status(self, db, ctx, form: dict):
        status = str(form.get("bulk_status", ""))[:40]
        if not status:
            return
        count = rules.bulk_update(db, ctx, self.selected, status=status)
        self.selected = []
        self._refetch(db, ctx)
        self._flash("admin.tickets.bulk_done", count=count)

    @staff_event
    def bulk_assign(self, db, ctx, form: dict):
        count = rules.bulk_update(db, ctx, self.selected, assignee_staff_id=_assignee(form.get("bulk_assignee")))
        self.selected = []
        self._refetch(db, ctx)
        self._flash("admin.tickets.bulk_done", count=count)


class AdminTicketState(StaffConversationPage, StaffState):
    """One ticket (`/admin/tickets?ticket=N`): read, reply or write an internal note with files, change its
    workflow."""

    area: ClassVar[str] = AREA
    kind: ClassVar[str] = KIND
    upload_id: ClassVar[str] = UPLOAD_ID
    upload_what: ClassVar[str] = "staff ticket attachment upload"
    head: TicketHead = TicketHead()
    status_options: list[Option] = []
    priority_options: list[Option] = []
    type_options: list[Option] = []
    staff_options: list[Option] = []
    details_version: int = 0

    def _fetch_ticket(self, db, ctx, conversation_id: int) -> None:
        detail = rules.read_as_staff(db, ctx, conversation_id)
        cfg, lang = settings.config(db), self.lang or "en"
        self.head = TicketHead.of(detail, cfg, lang, customer=False, who=engine.header(db, detail.conv))
        self._set(status_options=Option.all_of(cfg.choices("statuses", lang)),
                  priority_options=Option.all_of(cfg.choices("priorities", lang)),
                  type_options=Option.all_of(cfg.choices("types", lang)),
                  staff_options=Option.all_of(rules.staff_choices(db)))
        self.details_version += 1
        self._show_entries(db, ctx, detail.conv.id, detail.entries, lang=lang)

    @staff_event("read")
    def load_ticket(self, db, ctx):
        """on_load: the ticket of `?ticket=N` (none: the queue shows)."""
        self.thread_id, self.uploading, self.entries, self.files, self.staged = 0, False, [], [], []
        wanted = query_int(self, "ticket")
        if wanted:
            self._fetch_ticket(db, ctx, wanted)
            return TicketQueueCountState.load_ticket_count

    @staff_event
    def send_entry(self, db, ctx, form: dict):
        """A reply to the customer, or (the box ticked) an internal note."""
        internal = bool(form.get("internal"))
        deliveries = rules.reply_as_staff(db, ctx, self.thread_id, str(form.get("body", ""))[:BODY_LIMIT],
                                          internal=internal)
        self._fetch_ticket(db, ctx, self.thread_id)
        notify.dispatch_after_commit(db, deliveries)
        self.form_version += 1
        self._flash("admin.tickets.noted" if internal else "admin.tickets.replied")
        return TicketQueueCountState.load_ticket_count

    @staff_event
    def save_details(self, db, ctx, form: dict):
        rules.update_ticket(db, ctx, self.thread_id, status=str(form.get("status", ""))[:40] or None,
                            priority=str(form.get("priority", ""))[:40] or None,
                            type=str(form.get("type", ""))[:40] or None, billed=bool(form.get("billed")),
                            assignee_staff_id=_assignee(form.get("assignee")))
        self._fetch_ticket(db, ctx, self.thread_id)
        self._flash("admin.tickets.saved")
        return TicketQueueCountState.load_ticket_count


class AdminInboundState(PagedList, StaffState):
    """Emails to the support address that found no ticket and no account: staff put them on an account
    (a ticket) or discard them. Shown above the queue while any waits."""

    area: ClassVar[str] = AREA
    page_size: ClassVar[int] = inbound.PENDING_PAGE_SIZE
    rows: list[InboundRow] = []
    account_options: list[Option] = []

    def _fetch(self, db, ctx) -> None:
        found, self.total = inbound.pending(db, page=self.page)
        self.rows = [InboundRow.of(m, self.lang or "en") for m in found]
        self._set(account_options=Option.all_of(inbound.account_choices(db)) if found else [])

    @staff_event
    def accept_mail(self, db, ctx, form: dict):
        conversation_id, deliveries = inbound.accept(db, ctx, parse_id(form.get("mail_id")),
                                                     parse_id(form.get("account_id")))
        notify.dispatch_after_commit(db, deliveries)
        self._refetch(db, ctx)
        self._flash("admin.tickets.inbound_accepted")

    @staff_event
    def discard_mail(self, db, ctx, mail_id: int):
        inbound.discard(db, ctx, parse_id(mail_id))
        self._refetch(db, ctx)
        self._flash("admin.tickets.inbound_discarded")


class AdminTicketSettingsState(SettingsPage, StaffState):
    area: ClassVar[str] = "settings"
    types: str = ""
    priorities: str = ""
    statuses: str = ""
    reopen_allowed: bool = True
    notify_email: str = ""

    def _fill(self, db) -> None:
        cfg = settings.config.fresh(db)  # every line is saved back: never another worker's older copy
        self.types, self.priorities = settings.as_lines(cfg.types), settings.as_lines(cfg.priorities)
        self.statuses = settings.as_lines(cfg.statuses, with_shown_as=True)
        self.reopen_allowed, self.notify_email = cfg.reopen_allowed, cfg.staff_notify_email

    def _save(self, db, ctx, form: dict) -> None:
        settings.update_settings(db, ctx, types=str(form.get("types", ""))[:5000],
                                 priorities=str(form.get("priorities", ""))[:5000],
                                 statuses=str(form.get("statuses", ""))[:5000],
                                 reopen_allowed=bool(form.get("reopen_allowed")),
                                 staff_notify_email=str(form.get("notify_email", ""))[:254])


