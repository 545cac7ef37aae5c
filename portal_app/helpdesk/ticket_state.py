"""Customer tickets: the list (filters, search, paged), a new ticket (with attachments), one ticket with
its replies, "mark as resolved" and "reopen", and the home page's card."""

from __future__ import annotations

import re
from typing import ClassVar

import reflex as rx

from portal_app.core import files as file_intake, i18n, notify
from portal_app.core.conversations import attachments, engine
from portal_app.core.conversations.state import ContactConversationPage
from portal_app.core.errors import DomainError
from portal_app.core.states.handlers import parse_id, portal_event, query_id
from portal_app.core.states.paging import PagedList
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import PageMessage
from portal_app.helpdesk import kb_rules as kb, ticket_rules as rules, ticket_settings as settings
from portal_app.helpdesk.kb_rules import KbSuggestion
from portal_app.helpdesk.ticket_models import AREA, KIND
from portal_app.helpdesk.ticket_rows import Option, TicketHead, TicketRow

UPLOAD_ID = "ticket-attachments"
CARD_LIMIT = 5
SUGGESTIONS = 5  # knowledge-base articles offered while a ticket's title is typed
BODY_LIMIT = engine.BODY_MAX + 100


class _Codes:
    """Filter values checked by their shape only: the business's codes change, and the rules match
    nothing on a code that is not theirs."""

    def __init__(self, pattern) -> None:
        self._pattern = pattern

    def __contains__(self, value) -> bool:
        return isinstance(value, str) and (value == "" or bool(self._pattern.match(value)))


ANY_CODE = _Codes(settings.CODE_RE)
ANY_ID = _Codes(re.compile(r"^[1-9][0-9]{0,17}$"))


class TicketsState(PagedList, PageMessage, PortalState):
    """The customer's tickets (the account's for those who read them all), newest activity first."""

    page_size: ClassVar[int] = rules.PAGE_SIZE
    filters: ClassVar[dict] = {"status": ANY_CODE, "priority": ANY_CODE, "contact": ANY_ID}
    rows: list[TicketRow] = []
    status_options: list[Option] = []
    priority_options: list[Option] = []
    contact_options: list[Option] = []

    def _fetch(self, db, ctx) -> None:
        self._set(error_key="")
        cfg, lang, values = settings.config(db), self.lang or ctx.language, self.filter_values
        contact = values.get("contact", "")
        items, total = rules.list_tickets(db, ctx, status=values.get("status", ""), priority=values.get("priority", ""),
                                          contact_id=int(contact) if contact else None, q=self.q, page=self.page,
                                          cfg=cfg)
        self._set(total=total, rows=[TicketRow.of(i, cfg, lang, customer=True) for i in items])

    def _load_choices(self, db, ctx) -> None:
        cfg, lang = settings.config(db), self.lang or ctx.language
        self._set(status_options=Option.all_of(cfg.choices("statuses", lang, cfg.visible_statuses())),
                  priority_options=Option.all_of(cfg.choices("priorities", lang)),
                  contact_options=Option.all_of(rules.account_contacts(db, ctx)))


class TicketsCardState(PortalState):
    """The home page's card: the latest tickets still open."""

    card_visible: bool = False
    card_items: list[TicketRow] = []

    def _fail(self, exc: DomainError) -> None:
        self.card_visible = False  # no card rather than a message on the home page

    @portal_event
    def load_tickets_card(self, db, ctx):
        if not engine.may_use(ctx, KIND):
            self._set(card_visible=False, card_items=[])
            return
        cfg, lang = settings.config(db), self.lang or ctx.language
        items, _ = rules.list_tickets(db, ctx, page=1, page_size=CARD_LIMIT * 2, cfg=cfg)
        rows = [TicketRow.of(i, cfg, lang, customer=True) for i in items]
        self._set(card_visible=True, card_items=[r for r in rows if not r.closed][:CARD_LIMIT])


class TicketState(ContactConversationPage, PageMessage, PortalState):
    """Writing a new ticket, and one ticket with its replies."""

    kind: ClassVar[str] = KIND
    upload_id: ClassVar[str] = UPLOAD_ID
    upload_what: ClassVar[str] = "ticket attachment upload"
    head: TicketHead = TicketHead()
    notice_key: str = ""
    type_options: list[Option] = []
    priority_options: list[Option] = []
    suggestions: list[KbSuggestion] = []
    default_type: str = ""
    default_priority: str = ""
    # Set when a ticket was just opened: the ticket page it leads to says so.
    _exit_notice: bool = False

    @rx.var
    def notice_text(self) -> str:
        return i18n.t(self.lang or "en", self.notice_key, business=self.brand_name) if self.notice_key else ""

    def _fetch_ticket(self, db, ctx, conversation_id: int) -> None:
        detail = rules.read_ticket(db, ctx, conversation_id)
        lang = self.lang or ctx.language
        self._set(head=TicketHead.of(detail, settings.config(db), lang, customer=True))
        self._show_entries(db, ctx, detail.conv.id, detail.entries, lang=lang)

    # ---- new ticket ----

    @portal_event
    def load_new(self, db, ctx):
        # No form reset here: someone may already be typing while the page loads.
        self._set(error_key="", notice_key="", uploading=False, thread_id=0, suggestions=[])
        attachments.check_can_write(ctx, KIND)
        cfg, lang = settings.config(db), self.lang or ctx.language
        priorities = cfg.codes("priorities")
        self._set(type_options=Option.all_of(cfg.choices("types", lang)),
                  priority_options=Option.all_of(cfg.choices("priorities", lang)),
                  default_type=cfg.codes("types")[0],
                  default_priority="normal" if "normal" in priorities else priorities[0])
        self._fetch_staged(db, ctx)

    @portal_event(impersonated="refuse")  # the customer's own act: staff work tickets from the console
    def send_new(self, db, ctx, form: dict):
        self.error_key = ""
        conv, _, deliveries = rules.open_ticket(
            db, ctx, title=str(form.get("title", ""))[:500], type=str(form.get("type", ""))[:40],
            priority=str(form.get("priority", ""))[:40], body=str(form.get("body", ""))[:BODY_LIMIT])
        notify.dispatch_after_commit(db, deliveries)
        self.staged, self.notice_key = [], "tickets.sent_ok"
        self._exit_notice = True
        return rx.redirect(f"/tickets/view?id={conv.id}")

    @portal_event
    def suggest_articles(self, db, ctx, title: str):
        """While the title is typed (debounced): knowledge-base articles that may answer it."""
        self._set(suggestions=kb.suggest(db, str(title)[:kb.SEARCH_MAX_CHARS], self.lang or ctx.language,
                                         SUGGESTIONS, reader=ctx))

    @portal_event(impersonated="refuse")  # the customer's own answer: staff would skew the count
    def answered_by_article(self, db, ctx, article_id: int):
        """"This answered my question": counted for the article, and the ticket being written is dropped
        with the files staged for it."""
        kb.record_answered(db, parse_id(article_id), reader=ctx)
        who = self._author(ctx)
        for staged in attachments.staged(db, who, kind=KIND):
            file_intake.remove_after_commit(db, AREA, attachments.discard_staged(db, who, staged.id))
        self._set(suggestions=[], staged=[], notice_key="tickets.draft_closed")
        self.form_version += 1

    # ---- one ticket ----

    @portal_event
    def load_ticket(self, db, ctx):
        keep_notice, self._exit_notice = self._exit_notice, False
        self._set(error_key="", notice_key="tickets.sent_ok" if keep_notice else "", uploading=False)
        try:
            self._show_or_forget(lambda: self._fetch_ticket(db, ctx, query_id(self, "id")))
        except Exception:
            self._set(head=TicketHead())
            raise

    @portal_event(impersonated="refuse")  # the customer's own act: staff work tickets from the console
    def send_reply(self, db, ctx, form: dict):
        self._set(error_key="", notice_key="")
        deliveries = rules.reply_as_contact(db, ctx, self.thread_id, str(form.get("body", ""))[:BODY_LIMIT])
        self._fetch_ticket(db, ctx, self.thread_id)
        notify.dispatch_after_commit(db, deliveries)
        self.form_version += 1

    @portal_event(impersonated="refuse")  # the customer's own act: staff work tickets from the console
    def resolve_ticket(self, db, ctx):
        self._set(error_key="")
        rules.resolve(db, ctx, self.thread_id)
        self._fetch_ticket(db, ctx, self.thread_id)
        self.notice_key = "tickets.resolved_ok"

    @portal_event(impersonated="refuse")  # the customer's own act: staff work tickets from the console
    def reopen_ticket(self, db, ctx):
        self._set(error_key="")
        rules.reopen(db, ctx, self.thread_id)
        self._fetch_ticket(db, ctx, self.thread_id)
        self.notice_key = "tickets.reopened_ok"
