"""Messages' HTTP routes: an attachment of a thread the customer may read, or of any thread for staff."""

from __future__ import annotations

from starlette.routing import Route

from portal_app.core import registries
from portal_app.core.routes import stored_file_route
from portal_app.messages import rules as messages
from portal_app.messages.rules import AREA

registries.ROUTES.extend([
    Route("/api/message-attachments/{att_id:int}",
          stored_file_route(messages.open_attachment_for_contact, "att_id", area=AREA, staff_side=False)),
    Route("/api/admin/message-attachments/{att_id:int}",
          stored_file_route(messages.open_attachment_for_staff, "att_id", area=AREA, staff_side=True,
                            permission="messages.read")),
])
