"""Documents' HTTP routes: a customer's shared document, and any document for staff."""

from __future__ import annotations

from starlette.routing import Route

from portal_app.core import registries
from portal_app.core.routes import stored_file_route
from portal_app.documents import rules as documents

registries.ROUTES.extend([
    # A customer's document: their session, their account, shared, and the documents right.
    Route("/api/documents/{doc_id:int}",
          stored_file_route(documents.open_for_contact, "doc_id", area=documents.AREA, staff_side=False)),
    Route("/api/admin/documents/{doc_id:int}",
          stored_file_route(documents.open_for_staff, "doc_id", area=documents.AREA, staff_side=True,
                            permission="documents.read")),
])
