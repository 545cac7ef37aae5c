"""What documents hold about a contact, for the GDPR space (`registries.personal_data`): the files the
contact sent (in the export, with their content) and which documents they opened. Erasure removes the
files they sent and their views; the business's own documents on the account stay."""

from __future__ import annotations

from sqlmodel import Session, select

from portal_app.core import files, registries
from portal_app.documents.models import SOURCE_CUSTOMER, Document, DocumentView
from portal_app.documents.rules import AREA


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _sent(db: Session, contact) -> list[Document]:
    return list(db.exec(select(Document).where(Document.uploaded_by_contact_id == contact.id,
                                               Document.source == SOURCE_CUSTOMER).order_by(Document.id)).all())


def collect(db: Session, contact):
    sent = _sent(db, contact)
    views = db.exec(select(DocumentView, Document).join(Document, Document.id == DocumentView.document_id)
                    .where(DocumentView.contact_id == contact.id).order_by(DocumentView.id)).all()
    data = {"sent": [{"title": d.title, "at": _iso(d.created_at), "size_bytes": d.size_bytes} for d in sent],
            "opened": [{"title": d.title, "at": _iso(v.seen_at)} for v, d in views]}
    return data, [(AREA, d.stored_name, d.title) for d in sent]


def erase(db: Session, contact, actor) -> None:
    for view in db.exec(select(DocumentView).where(DocumentView.contact_id == contact.id)).all():
        db.delete(view)
    for document in _sent(db, contact):
        for view in db.exec(select(DocumentView).where(DocumentView.document_id == document.id)).all():
            db.delete(view)
        files.remove_after_commit(db, AREA, document.stored_name)
        db.delete(document)
    db.flush()


registries.personal_data(registries.PersonalData("documents", collect, erase))
