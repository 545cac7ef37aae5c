"""The notify service against the real SendGrid and Twilio SDKs (pointed at a local HTTP server on
127.0.0.1) and against a local SMTP server (aiosmtpd). Every assertion on a send is made on what
the fake server actually received."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import logging
import socket
import time
from types import SimpleNamespace

import pytest
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, SQLModel, create_engine, select

import portal_app.features  # noqa: F401  (every table registered)
from portal_app.core import clock
from portal_app.core import db as portal_db
from portal_app.core.config import get_settings, reload_settings
from portal_app.core.models.notify import OutboundMessage
from portal_app.core import notify
from portal_app.core.notify import Branding, Delivery, outbox

try:  # tests/ as a package or as rootdir-relative modules: both work
    from tests.support.fake_http import FakeHTTP, Reply
except ImportError:  # pragma: no cover
    from fake_http import FakeHTTP, Reply

SENDGRID_PATH = "/v3/mail/send"
SENDGRID_KEY = "SG.test-key-for-local-server"
TWILIO_SID = "AC" + "0123456789abcdef" * 2
TWILIO_TOKEN = "test-auth-token-0123456789"
TWILIO_FROM = "+15005550006"
TWILIO_PATH = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
SENDER = "bonjour@atelier-dupont.example"
BRAND = Branding(name="Atelier Dupont", color="#0b5fff", logo_url=None, sender_name="Atelier Dupont")
CODE = "482913"
CLIENT = "claire.martin@example.org"
MOBILE = "+33612345678"

# Every variable the notify service reads, cleared before each test so the machine's own
# environment never leaks in; the proxy variables too, so the SDKs only ever dial 127.0.0.1.
_ENV_VARS = [
    "GUICHET_ENV", "GUICHET_BASE_URL", "GUICHET_EMAIL_PROVIDER", "GUICHET_SMS_PROVIDER",
    "GUICHET_EMAIL_FROM", "SENDGRID_API_KEY", "SENDGRID_HOST", "SMTP_HOST", "SMTP_PORT", "SMTP_USER",
    "SMTP_PASSWORD", "SMTP_STARTTLS", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM",
    "TWILIO_API_BASE", "TWILIO_REGION", "TWILIO_EDGE", "GUICHET_PROVIDER_TIMEOUT", "GUICHET_NOTIFY_SYNC",
    "REFLEX_DB_URL", "SSL_CERT_FILE", "SSL_CERT_DIR",
    "http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
]


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def configure(tmp_path):
    """Isolated settings; `configure(NAME="value", ...)` sets variables and reloads the settings."""
    with pytest.MonkeyPatch.context() as mp:
        for name in _ENV_VARS:
            mp.delenv(name, raising=False)
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        mp.setenv("no_proxy", "127.0.0.1,localhost")
        mp.setenv("GUICHET_DATA_DIR", str(tmp_path / "data"))
        mp.setenv("GUICHET_SECRET_KEY", "test-secret-key")
        mp.setenv("GUICHET_EMAIL_FROM", SENDER)
        mp.setenv("GUICHET_EMAIL_PROVIDER", "console")
        mp.setenv("GUICHET_SMS_PROVIDER", "console")

        def apply(**env):
            for key, value in env.items():
                mp.setenv(key, str(value))
            return reload_settings()

        apply()
        yield apply
    # The environment is restored now; the next caller reads it afresh.
    get_settings.cache_clear()


@pytest.fixture
def db():
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        yield session
    engine.dispose()


@pytest.fixture
def http():
    with FakeHTTP() as server:
        yield server


@pytest.fixture
def sendgrid(http, configure):
    http.set_reply(SENDGRID_PATH, Reply(202, headers={"X-Message-Id": "sg-msg-0001"}))
    configure(GUICHET_EMAIL_PROVIDER="sendgrid", SENDGRID_API_KEY=SENDGRID_KEY, SENDGRID_HOST=http.url)
    return http


def twilio_message(sid="SM" + "a1b2c3d4" * 4, to=MOBILE, body=""):
    """A realistic Messages.json 201 reply."""
    return {
        "account_sid": TWILIO_SID, "api_version": "2010-04-01", "body": body,
        "date_created": "Sat, 23 Nov 2024 16:04:00 +0000", "date_sent": None,
        "date_updated": "Sat, 23 Nov 2024 16:04:00 +0000", "direction": "outbound-api",
        "error_code": None, "error_message": None, "from": TWILIO_FROM, "messaging_service_sid": None,
        "num_media": "0", "num_segments": "1", "price": None, "price_unit": "USD", "sid": sid,
        "status": "queued", "subresource_uris": {"media": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}/Media.json"},
        "to": to, "uri": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/{sid}.json",
    }


TWILIO_400 = {
    "code": 21211, "message": "Invalid 'To' Phone Number: +336XXXX5678",
    "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400,
}


@pytest.fixture
def twilio(http, configure):
    http.set_reply(TWILIO_PATH, Reply(201, twilio_message()))
    configure(GUICHET_SMS_PROVIDER="twilio", TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
              TWILIO_FROM=TWILIO_FROM, TWILIO_API_BASE=http.url)
    return http


def closed_port() -> socket.socket:
    """A socket bound on 127.0.0.1 that does not listen: connecting to its port is refused."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------


def login_mail(code=CODE, lang="en"):
    return notify.render_email("login_code", lang, BRAND, code=code, minutes=10)


def invitation_mail(lang="fr"):
    return notify.render_email("invitation", lang, BRAND, link=notify.portal_url("/login"),
                               name="Claire", email=CLIENT)


def queue_login_email(db, to=CLIENT, code=CODE, **kw) -> Delivery:
    kw.setdefault("track_clicks", True)  # asked for, but an auth mail must never get it
    kw.setdefault("contact_id", 7)
    kw.setdefault("account_id", 3)
    return notify.queue_email(db, to=to, template="login_code", language="en", rendered=login_mail(code),
                              sender_name=BRAND.sender_name, sensitive=True, redact=(code,), **kw)


def queue_login_sms(db, to=MOBILE, code=CODE, fallback=True) -> Delivery:
    text = notify.render_sms("login_code", "en", BRAND, code=code, minutes=10)
    return notify.queue_sms(db, to=to, template="login_code", language="en", text=text,
                            sender_name=BRAND.sender_name, sensitive=True, redact=(code,), contact_id=7,
                            account_id=3, fallback_email=(CLIENT, login_mail(code)) if fallback else None)


def rows(db) -> list[OutboundMessage]:
    return list(db.exec(select(OutboundMessage).order_by(OutboundMessage.id)).all())


def later(seconds: float) -> None:
    """Move the frozen clock on: a retry falls due."""
    clock.freeze(clock.now() + dt.timedelta(seconds=seconds))


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


# --------------------------------------------------------------------------------------------
# SendGrid
# --------------------------------------------------------------------------------------------


def test_sendgrid_posts_the_mail_and_records_the_message_id(db, sendgrid):
    rendered = invitation_mail()
    d = notify.queue_email(db, to=CLIENT, template="invitation", language="fr", rendered=rendered,
                           sender_name="Atelier Dupont", contact_id=7, account_id=3, track_clicks=True)
    assert db.get(OutboundMessage, d.message_id).status == "queued"

    row = notify.deliver(db, d)

    [req] = sendgrid.requests
    assert req.method == "POST" and req.path == SENDGRID_PATH
    assert req.header("Authorization") == f"Bearer {SENDGRID_KEY}"
    assert req.header("Content-Type").startswith("application/json")
    payload = req.json
    assert payload["personalizations"][0]["to"] == [{"email": CLIENT}]
    assert payload["from"] == {"email": SENDER, "name": "Atelier Dupont"}
    assert payload["subject"] == rendered.subject
    assert payload["content"] == [{"type": "text/plain", "value": rendered.text},
                                  {"type": "text/html", "value": rendered.html}]
    # a non-sensitive mail may be tracked when the caller asks for it
    assert payload["tracking_settings"]["click_tracking"]["enable"] is True

    assert row.status == "sent" and row.provider == "sendgrid"
    assert row.provider_id == "sg-msg-0001"
    assert row.attempts == 1 and row.error == ""
    assert row.sent_at is not None
    assert row.recipient == CLIENT and row.contact_id == 7 and row.account_id == 3
    assert row.body_text == rendered.text and row.body_html == rendered.html  # not sensitive: kept whole


def test_sendgrid_auth_mail_switches_click_tracking_off(db, sendgrid):
    d = queue_login_email(db, track_clicks=True)
    assert db.get(OutboundMessage, d.message_id).track_clicks is False
    row = notify.deliver(db, d)

    [req] = sendgrid.requests
    assert req.json["tracking_settings"]["click_tracking"] == {"enable": False, "enable_text": False}
    assert row.status == "sent" and row.track_clicks is False


def test_sendgrid_without_sender_name_sends_a_bare_address(db, sendgrid):
    d = notify.queue_email(db, to=CLIENT, template="invitation", language="en", rendered=invitation_mail("en"),
                           sender_name="")
    assert notify.deliver(db, d).status == "sent"
    assert sendgrid.requests[0].json["from"] == {"email": SENDER}


def test_sendgrid_400_fails_at_once_with_the_error(db, sendgrid):
    sendgrid.set_reply(SENDGRID_PATH, Reply(400, {"errors": [{
        "message": "The to email does not contain a valid address.", "field": "personalizations.0.to.0.email",
        "help": "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"}]}))
    row = notify.deliver(db, queue_login_email(db))

    assert len(sendgrid.requests) == 1  # a refusal is not retried
    assert row.status == "failed" and row.attempts == 1
    assert "sendgrid 400" in row.error and "does not contain a valid address" in row.error
    assert row.provider_id == "" and row.sent_at is None


@pytest.mark.parametrize("status", [500, 503])
def test_sendgrid_5xx_is_retried_then_fails(db, sendgrid, status):
    sendgrid.set_reply(SENDGRID_PATH, Reply(status, {"errors": [{"message": "upstream trouble"}]}))
    clock.freeze(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc))
    d = queue_login_email(db)
    row = notify.deliver(db, d)
    # one attempt per pass: the row waits for its next turn, with the error
    assert row.status == "queued" and row.attempts == 1 and len(sendgrid.requests) == 1
    assert f"sendgrid {status}" in row.error and "upstream trouble" in row.error
    assert notify.deliver(db, d).attempts == 1  # not due yet: left alone
    while row.status == "queued":
        later(outbox.BACKOFF_MAX_SECONDS)
        row = notify.deliver(db, d)

    assert len(sendgrid.requests) == notify.MAX_ATTEMPTS
    assert row.status == "failed" and row.attempts == notify.MAX_ATTEMPTS
    assert row.next_attempt_at is None and row.claimed_by == ""
    # every attempt was the same mail
    assert len({r.body for r in sendgrid.requests}) == 1


def test_sendgrid_passing_failure_then_success(db, sendgrid):
    sendgrid.set_reply(SENDGRID_PATH, Reply(503), Reply(202, headers={"X-Message-Id": "sg-second-try"}))
    d = queue_login_email(db)
    assert notify.deliver(db, d).status == "queued"
    later(outbox.BACKOFF_BASE_SECONDS)
    row = notify.deliver(db, d)
    assert len(sendgrid.requests) == 2
    assert row.status == "sent" and row.attempts == 2
    assert row.provider_id == "sg-second-try" and row.error == ""


def test_sendgrid_timeout_fails_and_the_portal_goes_on(db, sendgrid, configure):
    configure(GUICHET_PROVIDER_TIMEOUT="0.5")
    sendgrid.set_reply(SENDGRID_PATH, Reply(202, delay=5))
    started = time.monotonic()
    row = notify.deliver(db, queue_login_email(db))
    elapsed = time.monotonic() - started

    assert row.status == "queued" and row.attempts == 1 and row.next_attempt_at is not None
    assert "sendgrid unreachable" in row.error and "timed out" in row.error
    assert len(sendgrid.requests) == 1
    assert elapsed < 0.5 + 2  # the timeout was applied

    # neither side is broken: the next mail goes through
    assert sendgrid.is_alive()
    sendgrid.set_reply(SENDGRID_PATH, Reply(202, headers={"X-Message-Id": "sg-after-timeout"}))
    again = notify.deliver(db, queue_login_email(db, code="111222"))
    assert again.status == "sent" and again.provider_id == "sg-after-timeout"


def test_sendgrid_unreachable_host_fails(db, configure):
    sock = closed_port()
    try:
        configure(GUICHET_EMAIL_PROVIDER="sendgrid", SENDGRID_API_KEY=SENDGRID_KEY,
                  SENDGRID_HOST=f"http://127.0.0.1:{sock.getsockname()[1]}")
        row = notify.deliver(db, queue_login_email(db))
    finally:
        sock.close()
    assert row.status == "queued" and row.attempts == 1  # retried later
    assert "sendgrid unreachable" in row.error


def test_sendgrid_garbage_reply_is_a_recorded_failure(db, sendgrid):
    """A broken answer (not HTTP at all) must end as a failed row, not an exception."""
    sendgrid.set_reply(SENDGRID_PATH, Reply(raw=b"SMTP? no.\r\n\r\n"))
    row = notify.deliver(db, queue_login_email(db))
    assert row.status == "queued" and row.error.startswith("sendgrid bad reply")
    assert len(sendgrid.requests) == 1


def test_a_sent_message_is_not_sent_twice(db, sendgrid):
    d = queue_login_email(db)
    notify.deliver(db, d)
    row = notify.deliver(db, d)
    assert row.status == "sent"
    assert len(sendgrid.requests) == 1


# --------------------------------------------------------------------------------------------
# Twilio
# --------------------------------------------------------------------------------------------


def test_twilio_posts_the_sms_form_with_basic_auth(db, twilio):
    d = notify.queue_sms(db, to=MOBILE, template="reminder", language="en",
                         text="Your appointment at Atelier Dupont is tomorrow at 10:00.",
                         sender_name=BRAND.sender_name, contact_id=7)
    row = notify.deliver(db, d)

    [req] = twilio.requests
    assert req.method == "POST" and req.path == TWILIO_PATH
    assert req.header("Content-Type").startswith("application/x-www-form-urlencoded")
    # Twilio is asked to report the SMS's fate at the base URL (never a request's Host header)
    assert req.form == {"To": MOBILE, "From": TWILIO_FROM,
                        "Body": "Your appointment at Atelier Dupont is tomorrow at 10:00.",
                        "StatusCallback": "http://localhost:3000/api/notify/twilio/status"}
    auth = req.header("Authorization")
    assert auth.startswith("Basic ")
    assert base64.b64decode(auth.split()[1]).decode() == f"{TWILIO_SID}:{TWILIO_TOKEN}"

    assert row.status == "sent" and row.provider == "twilio"
    assert row.provider_id == "SM" + "a1b2c3d4" * 4
    assert row.attempts == 1 and row.channel == "sms" and row.recipient == MOBILE


@pytest.mark.parametrize("email_provider", ["console", "sendgrid"])
def test_twilio_refusal_falls_back_to_email(db, twilio, configure, email_provider):
    twilio.set_reply(TWILIO_PATH, Reply(400, TWILIO_400))
    twilio.set_reply(SENDGRID_PATH, Reply(202, headers={"X-Message-Id": "sg-fallback"}))
    if email_provider == "sendgrid":
        configure(GUICHET_EMAIL_PROVIDER="sendgrid", SENDGRID_API_KEY=SENDGRID_KEY, SENDGRID_HOST=twilio.url)

    d = queue_login_sms(db)
    sms = notify.deliver(db, d)

    assert len(twilio.requests_to(TWILIO_PATH)) == 1  # a 400 is not retried
    assert sms.status == "fallback" and sms.attempts == 1
    assert "twilio 400" in sms.error and "Invalid 'To' Phone Number" in sms.error

    all_rows = rows(db)
    assert len(all_rows) == 2
    mail = all_rows[1]
    assert mail.channel == "email" and mail.fallback_of_id == sms.id
    assert mail.recipient == CLIENT and mail.status == "sent" and mail.provider == email_provider
    assert mail.template == "login_code" and mail.sensitive is True
    assert mail.contact_id == 7 and mail.account_id == 3
    if email_provider == "sendgrid":
        [req] = twilio.requests_to(SENDGRID_PATH)
        assert req.json["personalizations"][0]["to"] == [{"email": CLIENT}]
        assert CODE in req.json["content"][0]["value"]
        assert req.json["tracking_settings"]["click_tracking"]["enable"] is False
        assert mail.provider_id == "sg-fallback"
    else:
        assert mail.provider_id == "console"


def test_twilio_5xx_is_retried_then_falls_back(db, twilio):
    twilio.set_reply(TWILIO_PATH, Reply(500, {"code": 20500, "message": "Internal Server Error",
                                              "more_info": "https://www.twilio.com/docs/errors/20500",
                                              "status": 500}))
    sms = notify.deliver(db, queue_login_sms(db))
    # someone may be waiting for a code: the email goes at once instead of retrying the SMS
    assert len(twilio.requests_to(TWILIO_PATH)) == 1
    assert sms.status == "fallback" and sms.attempts == 1
    assert "twilio 500" in sms.error
    mail = rows(db)[1]
    assert mail.fallback_of_id == sms.id and mail.status == "sent"


def test_twilio_rfc9457_refusal_is_not_retried(db, twilio):
    """Twilio's newer error format (RFC 9457 problem details) is a refusal like the legacy one."""
    twilio.set_reply(TWILIO_PATH, Reply(400, {
        "type": "https://www.twilio.com/docs/errors/21211", "title": "Invalid 'To' Phone Number",
        "status": 400, "code": 21211, "detail": "The number is not a valid phone number.",
        "instance": "/2010-04-01/Accounts/x/Messages.json"}, headers={"Content-Type": "application/problem+json"}))
    sms = notify.deliver(db, queue_login_sms(db, fallback=False))
    assert len(twilio.requests) == 1
    assert sms.status == "failed" and sms.attempts == 1
    assert sms.error.startswith("twilio 400") and "Invalid 'To' Phone Number" in sms.error
    assert "\x1b[" not in sms.error  # no terminal colours in what staff read


def test_twilio_failure_without_fallback_just_fails(db, twilio):
    twilio.set_reply(TWILIO_PATH, Reply(400, TWILIO_400))
    sms = notify.deliver(db, queue_login_sms(db, fallback=False))
    assert sms.status == "failed" and "twilio 400" in sms.error
    assert len(rows(db)) == 1


def test_twilio_timeout_fails_and_falls_back(db, twilio, configure):
    configure(GUICHET_PROVIDER_TIMEOUT="0.5")
    twilio.set_reply(TWILIO_PATH, Reply(201, twilio_message(), delay=10))
    started = time.monotonic()
    sms = notify.deliver(db, queue_login_sms(db))
    # Well under the provider's 10 s: the 0.5 s timeout cut it (the fallback email is sent in that time too;
    # a loaded machine took 4.2 s for both, so the margin is wide rather than tight).
    assert time.monotonic() - started < 6
    assert len(twilio.requests_to(TWILIO_PATH)) == 1
    assert sms.status == "fallback" and sms.error.startswith("twilio")
    assert "timed out" in sms.error.lower()
    assert rows(db)[1].status == "sent"
    assert twilio.is_alive()


def test_fallback_that_fails_too_is_recorded(db, twilio, configure):
    twilio.set_reply(TWILIO_PATH, Reply(400, TWILIO_400))
    twilio.set_reply(SENDGRID_PATH, Reply(400, {"errors": [{"message": "Bad from"}]}))
    configure(GUICHET_EMAIL_PROVIDER="sendgrid", SENDGRID_API_KEY=SENDGRID_KEY, SENDGRID_HOST=twilio.url)
    sms = notify.deliver(db, queue_login_sms(db))
    mail = rows(db)[1]
    assert sms.status == "fallback" and "twilio 400" in sms.error
    assert mail.status == "failed" and "sendgrid 400" in mail.error and mail.fallback_of_id == sms.id


def test_no_sms_provider_falls_back_to_email(db, http, configure):
    configure(GUICHET_SMS_PROVIDER="none")
    sms = notify.deliver(db, queue_login_sms(db))
    assert sms.status == "fallback" and sms.error == "no SMS provider configured"
    assert sms.attempts == 1  # nothing to retry
    mail = rows(db)[1]
    assert mail.channel == "email" and mail.status == "sent" and mail.fallback_of_id == sms.id
    assert http.requests == []


# --------------------------------------------------------------------------------------------
# Sensitive messages: codes reach the provider, never the stored row of a real provider
# --------------------------------------------------------------------------------------------


def test_sendgrid_stores_a_redacted_auth_mail_but_sends_the_code(db, sendgrid):
    rendered = login_mail()
    assert CODE in rendered.text and CODE in rendered.html
    row = notify.deliver(db, queue_login_email(db))

    sent = sendgrid.requests[0].json
    assert sent["subject"] == rendered.subject
    assert CODE in sent["content"][0]["value"] and CODE in sent["content"][1]["value"]

    db.expire_all()
    stored = db.get(OutboundMessage, row.id)
    assert stored.status == "sent" and stored.sensitive is True
    for text in (stored.subject, stored.body_text, stored.body_html):
        assert CODE not in text
    assert notify.REDACTED in stored.body_text and notify.REDACTED in stored.body_html
    assert stored.subject == rendered.subject.replace(CODE, notify.REDACTED)  # the subject carries it too
    # only the secret is blanked out: the rest of the mail stays readable for staff
    assert stored.body_text == rendered.text.replace(CODE, notify.REDACTED)


def test_twilio_stores_a_redacted_sms_and_a_redacted_fallback(db, twilio, configure):
    configure(GUICHET_EMAIL_PROVIDER="sendgrid", SENDGRID_API_KEY=SENDGRID_KEY, SENDGRID_HOST=twilio.url)
    twilio.set_reply(SENDGRID_PATH, Reply(202, headers={"X-Message-Id": "sg-1"}))
    twilio.set_reply(TWILIO_PATH, Reply(201, twilio_message()))

    sms = notify.deliver(db, queue_login_sms(db))
    assert sms.status == "sent"
    assert CODE in twilio.requests_to(TWILIO_PATH)[0].form["Body"]
    assert CODE not in sms.body_text and notify.REDACTED in sms.body_text

    # and when it falls back, the fallback mail row is redacted too
    twilio.set_reply(TWILIO_PATH, Reply(400, TWILIO_400))
    sms2 = notify.deliver(db, queue_login_sms(db, code="765432"))
    mail = rows(db)[-1]
    assert sms2.status == "fallback" and mail.fallback_of_id == sms2.id and mail.status == "sent"
    assert "765432" in twilio.requests_to(SENDGRID_PATH)[0].json["content"][0]["value"]
    for text in (sms2.body_text, mail.subject, mail.body_text, mail.body_html):
        assert "765432" not in text
    assert notify.REDACTED in mail.body_text


def test_console_outbox_keeps_the_code(db, configure):
    """Development/demo outbox: staff read the code in the console, so the row keeps it."""
    assert notify.is_console("email") and notify.is_console("sms")
    mail = notify.deliver(db, queue_login_email(db))
    sms = notify.deliver(db, queue_login_sms(db, code="135790"))
    assert mail.status == "sent" and mail.provider == "console" and mail.provider_id == "console"
    assert CODE in mail.body_text and CODE in mail.body_html and CODE in mail.subject
    assert sms.status == "sent" and sms.provider == "console" and "135790" in sms.body_text


def test_mixed_providers_redact_per_channel(db, twilio, configure):
    """Console email but real SMS: only the SMS row is redacted."""
    assert notify.is_console("email") and not notify.is_console("sms")
    sms = notify.deliver(db, queue_login_sms(db))
    mail = notify.deliver(db, queue_login_email(db))
    assert CODE not in sms.body_text
    assert CODE in mail.body_text


def test_delivery_repr_never_shows_the_code(db, sendgrid):
    for d in (queue_login_email(db), queue_login_sms(db)):
        for shown in (repr(d), str(d), f"{d}", f"{d!r}", repr([d])):
            assert CODE not in shown
            assert f"#{d.message_id}" in shown


def test_real_providers_log_no_code(db, twilio, configure, caplog):
    configure(GUICHET_EMAIL_PROVIDER="sendgrid", SENDGRID_API_KEY=SENDGRID_KEY, SENDGRID_HOST=twilio.url)
    twilio.set_reply(TWILIO_PATH, Reply(400, TWILIO_400))
    twilio.set_reply(SENDGRID_PATH, Reply(503))
    caplog.set_level(logging.DEBUG, logger="guichet")
    notify.deliver(db, queue_login_sms(db))
    ours = [r for r in caplog.records if r.name.startswith("guichet")]
    assert ours  # the failures were logged...
    assert all(CODE not in r.getMessage() for r in ours)  # ...without the code


# --------------------------------------------------------------------------------------------
# SMTP (aiosmtpd on 127.0.0.1)
# --------------------------------------------------------------------------------------------


class _Controller:
    """aiosmtpd's Controller bound on 127.0.0.1 with a free port chosen by the OS."""

    def __new__(cls, handler, **kwargs):
        from aiosmtpd.controller import Controller

        class PortZeroController(Controller):
            def _trigger_server(self):
                self.port = self.server.sockets[0].getsockname()[1]
                super()._trigger_server()

        return PortZeroController(handler, hostname="127.0.0.1", port=0, **kwargs)


class SmtpRecorder:
    def __init__(self):
        self.messages: list[SimpleNamespace] = []
        self.rcpt_replies: list[str] = []  # scripted RCPT answers, consumed in order
        self.data_replies: list[str] = []  # scripted DATA answers, consumed in order
        self.rcpt_seen = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        self.rcpt_seen += 1
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        self.messages.append(SimpleNamespace(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos), content=envelope.content,
            tls=session.ssl is not None, authenticated=session.authenticated,
            parsed=email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(configure):
    recorder = SmtpRecorder()
    controllers = []

    def start(**kwargs):
        controller = _Controller(recorder, **kwargs)
        controller.start()
        controllers.append(controller)
        configure(GUICHET_EMAIL_PROVIDER="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port,
                  SMTP_STARTTLS="false", GUICHET_PROVIDER_TIMEOUT="5")
        return controller

    recorder.start = start
    yield recorder
    for controller in controllers:
        controller.stop()


def test_smtp_sends_a_multipart_mail(db, smtp):
    smtp.start()
    brand = Branding(name="Café Dupont & Fils", color="#0b5fff", logo_url=None, sender_name="Café Dupont & Fils")
    rendered = notify.render_email("invitation", "fr", brand, link="https://portal.example/login",
                                   name="Zoë", email=CLIENT)
    d = notify.queue_email(db, to=CLIENT, template="invitation", language="fr", rendered=rendered,
                           sender_name=brand.sender_name)
    row = notify.deliver(db, d)

    assert row.status == "sent" and row.provider == "smtp" and row.attempts == 1
    [msg] = smtp.messages
    assert msg.mail_from == SENDER and msg.rcpt_tos == [CLIENT]
    parsed = msg.parsed
    [sender] = parsed["From"].addresses
    assert sender.display_name == "Café Dupont & Fils" and sender.addr_spec == SENDER
    assert parsed["To"] == CLIENT
    assert parsed["Subject"] == rendered.subject
    assert parsed["Message-ID"] == row.provider_id and row.provider_id.endswith("@atelier-dupont.example>")
    assert parsed.get_content_type() == "multipart/alternative"
    # (lines come back with the wire's CRLF endings)
    text = parsed.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = parsed.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert text.rstrip("\n") == rendered.text.rstrip("\n")
    assert html.rstrip("\n") == rendered.html.rstrip("\n")
    assert msg.tls is False


def test_smtp_and_sendgrid_carry_a_reply_to_address(db, smtp, sendgrid, configure):
    """A ticket's email asks for replies at its signed address; other mail has no Reply-To."""
    smtp.start()
    configure(GUICHET_EMAIL_PROVIDER="smtp")
    address = "support+t7-0123456789abcdef0123@help.example"
    rendered = invitation_mail()
    with_reply = notify.queue_email(db, to=CLIENT, template="ticket_reply", language="fr", rendered=rendered,
                                    sender_name="Atelier", reply_to=address)
    plain = notify.queue_email(db, to=CLIENT, template="invitation", language="fr", rendered=rendered,
                               sender_name="Atelier")
    assert notify.deliver(db, with_reply).reply_to == address and notify.deliver(db, plain).status == "sent"
    first, second = smtp.messages
    assert first.parsed["Reply-To"] == address and second.parsed["Reply-To"] is None
    configure(GUICHET_EMAIL_PROVIDER="sendgrid")
    again = notify.queue_email(db, to=CLIENT, template="ticket_reply", language="fr", rendered=rendered,
                               sender_name="Atelier", reply_to=address)
    notify.deliver(db, again)
    [req] = sendgrid.requests
    assert req.json["reply_to"] == {"email": address}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_logs_in_when_a_user_is_set(db, smtp, configure):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        logins.append((mechanism, auth_data.login, auth_data.password))
        ok = auth_data.login == b"mailer" and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    smtp.start(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    configure(SMTP_USER="mailer", SMTP_PASSWORD="s3cret")
    assert notify.deliver(db, queue_login_email(db)).status == "sent"
    assert logins and logins[0][1:] == (b"mailer", b"s3cret")
    assert smtp.messages[0].authenticated is True

    configure(SMTP_PASSWORD="wrong")
    row = notify.deliver(db, queue_login_email(db, code="000111"))
    assert row.status == "failed" and row.error.startswith("smtp 535")
    assert row.attempts == 1  # a refused login is not a passing failure


def test_smtp_refused_connection_fails(db, configure):
    sock = closed_port()
    try:
        configure(GUICHET_EMAIL_PROVIDER="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=sock.getsockname()[1],
                  SMTP_STARTTLS="false", GUICHET_PROVIDER_TIMEOUT="2")
        row = notify.deliver(db, queue_login_email(db))
    finally:
        sock.close()
    assert row.status == "queued" and row.attempts == 1
    assert row.error.startswith("smtp:") and "refused" in row.error.lower()


def test_smtp_temporary_refusal_is_retried(db, smtp):
    smtp.start()
    smtp.data_replies = ["451 4.3.0 Try again later"]
    d = queue_login_email(db)
    assert notify.deliver(db, d).status == "queued"
    later(outbox.BACKOFF_BASE_SECONDS)
    row = notify.deliver(db, d)
    assert row.status == "sent" and row.attempts == 2
    assert len(smtp.messages) == 1


def test_smtp_permanent_recipient_refusal_is_not_retried(db, smtp):
    smtp.start()
    smtp.rcpt_replies = ["550 5.1.1 No such user"] * notify.MAX_ATTEMPTS
    row = notify.deliver(db, queue_login_email(db))
    assert row.status == "failed" and row.attempts == 1 and smtp.rcpt_seen == 1
    assert "550" in row.error
    assert smtp.messages == []


def _self_signed(tmp_path):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def test_smtp_starttls_verifies_the_server(db, smtp, configure, tmp_path):
    import ssl

    cert_file, key_file = _self_signed(tmp_path)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert_file, key_file)
    smtp.start(tls_context=server_ctx, require_starttls=True)

    # untrusted certificate: refused, nothing sent in clear
    configure(SMTP_STARTTLS="true")
    row = notify.deliver(db, queue_login_email(db))
    assert row.status == "queued" and "certificate" in row.error.lower()  # retried, maybe once trusted
    assert smtp.messages == []

    # trusted (the test CA file): sent over TLS
    configure(SSL_CERT_FILE=str(cert_file))
    row = notify.deliver(db, queue_login_email(db, code="246810"))
    assert row.status == "sent"
    assert smtp.messages[0].tls is True


# --------------------------------------------------------------------------------------------
# dispatch(): after the caller's commit, inline or in a worker thread
# --------------------------------------------------------------------------------------------


@pytest.fixture
def file_db(tmp_path, configure):
    configure(REFLEX_DB_URL=f"sqlite:///{tmp_path / 'notify.db'}")
    portal_db.get_engine.cache_clear()
    SQLModel.metadata.create_all(portal_db.get_engine())
    yield
    notify.wait_idle(10)
    portal_db.get_engine().dispose()
    portal_db.get_engine.cache_clear()


def _queue_committed(**kw) -> Delivery:
    with portal_db.session_scope() as s:
        return queue_login_email(s, **kw)


def _stored(message_id: int) -> OutboundMessage:
    with portal_db.session_scope() as s:
        return s.get(OutboundMessage, message_id)


def test_dispatch_sync_sends_inline(sendgrid, configure, file_db):
    configure(GUICHET_NOTIFY_SYNC="1")
    d = _queue_committed()
    assert _stored(d.message_id).status == "queued"

    notify.dispatch([d])

    assert len(sendgrid.requests) == 1  # already sent when dispatch returns
    row = _stored(d.message_id)
    assert row.status == "sent" and row.provider_id == "sg-msg-0001"


def test_dispatch_runs_in_the_background(sendgrid, configure, file_db):
    d1, d2 = _queue_committed(), _queue_committed(to="other@example.org", code="999000")
    sendgrid.hold()  # the provider answers nothing until released
    notify.dispatch([d1, d2])  # returns at once: the request is not waiting for the provider

    assert wait_for(lambda: len(sendgrid.requests) >= 1)
    claimed = _stored(d1.message_id)
    assert claimed.status == "sending" and claimed.claimed_by and claimed.claimed_until is not None
    assert notify._pending

    sendgrid.release()
    notify.wait_idle(10)
    assert not notify._pending
    assert [_stored(d.message_id).status for d in (d1, d2)] == ["sent", "sent"]
    assert len(sendgrid.requests) == 2


def test_dispatch_survives_a_crashing_delivery(sendgrid, configure, file_db, monkeypatch, caplog):
    configure(GUICHET_NOTIFY_SYNC="1")
    d1, d2 = _queue_committed(), _queue_committed(to="other@example.org")
    real_send = outbox._send

    def flaky(channel, to, *args):
        if to == CLIENT:
            raise RuntimeError("boom")
        return real_send(channel, to, *args)

    monkeypatch.setattr(outbox, "_send", flaky)
    with caplog.at_level(logging.ERROR, logger="guichet.notify"):
        notify.dispatch([d1, d2])  # does not raise
    assert any("crashed" in r.getMessage() for r in caplog.records)
    crashed = _stored(d1.message_id)
    assert crashed.status == "queued" and crashed.attempts == 1 and crashed.error == "RuntimeError: boom"
    assert crashed.next_attempt_at is not None  # it will be tried again
    assert _stored(d2.message_id).status == "sent"


def test_dispatch_nothing_is_a_no_op(file_db):
    notify.dispatch([])
    assert not notify._pending


# --------------------------------------------------------------------------------------------
# outbox listing
# --------------------------------------------------------------------------------------------


def test_list_messages_filters_and_pages(db):
    for i in range(5):
        queue_login_email(db, to=f"person{i}@example.org", contact_id=None)
    notify.deliver(db, queue_login_email(db, to="Someone@Example.org"))
    db.commit()

    all_rows, total = notify.list_messages(db)
    assert total == 6 and [r.id for r in all_rows] == sorted((r.id for r in all_rows), reverse=True)
    page2, total = notify.list_messages(db, page=2, page_size=4)
    assert total == 6 and len(page2) == 2
    found, total = notify.list_messages(db, recipient="  PERSON3@example.org ")
    assert total == 1 and found[0].recipient == "person3@example.org"
    sent, total = notify.list_messages(db, status="sent")
    assert total == 1
    by_contact, total = notify.list_messages(db, contact_id=7)
    assert total == 1 and by_contact[0].contact_id == 7
