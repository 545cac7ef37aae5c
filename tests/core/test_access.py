"""Diagnosis, invitations and impersonation."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.core.models.audit import AuditEvent
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import access, notify
from portal_app.core.auth import impersonation, login, sessions as portal_sessions, staff
from portal_app.core.errors import DomainError
from tests.factories import make_account, make_contact, staff_session


def staff_ctx(db, token_out: list | None = None):
    token = staff_session(db)
    if token_out is not None:
        token_out.append(token)
    return staff.resolve(db, token)


def checks(d):
    return {c.key: c.ok for c in d.checks}


def test_diagnosis_names_the_reason(db):
    inactive_account = make_account(db, active=False)
    c = make_contact(db, inactive_account, portal_access=False)
    d = access.diagnose(db, c.id)
    assert not d.can_log_in
    assert checks(d) == {"diagnose.contact_active": True, "diagnose.portal_access": False,
                         "diagnose.account_active": False, "diagnose.exact_email": True,
                         "diagnose.email_working": True, "diagnose.mobile": False,
                         "diagnose.last_code_delivered": True, "diagnose.passkeys": False,
                         "diagnose.totp": True, "diagnose.password": True}


def test_diagnosis_shows_codes_and_attempts(db, monkeypatch):
    c = make_contact(db, mobile="+33612345678")
    sent = login.request_code(db, c.email, "198.51.100.7")
    for d in sent.deliveries:
        notify.deliver(db, d)
    with pytest.raises(DomainError):
        login.verify_code(db, sent.challenge_id, "000000", "198.51.100.7")
    d = access.diagnose(db, c.id)
    assert d.can_log_in
    assert d.messages[0]["channel"] == "sms" and d.messages[0]["status"] == "sent"
    outcomes = [a["outcome"] for a in d.attempts]
    assert "sent_sms" in outcomes and ("wrong_code" in outcomes or "ok" in outcomes)
    assert d.attempts[0]["ip"] == "198.51.100.7"


def test_failed_delivery_shows_in_diagnosis(db):
    c = make_contact(db)
    sent = login.request_code(db, c.email)
    row = db.get(OutboundMessage, sent.deliveries[0].message_id)
    row.status, row.error = "failed", "sendgrid 403: forbidden"
    db.add(row)
    d = access.diagnose(db, c.id)
    assert checks(d)["diagnose.last_code_delivered"] is False
    assert "403" in [x for x in d.checks if x.key == "diagnose.last_code_delivered"][0].detail


@pytest.mark.parametrize("lang", ["en", "fr", "de", "da", "nl", "es", "pt", "he", "th"])
def test_invitation_in_the_contacts_language(db, lang):
    c = make_contact(db, language=lang, first_name="Jeanne")
    preview = access.preview_invitation(db, c.id)
    assert "Jeanne" in preview.text and "/login" in preview.text
    assert "{" not in preview.subject and "{" not in preview.text
    from portal_app.core.i18n import t

    assert preview.subject == t(lang, "email.invitation.subject", business="Guichet")
    assert db.exec(select(OutboundMessage)).all() == []  # a preview sends nothing


def test_invitation_links_come_from_the_base_url(db):
    c = make_contact(db)
    preview = access.preview_invitation(db, c.id)
    assert "http://localhost:3000/login" in preview.text


def test_send_invitation_queues_one_email_and_audits(db):
    actor = staff_ctx(db)
    c = make_contact(db)
    deliveries = access.send_invitation(db, actor.actor, c.id)
    assert [d.channel for d in deliveries] == ["email"]
    for d in deliveries:
        notify.deliver(db, d)
    row = db.exec(select(OutboundMessage).where(OutboundMessage.contact_id == c.id)).one()
    assert row.template == "invitation" and row.status == "sent" and row.recipient == c.email
    db.refresh(c)
    assert c.invited_at is not None
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "contact.invite")).one().actor_id == actor.staff_id


def test_impersonation_is_marked_and_audited(db):
    actor = staff_ctx(db)
    c = make_contact(db)
    token = impersonation.start(db, actor, c.id, "10.1.1.1")
    ctx = portal_sessions.resolve_session(db, token)
    assert ctx.contact_id == c.id and ctx.impersonating and ctx.impersonator_staff_id == actor.staff_id
    ended = impersonation.end(db, token)
    assert ended.contact_id == c.id
    assert portal_sessions.resolve_session(db, token) is None
    events = db.exec(select(AuditEvent).where(AuditEvent.action.startswith("impersonation"))
                     .order_by(AuditEvent.id)).all()
    assert [(e.action, e.actor_id, e.as_contact_id) for e in events] == [
        ("impersonation.start", actor.staff_id, c.id), ("impersonation.end", actor.staff_id, c.id)]


def test_ending_a_normal_session_as_impersonation_does_nothing(db):
    c = make_contact(db)
    token = portal_sessions.open_session(db, c.id)
    assert impersonation.end(db, token) is None
    assert portal_sessions.resolve_session(db, token) is not None


def test_staff_without_mfa_cannot_impersonate(db):
    actor = staff_ctx(db)
    half = staff.StaffContext(**{**actor.__dict__, "mfa_passed": False})
    with pytest.raises(DomainError):
        impersonation.start(db, half, make_contact(db).id)


def test_impersonation_ends_with_the_staff_console_session(db):
    tokens: list = []
    actor = staff_ctx(db, tokens)
    token = impersonation.start(db, actor, make_contact(db).id)
    assert portal_sessions.resolve_session(db, token) is not None
    staff.logout(db, tokens[0])  # the console logs out (or expires): the customer's portal view ends too
    assert portal_sessions.resolve_session(db, token) is None


def test_impersonation_dies_when_the_console_session_expires(db):
    from datetime import timedelta

    from portal_app.core import clock

    actor = staff_ctx(db)
    token = impersonation.start(db, actor, make_contact(db).id)
    clock.freeze(clock.now() + timedelta(seconds=staff.STAFF_IDLE_SECONDS + 1))
    assert portal_sessions.resolve_session(db, token) is None
