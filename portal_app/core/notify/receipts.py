"""What became of each message: the providers' reports (SendGrid's Event Webhook, Twilio's status
callbacks), verified, then applied to the outbox row.

A report moves a sent row to delivered, deferred, bounced, dropped, blocked, spam_report or undelivered,
with the provider's words and code. Reports arrive twice and out of order, so a row only ever moves up
the ranks below: a final status (rank 2) is never replaced by an earlier one or by another final one (the
first final report wins); a later deferral only refreshes the reason; a spam report may follow a delivery.
A hard bounce or a drop marks the contact's email as failing; a mobile reported undelivered
MOBILE_FAILURES_TO_MARK times in a row is marked too; a delivery clears that count (not a mark: staff do).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlmodel import Session, select

from portal_app.core import audit, clock
from portal_app.core.config import get_settings
from portal_app.core.i18n import t
from portal_app.core.models.accounts import Contact
from portal_app.core.models.notify import OutboundMessage as M

log = logging.getLogger("guichet.notify")

WEBHOOK_MAX_BYTES = 1024 * 1024  # a SendGrid batch holds at most about a thousand events
CALLBACK_MAX_BYTES = 16 * 1024  # one Twilio status callback is a short form
REPLAY_WINDOW_SECONDS = 10 * 60  # a SendGrid batch signed longer ago (or ahead) than this is refused
MOBILE_FAILURES_TO_MARK = 3  # SMS undelivered in a row before the mobile is marked failing
TWILIO_STATUS_PATH = "/api/notify/twilio/status"
SENDGRID_EVENTS_PATH = "/api/notify/sendgrid/events"

RANK = {"sent": 0, "deferred": 1, "delivered": 2, "bounced": 2, "dropped": 2, "blocked": 2, "undelivered": 2,
        "spam_report": 3}
REPORTED = tuple(s for s in RANK if s != "sent")
FAILED = ("bounced", "dropped", "blocked", "undelivered", "spam_report")


class Refused(Exception):
    """A report whose signature, timestamp or shape is not right: nothing of it is read."""


@dataclass(frozen=True)
class Report:
    provider_id: str
    status: str  # one of REPORTED
    reason: str = ""
    code: str = ""
    at: datetime | None = None
    hard: bool = False  # the address itself fails (hard bounce, drop)


# ---- SendGrid --------------------------------------------------------------------------------------------


def verify_sendgrid(payload: bytes, signature: str | None, timestamp: str | None, now: float | None = None) -> list:
    """The events of a signed batch, or Refused. The signature covers the timestamp and the body (the
    SendGrid library's EventWebhook checks it); a timestamp outside the window is a replay."""
    from sendgrid.helpers.eventwebhook import EventWebhook

    key = get_settings().sendgrid_webhook_public_key
    if not key:
        raise Refused("no SENDGRID_WEBHOOK_PUBLIC_KEY configured")
    if not signature or not timestamp or not timestamp.isdigit():
        raise Refused("signature or timestamp missing")
    if abs((now if now is not None else time.time()) - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        raise Refused("timestamp outside the replay window")
    try:
        text = payload.decode("utf-8")
        ok = EventWebhook(key).verify_signature(text, signature, timestamp)
    except (UnicodeDecodeError, ValueError, binascii.Error, TypeError) as exc:
        raise Refused(f"unreadable signature or key: {type(exc).__name__}") from exc
    if not ok:
        raise Refused("bad signature")
    try:
        events = json.loads(text)
    except ValueError as exc:
        raise Refused("body is not JSON") from exc
    if not isinstance(events, list):
        raise Refused("body is not a list of events")
    return events


def _when(value) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def sendgrid_reports(events: list) -> list[Report]:
    """The events that tell a message's fate (processed, open, click and the like are not)."""
    reports = []
    for ev in events:
        if not isinstance(ev, dict):
            continue
        sg_id = str(ev.get("sg_message_id") or "").split(".")[0][:100]
        kind = ev.get("event")
        if not sg_id or not isinstance(kind, str):
            continue
        at = _when(ev.get("timestamp"))
        reason = str(ev.get("reason") or ev.get("response") or "")[:500]
        code = str(ev.get("status") or "")[:40]
        if kind == "delivered":
            reports.append(Report(sg_id, "delivered", str(ev.get("response") or "")[:500], "", at))
        elif kind == "deferred":
            reports.append(Report(sg_id, "deferred", reason, str(ev.get("attempt") or "")[:40], at))
        elif kind == "bounce":
            blocked = ev.get("type") == "blocked"
            reports.append(Report(sg_id, "blocked" if blocked else "bounced", reason, code, at, hard=not blocked))
        elif kind == "dropped":
            reports.append(Report(sg_id, "dropped", reason, code, at, hard=True))
        elif kind == "spamreport":
            reports.append(Report(sg_id, "spam_report", "", "", at))
    return reports


# ---- Twilio ------------------------------------------------------------------------------------------------


def twilio_callback_url() -> str:
    """The URL Twilio is told to call, built from the configured base URL (never from a Host header): the
    signature covers it, so a request the proxy rewrote still checks against what Twilio signed."""
    return get_settings().base_url + TWILIO_STATUS_PATH


def verify_twilio(params: dict[str, str], signature: str | None) -> dict[str, str]:
    from twilio.request_validator import RequestValidator

    token = get_settings().twilio_auth_token
    if not token:
        raise Refused("no TWILIO_AUTH_TOKEN configured")
    if not signature or not RequestValidator(token).validate(twilio_callback_url(), params, signature):
        raise Refused("bad signature")
    return params


TWILIO_STATUSES = {"delivered": "delivered", "undelivered": "undelivered", "failed": "undelivered"}


def twilio_report(params: dict[str, str]) -> Report | None:
    status = TWILIO_STATUSES.get(params.get("MessageStatus", ""))
    sid = params.get("MessageSid", "")[:100]
    if status is None or not sid:
        return None  # queued, sending, sent, accepted: nothing final
    code = params.get("ErrorCode", "")[:40]
    return Report(sid, status, params.get("ErrorMessage", "")[:500], code, clock.now())


# ---- applying a report --------------------------------------------------------------------------------------


def apply(db: Session, channel: str, report: Report) -> str:
    """Apply one report to its row; returns what happened: applied, refreshed, stale, unknown."""
    row = db.exec(select(M).where(M.provider_id == report.provider_id, M.channel == channel)).first()
    if row is None or row.status not in RANK:
        return "unknown"  # not ours, or not sent yet (its id is written with the "sent" outcome)
    current, new = RANK[row.status], RANK[report.status]
    at = report.at or clock.now()
    if new == current == RANK["deferred"] and (row.provider_event_at is None or at >= row.provider_event_at):
        values = dict(provider_reason=report.reason, provider_code=report.code, provider_event_at=at)
        db.exec(sa.update(M).where(M.id == row.id, M.status == "deferred").values(**values)
                .execution_options(synchronize_session=False))
        db.refresh(row)
        return "refreshed"
    if new <= current:
        return "stale"  # a duplicate, a report older than the row's, or a second final one
    done = db.exec(sa.update(M).where(M.id == row.id, M.status == row.status)
                   .values(status=report.status, provider_reason=report.reason, provider_code=report.code,
                           provider_event_at=at).execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return "stale"  # another report won meanwhile
    db.refresh(row)
    _mark_contact(db, row, report)
    return "applied"


def _mark_contact(db: Session, row: M, report: Report) -> None:
    contact = db.get(Contact, row.contact_id) if row.contact_id else None
    if contact is None:
        return
    words = explain(row.channel, report.status, report.reason, report.code, "en")
    if row.channel == "email":
        if report.hard and contact.email == row.recipient and contact.email_failing_at is None:
            contact.email_failing_at, contact.email_failing_reason = clock.now(), words[:300]
            audit.record(db, audit.SYSTEM, "contact.email_failing", target_type="contact", target_id=contact.id,
                         account_id=contact.account_id, status=report.status, code=report.code)
    elif contact.mobile == row.recipient:
        if report.status == "delivered":
            contact.mobile_failures = 0
        elif report.status == "undelivered":
            contact.mobile_failures += 1
            if contact.mobile_failures >= MOBILE_FAILURES_TO_MARK and contact.mobile_failing_at is None:
                contact.mobile_failing_at, contact.mobile_failing_reason = clock.now(), words[:300]
                audit.record(db, audit.SYSTEM, "contact.mobile_failing", target_type="contact",
                             target_id=contact.id, account_id=contact.account_id, code=report.code)
    db.add(contact)


def apply_all(db: Session, channel: str, reports: list[Report]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for report in reports:
        outcome = apply(db, channel, report)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def clear_mark(db: Session, actor: audit.Actor, contact: Contact, which: str) -> None:
    """Staff: the address is fixed (or was fine): codes may go to it again."""
    if which not in ("email", "mobile"):
        raise ValueError(which)
    setattr(contact, f"{which}_failing_at", None)
    setattr(contact, f"{which}_failing_reason", "")
    if which == "mobile":
        contact.mobile_failures = 0
    db.add(contact)
    audit.record(db, actor, f"contact.{which}_mark_cleared", target_type="contact", target_id=contact.id,
                 account_id=contact.account_id)


# ---- plain words ----------------------------------------------------------------------------------------------

# Twilio's error codes for messages (https://www.twilio.com/docs/api/errors)
TWILIO_REASONS = {"30003": "unreachable", "30004": "blocked_number", "30005": "unknown_number",
                  "30006": "landline", "30007": "carrier_filtered", "21610": "stopped", "21211": "unknown_number",
                  "21614": "landline"}
DROP_REASONS = {"bounced address": "dropped_bounced", "invalid": "dropped_invalid",
                "spam reporting address": "dropped_spam", "unsubscribed address": "dropped_unsubscribed"}


def reason_key(channel: str, status: str, reason: str, code: str) -> str:
    """The catalogue key (under `delivery.reason.`) that says a report in plain words."""
    low = reason.lower()
    if status == "bounced":
        if code.startswith("5.1.") or any(w in low for w in ("does not exist", "unknown user", "user unknown",
                                                             "no such user", "mailbox unavailable", "5.1.1")):
            return "no_mailbox"
        if code.startswith("5.2.2") or "quota" in low or "full" in low:
            return "mailbox_full"
        return "bounced"
    if status == "dropped":
        return next((key for text, key in DROP_REASONS.items() if low.startswith(text)), "dropped")
    if status == "undelivered":
        return TWILIO_REASONS.get(code, "undelivered")
    if status in ("delivered", "deferred", "blocked", "spam_report", "sent", "failed", "fallback", "queued",
                  "sending"):
        return status if channel == "email" or status != "delivered" else "delivered_sms"
    return "unknown"


def explain(channel: str, status: str, reason: str, code: str, lang: str) -> str:
    return t(lang, f"delivery.reason.{reason_key(channel, status, reason, code)}")


def base64_der(public_key) -> str:
    """A public key as SendGrid shows it (base64 of its DER): for tests and the deploy notes."""
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()
