"""Documents' HTTP routes: a customer's shared document, and any document for staff."""

from __future__ import annotations

from starlette.routing import Route

from portal_app.core import registries
from portal_app.core.routes import stored_file_route
from portal_app.documents import rules as documents

def _for_contact(db, ctx, doc_id):
    return documents.open_for_contact(db, ctx, doc_id, mark_seen=False)


def _for_staff(db, ctx, doc_id):
    return documents.open_for_staff(db, ctx, doc_id, mark_seen=False)


# A GET changes nothing: "seen" is recorded by the page's event when the link is clicked
# (DocumentsState.downloaded, NewDocumentsCardState.opened, AdminDocumentsState.opened).
registries.ROUTES.extend([
    # A customer's document: their session, their account, shared, and the documents right.
    Route("/api/documents/{doc_id:int}", stored_file_route(_for_contact, "doc_id", area=documents.AREA, staff_side=False)),
    Route("/api/admin/documents/{doc_id:int}", stored_file_route(_for_staff, "doc_id", area=documents.AREA,
                                                                 staff_side=True, permission="documents.read")),
])
