"""The providers' delivery reports: SendGrid's Event Webhook and Twilio's status callbacks. Each is
verified with the provider's own library before anything in it is read; the rules are in
core/notify/receipts.py."""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_app.core import notify, registries
from portal_app.core.db import session_scope
from portal_app.core.notify import alerts, receipts
from portal_app.core.routes import read_body_capped

log = logging.getLogger("guichet.notify")


def _client(request: Request) -> str:
    return request.client.host if request.client else "-"


async def sendgrid_events(request: Request) -> JSONResponse:
    payload = await read_body_capped(request, receipts.WEBHOOK_MAX_BYTES)
    if payload is None:
        return JSONResponse({"error": "too large"}, status_code=413)
    try:
        events = receipts.verify_sendgrid(payload, request.headers.get("x-twilio-email-event-webhook-signature"),
                                          request.headers.get("x-twilio-email-event-webhook-timestamp"))
    except receipts.Refused as exc:
        log.warning("SendGrid events refused from %s: %s", _client(request), exc)
        return JSONResponse({"error": "signature"}, status_code=403)
    def apply() -> dict:  # the database work, in a thread: never on the worker's event loop
        with session_scope() as db:
            counts = receipts.apply_all(db, "email", receipts.sendgrid_reports(events))
            alarm = alerts.check_failures(db) if counts.get("applied") else []
        notify.dispatch(alarm)
        return counts

    counts = await run_in_threadpool(apply)
    return JSONResponse({"received": len(events), **counts})


async def twilio_status(request: Request) -> JSONResponse:
    payload = await read_body_capped(request, receipts.CALLBACK_MAX_BYTES)
    if payload is None:
        return JSONResponse({"error": "too large"}, status_code=413)
    try:
        params = dict(parse_qsl(payload.decode("utf-8"), keep_blank_values=True))
        receipts.verify_twilio(params, request.headers.get("x-twilio-signature"))
    except (UnicodeDecodeError, ValueError, receipts.Refused) as exc:
        log.warning("Twilio status callback refused from %s: %s", _client(request), exc)
        return JSONResponse({"error": "signature"}, status_code=403)
    report = receipts.twilio_report(params)

    def apply() -> str:
        if report is None:
            return "ignored"
        with session_scope() as db:
            outcome = receipts.apply(db, "sms", report)
            alarm = alerts.check_failures(db) if outcome == "applied" else []
        notify.dispatch(alarm)
        return outcome

    return JSONResponse({"outcome": await run_in_threadpool(apply)})


registries.ROUTES.extend([
    Route(receipts.SENDGRID_EVENTS_PATH, sendgrid_events, methods=["POST"]),
    Route(receipts.TWILIO_STATUS_PATH, twilio_status, methods=["POST"]),
])
