"""Runtime settings read from the environment (no Reflex import: services use them too)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    """Deployment settings; business settings (name, colours, languages) live in the database."""

    environment: str  # "development" or "production"
    base_url: str
    data_dir: Path
    secret_key: bytes
    email_provider: str  # console | sendgrid | smtp
    sms_provider: str  # console | twilio
    email_from: str
    sendgrid_api_key: str
    sendgrid_host: str
    # The Event Webhook's verification key (base64 DER of SendGrid's ECDSA public key, Mail Settings >
    # Event Webhook > Signature Verification); empty: every event is refused.
    sendgrid_webhook_public_key: str
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    twilio_account_sid: str
    twilio_auth_token: str
    twilio_from: str
    twilio_api_base: str
    provider_timeout_seconds: float
    # The DNS server the sending-domain check asks ("host" or "host:port"); empty: the system's resolvers.
    dns_server: str
    notify_sync: bool
    default_phone_region: str
    # Code requests allowed per client address per hour (raise it behind a shared NAT).
    login_ip_cap_per_hour: int
    # Login codes the whole portal sends per hour to browsers it does not remember; beyond it, sending
    # stops and staff are told (a runaway SMS bill, or someone spraying addresses).
    login_send_budget_per_hour: int
    # Inbound email (SendGrid Inbound Parse): the key in the webhook's URL (empty: no inbound route),
    # and the support address replies go to (its "+tag" form carries a signed thread reference).
    inbound_secret: str = ""
    inbound_address: str = ""
    # The background jobs this process runs (GUICHET_JOBS: "all", "none" or names separated by commas:
    # outbox, recurring_bills, booking_reminders, privacy_archives; empty means all). Every worker may run
    # them all, since each piece of work is claimed once; a process kept for pages only says "none".
    jobs: str = "all"
    JOB_NAMES = ("outbox", "recurring_bills", "booking_reminders", "privacy_archives")  # what GUICHET_JOBS names

    def runs_job(self, name: str) -> bool:
        wanted = {part.strip() for part in self.jobs.lower().split(",") if part.strip()}
        return not wanted or "all" in wanted or name in wanted

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def check_production_ready(self) -> list[str]:
        """Problems that must stop a production start (a code in a log is a leak)."""
        problems = []
        if not self.is_production:
            return problems
        if self.email_provider == "console":
            problems.append("GUICHET_EMAIL_PROVIDER is 'console' in production")
        if self.sms_provider == "console":
            problems.append("GUICHET_SMS_PROVIDER is 'console' in production (use 'twilio' or 'none')")
        if len(_env("GUICHET_SECRET_KEY")) < 32:
            problems.append("GUICHET_SECRET_KEY must be set to at least 32 random characters in production")
        if not self.base_url.startswith("https://"):
            problems.append("GUICHET_BASE_URL must be https:// in production (Secure cookies)")
        if "*" in _env("GUICHET_CORS_ORIGINS"):
            problems.append("GUICHET_CORS_ORIGINS must not be '*' in production")
        return problems


def _load_secret(data_dir: Path) -> bytes:
    """The HMAC key for codes and tokens: from the environment, else a file beside the data."""
    raw = _env("GUICHET_SECRET_KEY")
    if raw:
        return raw.encode()
    path = data_dir / "secret.key"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    data_dir = Path(_env("GUICHET_DATA_DIR", "data")).resolve()
    return Settings(
        environment=_env("GUICHET_ENV", "development"),
        base_url=_env("GUICHET_BASE_URL", "http://localhost:3000").rstrip("/"),
        data_dir=data_dir,
        secret_key=_load_secret(data_dir),
        email_provider=_env("GUICHET_EMAIL_PROVIDER", "console"),
        sms_provider=_env("GUICHET_SMS_PROVIDER", "console"),
        email_from=_env("GUICHET_EMAIL_FROM", "portal@guichet.example"),
        sendgrid_api_key=_env("SENDGRID_API_KEY"),
        sendgrid_host=_env("SENDGRID_HOST", "https://api.sendgrid.com"),
        sendgrid_webhook_public_key=_env("SENDGRID_WEBHOOK_PUBLIC_KEY"),
        smtp_host=_env("SMTP_HOST"),
        smtp_port=int(_env("SMTP_PORT", "587")),
        smtp_user=_env("SMTP_USER"),
        smtp_password=_env("SMTP_PASSWORD"),
        smtp_starttls=_env_bool("SMTP_STARTTLS", True),
        twilio_account_sid=_env("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=_env("TWILIO_AUTH_TOKEN"),
        twilio_from=_env("TWILIO_FROM"),
        twilio_api_base=_env("TWILIO_API_BASE"),
        provider_timeout_seconds=float(_env("GUICHET_PROVIDER_TIMEOUT", "10")),
        dns_server=_env("GUICHET_DNS_SERVER"),
        notify_sync=_env_bool("GUICHET_NOTIFY_SYNC", False),
        default_phone_region=_env("GUICHET_PHONE_REGION", "FR"),
        login_ip_cap_per_hour=int(_env("GUICHET_LOGIN_IP_CAP", "30")),
        login_send_budget_per_hour=int(_env("GUICHET_LOGIN_SEND_BUDGET", "200")),
        inbound_secret=_env("GUICHET_INBOUND_SECRET"),
        inbound_address=_env("GUICHET_INBOUND_ADDRESS").lower(),
        jobs=_env("GUICHET_JOBS", "all"),
    )


def reload_settings() -> Settings:
    get_settings.cache_clear()
    return get_settings()


LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


def allowed_origins(environ: dict | None = None) -> list[str]:
    """The origins that may open the event websocket.

    Production: the base URL's origin only (plus `GUICHET_CORS_ORIGINS` when set explicitly).
    Elsewhere the same, plus the loopback names and this machine's name on the base URL's port, so
    `make run` opened as http://127.0.0.1:3000 works as well as http://localhost:3000."""
    import socket
    from urllib.parse import urlsplit

    env = os.environ if environ is None else environ
    base = env.get("GUICHET_BASE_URL", "http://localhost:3000").strip().rstrip("/")
    explicit = [o.strip().rstrip("/") for o in env.get("GUICHET_CORS_ORIGINS", "").split(",") if o.strip()]
    origins = explicit or [base]
    if env.get("GUICHET_ENV", "development").strip() != "production" and not explicit:
        parts = urlsplit(base)
        port = f":{parts.port}" if parts.port else ""
        names = [*LOOPBACK_NAMES, socket.gethostname().lower()]
        origins += [f"{parts.scheme}://{name}{port}" for name in names]
    return list(dict.fromkeys(origins))
