"""Tickets' HTTP routes: a file of a ticket the customer may read (never of an internal note), or of any
ticket for staff."""

from __future__ import annotations

from starlette.routing import Route

from portal_app.core import registries
from portal_app.core.routes import stored_file_route
from portal_app.helpdesk import ticket_rules as rules
from portal_app.helpdesk.ticket_models import AREA

registries.ROUTES.extend([
    Route("/api/ticket-attachments/{att_id:int}",
          stored_file_route(rules.open_attachment_for_contact, "att_id", area=AREA, staff_side=False)),
    Route("/api/admin/ticket-attachments/{att_id:int}",
          stored_file_route(rules.open_attachment_for_staff, "att_id", area=AREA, staff_side=True)),
])
