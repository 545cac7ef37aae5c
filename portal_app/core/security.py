"""Secrets: HMAC for codes and tokens, bcrypt for passwords, encryption of TOTP secrets."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata

import bcrypt
from cryptography.fernet import Fernet

from portal_app.core.config import get_settings
from portal_app.core.errors import DomainError

CODE_DIGITS = 6
TOKEN_BYTES = 32  # 256 bits
BCRYPT_ROUNDS = 12
BCRYPT_MAX_BYTES = 72


def hmac_hash(value: str, purpose: str) -> str:
    """Keyed hash under the server secret; the purpose keeps codes and tokens apart."""
    key = get_settings().secret_key
    return hmac.new(key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


def hashes_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_password(password: str) -> str:
    raw = password.encode()
    if len(raw) > BCRYPT_MAX_BYTES:
        raise DomainError("password.error.too_long", max=BCRYPT_MAX_BYTES)
    return bcrypt.hashpw(raw, bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()


def check_password(password: str, password_hash: str) -> bool:
    raw = password.encode()
    if len(raw) > BCRYPT_MAX_BYTES:
        return False
    try:
        return bcrypt.checkpw(raw, password_hash.encode())
    except ValueError:
        return False


# A hash to check against when the user is unknown, so both paths spend the same time.
_DUMMY_HASH = None


def dummy_password_check(password: str) -> None:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode()
    check_password(password, _DUMMY_HASH)


TOTP_PURPOSE = "totp-secret-encryption"


def _fernet(purpose: str) -> Fernet:
    """A Fernet key derived from the server secret; each purpose (TOTP secrets, outbox bodies) its own."""
    digest = hashlib.sha256(purpose.encode() + b":" + get_settings().secret_key).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_secret(value: str, purpose: str = TOTP_PURPOSE) -> str:
    return _fernet(purpose).encrypt(value.encode()).decode()


def decrypt_secret(value: str, purpose: str = TOTP_PURPOSE) -> str:
    """Raises cryptography.fernet.InvalidToken when the value was not sealed under this secret and purpose."""
    return _fernet(purpose).decrypt(value.encode()).decode()


def only_ascii_digits(typed: str | None, limit: int = 12) -> str:
    """The digits of what was typed, whatever the script (Thai, Arabic-Indic…), as ASCII."""
    out = []
    for ch in typed or "":
        value = unicodedata.decimal(ch, None)
        if value is not None:
            out.append(str(value))
    return "".join(out)[:limit]
