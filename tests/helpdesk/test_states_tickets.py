"""Ticket states: a customer opens a ticket with a file and follows it; staff work it from the queue (note,
reply with a file, workflow, bulk); filters from the browser are checked; no session, no action."""

from __future__ import annotations

import itertools

from sqlmodel import select

from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.conversations.models import Conversation
from portal_app.core.db import session_scope
from portal_app.helpdesk.ticket_admin_state import AdminTicketSettingsState, AdminTicketsState, AdminTicketState
from portal_app.helpdesk.ticket_state import TicketsCardState, TicketsState, TicketState
from tests.factories import PDF_BYTES, PNG_BYTES, make_account, make_contact, staff_session
from tests.support.states import sub
from tests.support.uploads import at, run_upload

_n = itertools.count(1)


def customer(**kw):
    with session_scope() as db:
        acc = make_account(db, name=f"Tickets Co {next(_n)}")
        c = make_contact(db, acc, first_name="Hana", last_name="Weiss", **kw)
        return c.id, acc.id, portal_sessions.open_session(db, c.id)


def test_a_ticket_from_the_customer_through_the_queue_and_back(root):
    contact_id, account_id, token = customer(language="de", portal_role="admin")
    page = sub(root, TicketState)
    page.portal_sid = token
    page.load_new()
    assert page.error_key == "" and [o.value for o in page.type_options] == ["question", "incident", "request"]
    assert page.default_priority == "normal" and page.priority_options[0].label == "Niedrig"
    run_upload(page, "upload_attachments", [("Zähler.png", PNG_BYTES)])
    assert [a.title for a in page.staged] == ["Zähler.png"]
    page.send_new({"title": "", "type": "incident", "priority": "high", "body": "x"})
    assert page.error_key == "tickets.error.title_required"
    assert page.send_new({"title": "Drucker", "type": "incident", "priority": "high", "body": "Druckt nicht."})
    with session_scope() as db:
        conv = db.exec(select(Conversation).where(Conversation.contact_id == contact_id)).one()
    at(page, f"/tickets/view?id={conv.id}")
    page.load_ticket()
    assert page.notice_key == "tickets.sent_ok" and page.head.title == "Drucker"
    # "new" is a staff word: the customer sees "open"
    assert (page.head.status, page.head.status_label, page.head.can_resolve) == ("open", "Offen", True)
    assert [(f.title, f.message_id) for f in page.files] == [("Zähler.png", page.entries[0].id)]

    listing = sub(root, TicketsState)
    listing.portal_sid = token
    at(listing, "/tickets")
    listing.load_list()
    assert [r.id for r in listing.rows] == [conv.id] and listing.rows[0].priority_label == "Hoch"
    listing.set_filter("status", "pending")
    assert listing.rows == []
    listing.set_filter("status", "<script>")  # not a code: dropped, every status again
    assert listing.filter_values["status"] == "" and [r.id for r in listing.rows] == [conv.id]
    listing.search({"q": "druckt"})
    assert [r.id for r in listing.rows] == [conv.id]

    # staff: the queue, an internal note, a reply with a file, the workflow
    with session_scope() as db:
        staff_token = staff_session(db)
    queue = sub(root, AdminTicketsState)
    queue.staff_sid = staff_token
    at(queue, f"/admin/tickets?account={account_id}")
    queue.load_queue()
    assert [r.id for r in queue.rows] == [conv.id] and queue.rows[0].unread and queue.rows[0].age
    one = sub(root, AdminTicketState)
    one.staff_sid = staff_token
    at(one, f"/admin/tickets?ticket={conv.id}")
    one.load_ticket()
    assert one.head.contact_name == "Hana Weiss" and one.head.status == "new"
    one.send_entry({"body": "Treiber kaputt", "internal": "on"})
    assert one.flash_key == "admin.tickets.noted" and one.entries[-1].internal
    run_upload(one, "upload_attachments", [("Anleitung.pdf", PDF_BYTES)])
    one.send_entry({"body": "Techniker kommt heute."})
    assert one.flash_key == "admin.tickets.replied" and one.head.status == "open"
    one.save_details({"status": "pending", "priority": "urgent", "type": "incident", "assignee": ""})
    assert (one.head.status, one.head.priority) == ("pending", "urgent")
    one.save_details({"status": "bogus", "priority": "urgent", "type": "incident", "assignee": ""})
    assert one.flash_key == "tickets.error.status"

    # the customer sees the reply and its file, never the note; replies; resolves
    at(page, f"/tickets/view?id={conv.id}")
    page.load_ticket()
    assert [e.body for e in page.entries] == ["Druckt nicht.", "Techniker kommt heute."]
    assert sorted(f.title for f in page.files) == ["Anleitung.pdf", "Zähler.png"]
    assert page.head.status_label == "Wartet auf Sie"
    page.send_reply({"body": "Danke!"})
    assert page.error_key == "" and page.entries[-1].body == "Danke!"
    page.resolve_ticket()
    assert page.head.status == "resolved" and page.head.can_reopen and page.notice_key == "tickets.resolved_ok"
    card = sub(root, TicketsCardState)
    card.portal_sid = token
    card.load_tickets_card()
    assert card.card_visible and card.card_items == []  # resolved: not on the home page

    # bulk: select, then reopen from the console
    queue.set_filter("status", "all")
    queue.toggle(conv.id)
    queue.toggle(999999999)  # not on the page: ignored
    assert queue.selected == [conv.id]
    queue.bulk_status({"bulk_status": "open"})
    assert queue.flash_key == "admin.tickets.bulk_done" and queue.selected == []
    page.load_ticket()
    assert page.head.status == "open"


def test_settings_page_saves_and_refuses_bad_lines(root):
    with session_scope() as db:
        staff_token = staff_session(db)
    page = sub(root, AdminTicketSettingsState)
    page.staff_sid = staff_token
    page.load_settings()
    assert "pending" in page.statuses and page.reopen_allowed
    form = {"types": page.types, "priorities": page.priorities, "statuses": "open\nclosed", "reopen_allowed": "on",
            "notify_email": ""}
    page.save_settings(form)
    assert page.flash_key == "tickets.error.status_needed" and not page.saved
    page.save_settings({**form, "statuses": page.statuses})
    assert page.saved


def test_handlers_refuse_without_a_session(root):
    page = sub(root, TicketState)
    page.portal_sid = ""
    page.load_new()
    assert page.error_key == "error.session_over"
    page.thread_id = 1
    for call in (lambda: page.send_reply({"body": "x"}), page.resolve_ticket, page.reopen_ticket,
                 lambda: page.send_new({"title": "t", "type": "question", "priority": "low", "body": "b"})):
        page.error_key = ""
        call()
        assert page.error_key == "error.session_over"
    queue = sub(root, AdminTicketsState)
    queue.staff_sid = ""
    queue.selected = [1]
    queue.bulk_status({"bulk_status": "closed"})
    assert queue.flash_key == "error.session_over"


def test_suggestions_while_the_title_is_typed_and_an_answer_closes_the_draft(root):
    from portal_app.helpdesk.kb_models import KbArticle
    from tests.factories import staff_ctx
    from tests.helpdesk.kb_factories import make_article

    with session_scope() as db:
        article = make_article(db, staff_ctx(db), title="Quokka printer shows a blank receipt",
                               body="Restart it.", public=False)
        article_id = article.id
    _, _, token = customer()
    page = sub(root, TicketState)
    page.portal_sid = token
    page.load_new()
    page.suggest_articles("blank quokka")
    assert [s.id for s in page.suggestions][:1] == [article_id] and page.suggestions[0].title.startswith("Quokka")
    page.suggest_articles("")
    assert page.suggestions == []
    run_upload(page, "upload_attachments", [("scan.pdf", PDF_BYTES)])
    assert len(page.staged) == 1
    version = page.form_version
    page.answered_by_article(article_id)
    assert page.notice_key == "tickets.draft_closed" and page.staged == [] and page.form_version == version + 1
    with session_scope() as db:
        assert db.get(KbArticle, article_id).answered_count == 1
    page.answered_by_article(999999999)  # no such article: refused, nothing counted
    assert page.error_key == "error.not_found"
