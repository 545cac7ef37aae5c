"""Documents: who sees what (shared flag, account, rights), folders, search, sort, "new" badges,
customer uploads, notices and the opt-in email on share."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.core.models.audit import AuditEvent
from portal_app.documents.models import Document
from portal_app.core.models.notifications import Notification
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import business, files as file_intake, notifications
from portal_app.documents import rules as documents
from portal_app.core.errors import DomainError, Forbidden, NotFound
from tests.factories import PDF_BYTES, PNG_BYTES, make_account, make_contact, make_document, portal_ctx, staff_ctx

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _fresh_business():
    business.forget_cached_business()
    yield
    business.forget_cached_business()


def admin_of(db, account, **kw):
    return portal_ctx(db, make_contact(db, account, portal_role="admin", **kw))


def test_customers_see_only_their_accounts_shared_documents(db):
    acc, other = make_account(db), make_account(db)
    staff = staff_ctx(db)
    shared = make_document(db, acc, title="Shared.pdf", by=staff)
    make_document(db, acc, title="Draft.pdf", shared=False, by=staff)
    make_document(db, other, title="Other.pdf", by=staff)
    ctx = admin_of(db, acc)
    items, total = documents.list_for_contact(db, ctx)
    assert total == 1 and [i.id for i in items] == [shared.id]
    assert items[0].is_new and items[0].inline


def test_a_non_shared_or_foreign_document_does_not_exist_for_a_customer(db):
    acc, other = make_account(db), make_account(db)
    staff = staff_ctx(db)
    draft = make_document(db, acc, shared=False, by=staff)
    foreign = make_document(db, other, by=staff)
    ctx = admin_of(db, acc)
    for doc_id in (draft.id, foreign.id, 10**9):
        with pytest.raises(NotFound):
            documents.open_for_contact(db, ctx, doc_id)
    refusals = db.exec(select(AuditEvent).where(AuditEvent.action == "security.refused")).all()
    assert {(e.target_id, e.detail["reason"]) for e in refusals} == {(draft.id, "not_shared"),
                                                                     (foreign.id, "other_account")}
    assert all(e.actor_type == "contact" and e.account_id == acc.id for e in refusals)


def test_rights_decide_who_sees_documents(db):
    acc = make_account(db)
    make_document(db, acc)
    member = portal_ctx(db, make_contact(db, acc, portal_role="member"))  # members: support functions only
    with pytest.raises(Forbidden):
        documents.list_for_contact(db, member)
    assert documents.new_count(db, member) == 0 and documents.newest_unseen(db, member) == []
    granted = portal_ctx(db, make_contact(db, acc, portal_role="member", rights=["documents"]))
    assert granted.can("documents") is False  # rights narrow the role, never widen it
    admin = admin_of(db, acc, rights=["invoices"])  # an admin whose rights leave documents out
    with pytest.raises(Forbidden):
        documents.list_for_contact(db, admin)


def test_business_switching_documents_off_hides_them(db):
    acc = make_account(db)
    doc = make_document(db, acc)
    row = business.get_business(db)
    row.modules = [m for m in row.modules if m != "documents"]
    db.add(row)
    business.forget_cached_business()
    ctx = admin_of(db, acc)
    with pytest.raises(Forbidden):
        documents.list_for_contact(db, ctx)
    with pytest.raises(NotFound):
        documents.open_for_contact(db, ctx, doc.id)


def test_new_badge_until_opened_and_not_cleared_by_staff_looking(db):
    acc = make_account(db)
    doc = make_document(db, acc)
    ctx = admin_of(db, acc)
    other = admin_of(db, acc)
    assert documents.new_count(db, ctx) == 1
    from portal_app.core.auth import sessions as portal_sessions

    staff = staff_ctx(db)
    as_contact = portal_sessions.resolve_session(db, portal_sessions.open_session(
        db, ctx.contact_id, impersonator_staff_id=staff.staff_id, staff_session_id=staff.session_id))
    documents.open_for_contact(db, as_contact, doc.id)
    assert documents.new_count(db, ctx) == 1
    documents.open_for_contact(db, ctx, doc.id)
    assert documents.new_count(db, ctx) == 0
    assert documents.list_for_contact(db, ctx)[0][0].is_new is False
    assert documents.new_count(db, other) == 1  # per contact


def test_folders_search_sort_and_paging(db):
    acc = make_account(db)
    staff = staff_ctx(db)
    contracts = documents.create_folder(db, staff, acc.id, "  Contracts  ")
    assert contracts.name == "Contracts"
    with pytest.raises(DomainError) as err:
        documents.create_folder(db, staff, acc.id, "contracts")
    assert err.value.key == "documents.error.folder_exists"
    empty = documents.create_folder(db, staff, acc.id, "Empty")
    for name in ("Beta.pdf", "alpha.pdf", "Gamma.pdf"):
        make_document(db, acc, title=name, folder_id=contracts.id, by=staff)
    make_document(db, acc, title="Loose 100%_done.pdf", by=staff)
    ctx = admin_of(db, acc)
    assert documents.list_folders(db, ctx) == [(contracts.id, "Contracts", 3)]  # empty folders are not shown
    assert {f[0] for f in documents.account_folders(db, staff, acc.id)} == {contracts.id, empty.id}
    items, total = documents.list_for_contact(db, ctx, folder_id=contracts.id, sort="name")
    assert total == 3 and [i.title for i in items] == ["alpha.pdf", "Beta.pdf", "Gamma.pdf"]
    assert [i.title for i in documents.list_for_contact(db, ctx, sort="oldest")[0]][:1] == ["Beta.pdf"]
    assert [i.title for i in documents.list_for_contact(db, ctx, q="GAM")[0]] == ["Gamma.pdf"]
    assert [i.title for i in documents.list_for_contact(db, ctx, q="%_")[0]] == ["Loose 100%_done.pdf"]
    page2, total = documents.list_for_contact(db, ctx, page=2, page_size=3)
    assert total == 4 and len(page2) == 1
    moved = documents.delete_folder(db, staff, acc.id, contracts.id)
    assert moved == 3 and documents.list_for_contact(db, ctx)[1] == 4


def test_another_accounts_folder_is_refused(db):
    acc, other = make_account(db), make_account(db)
    staff = staff_ctx(db)
    folder = documents.create_folder(db, staff, other.id, "Theirs")
    make_document(db, other, folder_id=folder.id, by=staff)
    ctx = admin_of(db, acc)
    with pytest.raises(NotFound):
        documents.list_for_contact(db, ctx, folder_id=folder.id)
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "security.refused",
                                            AuditEvent.target_type == "document_folder")).one().target_id == folder.id
    with pytest.raises(NotFound):  # staff cannot file a document into another account's folder either
        documents.add_document(db, staff, acc.id, file_intake.store_bytes("documents", "x.pdf", PDF_BYTES, MB),
                               folder_id=folder.id)


def test_sharing_posts_a_notice_and_emails_only_when_asked(db):
    acc = make_account(db)
    reader = make_contact(db, acc, portal_role="admin", language="fr")
    make_contact(db, acc, portal_role="member")  # no documents right: never emailed
    make_contact(db, acc, portal_role="admin", active=False)
    staff = staff_ctx(db)
    quiet = make_document(db, acc, shared=False, by=staff)
    assert documents.set_shared(db, staff, quiet.id, True) == []
    assert db.exec(select(OutboundMessage)).all() == []
    assert db.exec(select(Notification).where(Notification.ref == f"document:{quiet.id}")).one().module == "documents"
    stored = file_intake.store_bytes("documents", "Plan.png", PNG_BYTES, MB)
    doc, deliveries = documents.add_document(db, staff, acc.id, stored, shared=True, notify_customer=True)
    assert [d.to for d in deliveries] == [reader.email]
    mail = db.exec(select(OutboundMessage)).one()
    assert mail.language == "fr" and "Plan.png" in mail.body_text and "/documents" in mail.body_text
    # unsharing withdraws the notice: the customer is not sent to something that is gone
    documents.set_shared(db, staff, doc.id, False)
    assert db.exec(select(Notification).where(Notification.ref == f"document:{doc.id}")).all() == []
    with pytest.raises(NotFound):
        documents.open_for_contact(db, portal_ctx(db, reader), doc.id)


def test_replace_makes_it_new_again_and_delete_removes_everything(db):
    acc = make_account(db)
    staff = staff_ctx(db)
    doc = make_document(db, acc, by=staff)
    ctx = admin_of(db, acc)
    documents.open_for_contact(db, ctx, doc.id)
    old_name = doc.stored_name
    new = file_intake.store_bytes("documents", "Contract v2.pdf", PDF_BYTES + b"v2", MB)
    assert documents.replace_document(db, staff, doc.id, new) == old_name
    assert doc.version == 2 and doc.title == "Contract v2.pdf" and documents.new_count(db, ctx) == 1
    assert db.exec(select(Notification).where(Notification.ref == f"document:{doc.id}")).one().kind == \
        "document.updated"
    stored = documents.delete_document(db, staff, doc.id)
    assert stored == new.stored_name and db.get(Document, doc.id) is None
    assert db.exec(select(Notification).where(Notification.ref == f"document:{doc.id}")).all() == []


def test_customer_uploads_only_when_the_business_allows(db):
    acc = make_account(db)
    ctx = admin_of(db, acc)
    with pytest.raises(DomainError) as err:
        documents.check_customer_upload(db, ctx)
    assert err.value.key == "documents.error.uploads_off"
    staff = staff_ctx(db)
    documents.update_settings(db, staff, customer_uploads=True, max_upload_mb=5)
    assert documents.check_customer_upload(db, ctx) == 5 * MB
    stored = file_intake.store_bytes("documents", "Kbis.pdf", PDF_BYTES, MB)
    doc = documents.add_customer_document(db, ctx, stored)
    assert doc.source == "customer" and doc.shared and not doc.staff_seen
    assert documents.received_unseen_count(db, acc.id) == 1
    items, _ = documents.staff_list(db, staff, acc.id, received_only=True)
    assert [i.id for i in items] == [doc.id] and items[0].is_new
    documents.open_for_staff(db, staff, doc.id)
    assert documents.received_unseen_count(db, acc.id) == 0
    # the customer sees what they sent, never as "new"
    assert documents.list_for_contact(db, ctx)[0][0].is_new is False and documents.new_count(db, ctx) == 0
    with pytest.raises(DomainError):
        documents.update_settings(db, staff, customer_uploads=True, max_upload_mb=0)


def test_dashboard_lists_newest_unseen_documents(db):
    acc = make_account(db)
    staff = staff_ctx(db)
    docs = [make_document(db, acc, title=f"D{i}.pdf", by=staff) for i in range(7)]
    ctx = admin_of(db, acc)
    documents.open_for_contact(db, ctx, docs[-1].id)
    shown = documents.newest_unseen(db, ctx, limit=5)
    assert [d.title for d in shown] == ["D5.pdf", "D4.pdf", "D3.pdf", "D2.pdf", "D1.pdf"]
    texts = [n.text for n in notifications.recent(db, ctx, "en")]
    assert texts[0] == "New document: D6.pdf"
