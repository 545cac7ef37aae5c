"""Issue 14: issuing an invoice or a credit note renders and stores a PDF (a few tenths of a second). That
work runs in a thread, never on the worker's event loop under the state lock, where every browser the
worker serves would wait for it. The handlers are background events and the service calls run off the
loop; what the page shows afterwards is unchanged (the journeys in test_states.py and
test_security_credit_notes.py)."""

from __future__ import annotations

import itertools

import pytest

from portal_app.billing import credit_notes, rules
from portal_app.billing.admin_state import AdminInvoiceState
from portal_app.core.db import session_scope
from tests.core.test_routes_off_loop import on_event_loop
from tests.factories import make_account, make_contact, make_draft, staff_session
from tests.support.states import _router, run_background, sub

_n = itertools.count(1)
SLOW = ("issue", "cancel_with_credit_note", "issue_partial_credit")


@pytest.mark.parametrize("name", SLOW)
def test_the_handlers_that_render_a_pdf_are_background_events(name):
    assert AdminInvoiceState.event_handlers[name].is_background


def test_issuing_and_crediting_run_off_the_event_loop(root, monkeypatch):
    seen: list[tuple[str, bool]] = []

    def spy(label, real):
        def wrapper(*args, **kwargs):
            seen.append((label, on_event_loop()))
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(rules, "issue_invoice", spy("issue", rules.issue_invoice))
    monkeypatch.setattr(credit_notes, "credit_invoice", spy("credit", credit_notes.credit_invoice))
    with session_scope() as db:
        account = make_account(db, name=f"Off Loop {next(_n)}")
        make_contact(db, account, email=f"offloop{next(_n)}@example.com", portal_role="admin")
        draft_id = make_draft(db, account, lines=(("Router", "2", "60.00", "20"),)).id
        token = staff_session(db)
    ed = sub(root, AdminInvoiceState)
    ed.staff_sid = token
    ed.router = _router("/admin/invoice", {"id": draft_id})
    ed.load_invoice()
    run_background(ed, "issue")
    assert ed.flash_key == "admin.invoice.issued" and ed.view.number.startswith("INV-")
    line_id = ed.credit_lines[0].id
    run_background(ed, "issue_partial_credit", {"reason": "One returned", f"qty-{line_id}": "1"})
    assert ed.flash_key == "admin.invoice.credit_note_issued" and len(ed.credit_notes) == 1
    run_background(ed, "cancel_with_credit_note", {"reason": "Contract ended"})
    assert ed.flash_key == "admin.invoice.credit_note_issued" and ed.view.status == "void"
    assert seen == [("issue", False), ("credit", False), ("credit", False)]
