"""Delivery providers: console outbox (development), SendGrid and SMTP for email, Twilio for SMS."""

from __future__ import annotations

import http.client
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import urlsplit

from portal_app.core.config import Settings

log = logging.getLogger("guichet.notify")


class ProviderError(Exception):
    """A provider refused or failed; `retryable` for timeouts and 5xx."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


class ConsoleProvider:
    """Logs the whole message (codes included) and keeps it in the outbox: demos and tests only."""

    name = "console"

    def send_email(self, *, to, sender, sender_name, subject, text, html, track_clicks, reply_to="") -> str:
        log.warning("console email to %s%s | %s\n%s", to, f" (reply to {reply_to})" if reply_to else "", subject, text)
        return "console"

    def send_sms(self, *, to, sender, text) -> str:
        log.warning("console sms to %s | %s", to, text)
        return "console"


class SendGridProvider:
    name = "sendgrid"

    def __init__(self, settings: Settings):
        from sendgrid import SendGridAPIClient

        self._client = SendGridAPIClient(settings.sendgrid_api_key, host=settings.sendgrid_host)
        self._timeout = settings.provider_timeout_seconds

    def send_email(self, *, to, sender, sender_name, subject, text, html, track_clicks, reply_to="") -> str:
        from python_http_client.exceptions import HTTPError
        from sendgrid.helpers.mail import ClickTracking, From, Mail, ReplyTo, TrackingSettings

        mail = Mail(from_email=From(sender, sender_name or None), to_emails=to, subject=subject,
                    plain_text_content=text, html_content=html)
        mail.tracking_settings = TrackingSettings(click_tracking=ClickTracking(track_clicks, track_clicks))
        if reply_to:
            mail.reply_to = ReplyTo(reply_to)
        self._client.client.timeout = self._timeout
        try:
            response = self._client.send(mail)
        except HTTPError as exc:
            status = getattr(exc, "status_code", 0) or 0
            body = getattr(exc, "body", b"") or b""
            detail = body.decode("utf-8", "replace")[:300] if isinstance(body, bytes) else str(body)[:300]
            raise ProviderError(f"sendgrid {status}: {detail}", retryable=status >= 500) from exc
        except (TimeoutError, OSError) as exc:
            raise ProviderError(f"sendgrid unreachable: {exc}", retryable=True) from exc
        except http.client.HTTPException as exc:  # a garbled or cut reply
            raise ProviderError(f"sendgrid bad reply: {type(exc).__name__}: {exc}"[:300], retryable=True) from exc
        return response.headers.get("X-Message-Id", "") if response.headers else ""


class SmtpProvider:
    name = "smtp"

    def __init__(self, settings: Settings):
        self._s = settings

    def send_email(self, *, to, sender, sender_name, subject, text, html, track_clicks, reply_to="") -> str:
        msg = EmailMessage()
        msg["From"] = formataddr((sender_name, sender)) if sender_name else sender
        msg["To"] = to
        msg["Subject"] = subject
        if reply_to:
            msg["Reply-To"] = reply_to
        msg_id = make_msgid(domain=sender.split("@")[-1] or None)
        msg["Message-ID"] = msg_id
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        try:
            with smtplib.SMTP(self._s.smtp_host, self._s.smtp_port, timeout=self._s.provider_timeout_seconds) as smtp:
                if self._s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._s.smtp_user:
                    smtp.login(self._s.smtp_user, self._s.smtp_password)
                smtp.send_message(msg)
        except smtplib.SMTPResponseException as exc:
            raise ProviderError(f"smtp {exc.smtp_code}", retryable=exc.smtp_code >= 400 and exc.smtp_code < 500) from exc
        except smtplib.SMTPRecipientsRefused as exc:  # refused at RCPT: 5xx is final, 4xx passing
            refusals = list(exc.recipients.values())
            code = min((c for c, _ in refusals), default=0)
            detail = "; ".join(m.decode("utf-8", "replace") if isinstance(m, bytes) else str(m) for _, m in refusals)
            raise ProviderError(f"smtp {code}: {detail}"[:300], retryable=400 <= code < 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ProviderError(f"smtp: {exc}", retryable=True) from exc
        return msg_id


class TwilioProvider:
    name = "twilio"

    def __init__(self, settings: Settings):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        base = settings.twilio_api_base
        timeout = settings.provider_timeout_seconds

        class _Http(TwilioHttpClient):
            """Sends to the configured API host (tests point it at 127.0.0.1)."""

            def request(self, method, url, *args, **kwargs):
                if base:
                    parts = urlsplit(url)
                    url = base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
                return super().request(method, url, *args, **kwargs)

        self._client = Client(settings.twilio_account_sid, settings.twilio_auth_token,
                              http_client=_Http(timeout=timeout))

    def send_sms(self, *, to, sender, text) -> str:
        from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException

        try:
            from portal_app.core.notify.receipts import twilio_callback_url

            # Twilio reports the message's fate there (delivered, undelivered), signed with the auth token.
            message = self._client.messages.create(to=to, from_=sender, body=text,
                                                   status_callback=twilio_callback_url())
        except TwilioRestException as exc:
            raise ProviderError(f"twilio {exc.status}: {exc.msg}"[:300], retryable=exc.status >= 500) from exc
        except TwilioServiceException as exc:  # the newer (RFC 9457) error replies
            detail = exc.title + (f" - {exc.detail}" if exc.detail else "")
            raise ProviderError(f"twilio {exc.status}: {detail}"[:300], retryable=int(exc.status) >= 500) from exc
        except (TwilioException, OSError) as exc:
            raise ProviderError(f"twilio unreachable: {exc}"[:300], retryable=True) from exc
        except Exception as exc:  # requests' timeouts and connection errors
            raise ProviderError(f"twilio: {type(exc).__name__}: {exc}"[:300], retryable=True) from exc
        return message.sid or ""


def email_provider(settings: Settings):
    if settings.email_provider == "sendgrid":
        return SendGridProvider(settings)
    if settings.email_provider == "smtp":
        return SmtpProvider(settings)
    return ConsoleProvider()


def sms_provider(settings: Settings):
    if settings.sms_provider == "twilio":
        return TwilioProvider(settings)
    if settings.sms_provider == "none":
        return None
    return ConsoleProvider()
