"""Console: a contact's failing-address marks, on the contact page and in the contact list; staff clear them."""

from __future__ import annotations

from sqlmodel import select

from portal_app.console.contacts_state import AdminContactsState, AdminContactState
from portal_app.core import clock
from portal_app.core.db import session_scope
from portal_app.core.models.accounts import Contact
from portal_app.core.models.audit import AuditEvent
from tests.factories import make_account, make_contact, staff_session
from tests.support.states import router_data, sub


def console_token() -> str:
    with session_scope() as db:
        return staff_session(db)


def marked_contact() -> int:
    with session_scope() as db:
        n = make_account(db).id
        c = make_contact(db, email=f"marked{n}@example.com", mobile="+3361234{:04d}".format(n % 10000))
        c.email_failing_at, c.email_failing_reason = clock.now(), "the receiving server said the mailbox does not exist"
        c.mobile_failing_at, c.mobile_failing_reason, c.mobile_failures = clock.now(), "the number does not exist", 3
        db.add(c)
        return c.id


def test_staff_see_the_marks_and_clear_them(root):
    cid = marked_contact()
    page = sub(root, AdminContactState)
    page.staff_sid = console_token()
    page.router = router_data("/admin/contact", {"id": cid})
    page.load_contact()
    assert page.diagnosis.email_failing == "the receiving server said the mailbox does not exist"
    assert page.diagnosis.mobile_failing == "the number does not exist"

    page.clear_failing_mark("fax")
    assert page.flash_key == "admin.contact.error.no_such_mark"
    page.clear_failing_mark("email")
    assert page.diagnosis.email_failing == "" and page.diagnosis.mobile_failing == "the number does not exist"
    page.clear_failing_mark("mobile")
    with session_scope() as db:
        c = db.get(Contact, cid)
        assert (c.email_failing_at, c.mobile_failing_at, c.mobile_failures) == (None, None, 0)
        actions = db.exec(select(AuditEvent.action).where(AuditEvent.target_id == cid,
                                                          AuditEvent.action.like("contact.%_mark_cleared"))).all()
    assert sorted(actions) == ["contact.email_mark_cleared", "contact.mobile_mark_cleared"]


def test_the_contact_list_shows_failing_addresses(root):
    cid = marked_contact()
    with session_scope() as db:
        email = db.get(Contact, cid).email
    page = sub(root, AdminContactsState)
    page.staff_sid = console_token()
    page.router = router_data("/admin/contacts", {})
    page.load_list()
    page.search({"q": email})
    [row] = [r for r in page.rows if r.id == cid]
    assert row.failing == "email, mobile"


def test_without_a_session_nothing_is_cleared(root):
    cid = marked_contact()
    page = sub(root, AdminContactState)
    page.contact_id = cid
    page.clear_failing_mark("email")
    with session_scope() as db:
        assert db.get(Contact, cid).email_failing_at is not None
