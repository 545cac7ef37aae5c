"""Billing's HTTP routes: invoice PDFs, consumption files and receipts (each checked against the portal
session and its account, or the staff session with `?console=1`), and the Stripe webhook."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from portal_app.core import registries
from portal_app.core.db import session_scope
from portal_app.billing import (access, card_payments as billing_stripe, consumption, credit_notes, customer_views,
                                payments, rules)
from portal_app.billing.amounts import as_id
from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.permissions import RoleForbidden
from portal_app.core.routes import (
    console_actor, file_headers, open_or_record, read_body_capped, refusal, role_forbidden,
)
from portal_app.core.states.portal import PORTAL_COOKIE

log = logging.getLogger("guichet.api")
# What the console side of these routes needs (`core/permissions.py`).
CONSOLE_PERMISSION = "billing.read"
WEBHOOK_MAX_BYTES = 512 * 1024


def disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name in RFC 5987 form."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "_", filename).strip("._") or "download"
    return f"attachment; filename=\"{ascii_name[:120]}\"; filename*=UTF-8''{quote(filename[:200], safe='')}"


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _actor(db, request: Request):
    """("staff", StaffContext) with `?console=1`, a full console session and a role that reads billing;
    else ("portal", PortalContext)."""
    if request.query_params.get("console") == "1":
        ctx = console_actor(db, request, CONSOLE_PERMISSION)
        return ("staff", ctx) if ctx else (None, None)
    ctx = portal_sessions.resolve_session(db, request.cookies.get(PORTAL_COOKIE))
    return ("portal", ctx) if ctx else (None, None)


def _lookup(request: Request, for_staff, for_customer, object_id):
    """`for_staff(db, ctx, id)` with a console session (`?console=1`), `for_customer(db, ctx, id, ip)` with a
    portal one; None when there is no session or the rule refuses; the 403 response for a console role
    that may not read billing. The session keeps a refusal's audit line."""
    try:
        with session_scope() as db:
            kind, ctx = _actor(db, request)
            if kind == "staff":
                return open_or_record(db, ctx, for_staff, object_id, target_type="billing")
            if kind == "portal":
                return open_or_record(db, ctx, for_customer, object_id, target_type="billing",
                                      args=(_client_ip(request),))
            return None
    except RoleForbidden:
        return role_forbidden()
    except DomainError:
        return None


def _attachment(content: bytes | str, media_type: str, filename: str) -> Response:
    """A private download: `content` is the bytes themselves or the path of the stored file."""
    headers = {**file_headers(media_type, inline=False), "Content-Disposition": disposition(filename)}
    if isinstance(content, bytes):
        return Response(content, media_type=media_type, headers=headers)
    return FileResponse(content, media_type=media_type, headers=headers)


async def invoice_pdf(request: Request) -> Response:
    # the lookup (and a draft's PDF, rendered now) runs in a thread: never on the worker's event loop
    found = await run_in_threadpool(_lookup, request, rules.invoice_pdf_for_staff,
                                    customer_views.invoice_pdf_for_customer, request.path_params["invoice_id"])
    if found is None or isinstance(found, Response):
        return found or refusal()
    inv, pdf = found  # a draft's preview is bytes, made now and never stored
    return _attachment(pdf, "application/pdf", f"{inv.number or f'draft-{inv.id}'}.pdf")


async def credit_note_pdf(request: Request) -> Response:
    found = await run_in_threadpool(_lookup, request, credit_notes.credit_note_pdf_for_staff,
                                    credit_notes.credit_note_pdf_for_customer, request.path_params["credit_note_id"])
    if found is None or isinstance(found, Response):
        return found or refusal()
    note, path = found
    return _attachment(path, "application/pdf", f"{note.number}.pdf")


async def consumption_file(request: Request) -> Response:
    found = await run_in_threadpool(_lookup, request, consumption.consumption_file_for_staff,
                                    consumption.consumption_file_for_customer, request.path_params["file_id"])
    if found is None or isinstance(found, Response):
        return found or refusal()
    row, path = found
    media = "application/pdf" if row.content_type == "application/pdf" else "text/csv; charset=utf-8"
    return _attachment(path, media, row.filename)


def _receipt(db, payment, lang: str) -> bytes:
    from portal_app.core.models.accounts import Account
    from portal_app.billing.pdf import render_receipt_pdf

    return render_receipt_pdf(db, payment, db.get(Account, payment.account_id),
                              payments.payment_lines(db, payment.id), lang)


def _receipt_for_staff(db, ctx, payment_id) -> bytes:
    from portal_app.billing.models import Payment

    payment = db.get(Payment, as_id(payment_id) or 0)
    if payment is None or payment.status != "succeeded":
        raise NotFound()
    return _receipt(db, payment, "en")


def _receipt_for_customer(db, ctx, payment_id, ip: str) -> bytes:
    return _receipt(db, access.get_payment(db, ctx, payment_id, ip), ctx.language)


async def payment_receipt(request: Request) -> Response:
    payment_id = request.path_params["payment_id"]
    pdf = await run_in_threadpool(_lookup, request, _receipt_for_staff, _receipt_for_customer, payment_id)
    if pdf is None or isinstance(pdf, Response):
        return pdf or refusal()
    return _attachment(pdf, "application/pdf", f"receipt-R-{payment_id:06d}.pdf")


async def stripe_webhook(request: Request) -> Response:
    """Stripe's signed notifications. A bad signature is refused before anything is read from it."""
    payload = await read_body_capped(request, WEBHOOK_MAX_BYTES)
    if payload is None:
        return JSONResponse({"error": "too large"}, status_code=413)
    try:
        event = billing_stripe.verify(payload, request.headers.get("stripe-signature"))
    except billing_stripe.WebhookRefused as exc:
        log.warning("Stripe webhook refused from %s: %s", _client_ip(request), exc)
        return JSONResponse({"error": "signature"}, status_code=400)
    def handle() -> str:
        with session_scope() as db:
            return billing_stripe.handle_event(db, event)

    try:
        outcome = await run_in_threadpool(handle)  # database work off the event loop
    except billing_stripe.DuplicateEvent:
        outcome = "duplicate"
    return JSONResponse({"received": True, "outcome": outcome})


# Their console side (`?console=1`) checks this; the role walk of the tests reads it.
for _console_route in (invoice_pdf, credit_note_pdf, consumption_file, payment_receipt):
    _console_route.console_permission = CONSOLE_PERMISSION

registries.ROUTES.extend([
    Route("/api/invoices/{invoice_id:int}/pdf", invoice_pdf),
    Route("/api/credit-notes/{credit_note_id:int}/pdf", credit_note_pdf),
    Route("/api/consumption/{file_id:int}", consumption_file),
    Route("/api/payments/{payment_id:int}/receipt", payment_receipt),
    Route("/api/stripe/webhook", stripe_webhook, methods=["POST"]),
])
