"""The language picker relabels the page it sits on at once: the page's own loads run again in the new
language (`SiteState._relabel_page`), so what they formatted on the server (dates, amounts) follows it,
on the customer side and in the console."""

from __future__ import annotations

import itertools

from portal_app.billing.admin_state import AdminInvoicesState
from portal_app.billing.state import InvoicesState
from portal_app.console.contacts_state import AdminContactState
from portal_app.core import registries
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from portal_app.core.states.portal import PortalState
from portal_app.core.states.staff import StaffState
from tests.factories import make_account, make_contact, make_issued, staff_session
from tests.support.states import _router, sub

_n = itertools.count(1)
ROUTE = "/test-live-invoices"


def _customer() -> tuple[str, int]:
    n = next(_n)
    with session_scope() as db:
        account = make_account(db, name=f"Live Co {n}")
        contact = make_contact(db, account, email=f"live{n}@example.com", portal_role="admin", language="en")
        make_issued(db, account, [("Line", "1", "1234.50", "20")])
        return portal_sessions.open_session(db, contact.id), contact.id


def _page(root, monkeypatch, side: str, loads: tuple) -> None:
    monkeypatch.setitem(registries.PAGE_LOADS, ROUTE, registries.PageLoad(side, loads))
    for cls in {h.state for h in loads} | {PortalState, StaffState}:
        sub(root, cls).router = _router(ROUTE, {})


def test_switching_language_formats_the_customer_page_again(root, monkeypatch):
    portal = sub(root, PortalState)
    portal.portal_sid, contact_id = _customer()
    _page(root, monkeypatch, "portal", (InvoicesState.load_list,))
    portal.open_page(ROUTE)
    invoices = sub(root, InvoicesState)
    english = invoices.rows[0]
    assert english.total == "€1,481.40"

    portal.choose_language("de", ROUTE)
    german = invoices.rows[0]
    assert portal.lang == "de" and german.total == "1.481,40\xa0€"
    assert german.issue_date != english.issue_date  # "Nov 28, 2026" -> "28.11.2026"
    with session_scope() as db:
        assert db.get(Contact, contact_id).language == "de"

    portal.choose_language("en", ROUTE)  # and back
    assert invoices.rows[0] == english


def test_a_route_that_is_not_a_page_of_the_side_runs_nothing(root, monkeypatch):
    portal = sub(root, PortalState)
    portal.portal_sid, _ = _customer()
    _page(root, monkeypatch, "staff", (InvoicesState.load_list,))  # a console route: not the portal's
    portal.load_site()
    assert portal.choose_language("fr", ROUTE) is None
    assert portal.lang == "fr" and sub(root, InvoicesState).rows == []
    for route in ("/nowhere", "", None, 12, ["/"]):
        portal.choose_language("de", route)
        assert sub(root, InvoicesState).rows == []


def test_without_a_session_the_page_does_not_load_again(root, monkeypatch):
    portal = sub(root, PortalState)
    portal.portal_sid = "ended-or-unknown"
    _page(root, monkeypatch, "portal", (InvoicesState.load_list,))
    portal.load_site()
    assert portal.choose_language("de", ROUTE) is None
    invoices = sub(root, InvoicesState)
    assert portal.lang == "de" and invoices.rows == [] and invoices.error_key == ""  # nothing ran, no refusal


def test_the_console_picker_formats_the_console_page_again(root, monkeypatch):
    with session_scope() as db:
        make_issued(db, make_account(db, name="Console Live Co"), [("Line", "1", "1234.50", "20")])
    staff = sub(root, StaffState)
    with session_scope() as db:
        staff.staff_sid = staff_session(db)
    _page(root, monkeypatch, "staff", (AdminInvoicesState.load_list,))
    staff.open_page(ROUTE)
    listed = sub(root, AdminInvoicesState)
    assert "€1,481.40" in [r.total for r in listed.rows]
    staff.choose_language("fr", ROUTE)
    assert staff.lang == "fr" and "1\u202f481,40\xa0€" in [r.total for r in listed.rows]

    staff.staff_sid = "revoked"  # no staff session: the language changes, the page does not load
    listed.rows = []
    assert staff.choose_language("de", ROUTE) is None and listed.rows == []


def test_formatting_the_page_again_keeps_what_is_typed_in_its_forms(root, monkeypatch):
    """The browser's zone arrives just after a page opened, and the picker may be used mid-edit: the page's
    loads run again (an open dialog closes, the rows are formatted again), but its forms are not
    re-created (`form_version` kept), so the fields keep what the person typed and did not save yet."""
    _, contact_id = _customer()
    console = sub(root, StaffState)
    with session_scope() as db:
        console.staff_sid = staff_session(db)
    route = "/test-live-contact"
    monkeypatch.setitem(registries.PAGE_LOADS, route, registries.PageLoad("staff", (AdminContactState.load_contact,)))
    page = sub(root, AdminContactState)
    page.router = console.router = _router(route, {"id": contact_id})
    console.open_page(route)
    assert page.contact.email.startswith("live") and page.contact_id == contact_id
    version = page.form_version
    assert version > 0  # the load shows the stored values in a new form

    page.dialog = "invitation"
    console.set_device_zone("Asia/Bangkok", route)
    assert console.time_zone == "Asia/Bangkok"
    assert page.dialog == "" and page.form_version == version  # the load ran again; the form stayed

    page.dialog = "invitation"
    console.choose_language("de", route)
    assert console.lang == "de" and page.dialog == "" and page.form_version == version

    page.router = console.router = _router(route, {"id": contact_id})
    console.open_page(route)  # opening the page (a navigation, a reload) shows the stored values afresh
    assert page.form_version > version
