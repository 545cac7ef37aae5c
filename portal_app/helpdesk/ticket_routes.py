"""Tickets' HTTP routes: a file of a ticket the customer may read (never of an internal note), or of any
ticket for staff; and the SendGrid Inbound Parse webhook, behind the secret key in its URL."""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from portal_app.core import notify, registries
from portal_app.core.config import get_settings
from portal_app.core.db import session_scope
from portal_app.core.routes import stored_file_route
from portal_app.core.security import hashes_equal
from portal_app.helpdesk import ticket_inbound as inbound, ticket_rules as rules
from portal_app.helpdesk.ticket_models import AREA

log = logging.getLogger("guichet.inbound")
INBOUND_MAX_BYTES = 20 * 1024 * 1024  # SendGrid's own limit is 30 MB; files are not kept
FIELD_MAX_CHARS = 200_000


async def sendgrid_inbound(request: Request) -> Response:
    """SendGrid posts each email as a form. A wrong key is the same 404 as no route; an email we keep
    or refuse is a 200 (SendGrid retries anything else for days)."""
    secret = get_settings().inbound_secret
    if not secret or not hashes_equal(request.path_params["key"], secret):
        log.warning("inbound mail refused: wrong key from %s", request.client.host if request.client else "?")
        return Response(status_code=404)
    length = request.headers.get("content-length", "")
    if not length.isdigit() or int(length) > INBOUND_MAX_BYTES:
        return Response(status_code=413)
    try:
        form = await request.form(max_files=20, max_fields=100, max_part_size=4 * 1024 * 1024)
    except Exception as exc:  # noqa: BLE001 - a malformed body is the sender's problem, not a crash
        log.warning("inbound mail refused: unreadable form (%s)", type(exc).__name__)
        return Response(status_code=400)
    field = lambda name: str(form.get(name) or "")[:FIELD_MAX_CHARS]  # noqa: E731

    def receive():  # the database work, in a thread: never on the worker's event loop
        with session_scope() as db:
            received, deliveries = inbound.receive(db, sender=field("from"), recipients=field("to") + "," +
                                                   field("cc") + "," + field("envelope"), subject=field("subject"),
                                                   text=field("text"), headers=field("headers"))
            notify.dispatch_after_commit(db, deliveries)
        return received

    received = await run_in_threadpool(receive)
    await form.close()
    log.info("inbound mail: %s", received.outcome)
    return JSONResponse({"outcome": received.outcome})


registries.ROUTES.extend([
    Route("/api/ticket-attachments/{att_id:int}",
          stored_file_route(rules.open_attachment_for_contact, "att_id", area=AREA, staff_side=False)),
    Route("/api/admin/ticket-attachments/{att_id:int}",
          stored_file_route(rules.open_attachment_for_staff, "att_id", area=AREA, staff_side=True,
                            permission="tickets.read")),
    Route("/api/inbound/sendgrid/{key:str}", sendgrid_inbound, methods=["POST"]),
])
