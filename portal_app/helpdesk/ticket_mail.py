"""A ticket's signed reply-to address: `support+t42-<signature>@example.com`. Emails about a ticket carry
it, so that a reply finds its ticket (ticket_inbound) by a reference no one can guess or alter, never by
its subject."""

from __future__ import annotations

import re

from portal_app.core.config import get_settings
from portal_app.core.security import hashes_equal, hmac_hash

SIGNATURE_CHARS = 20  # 80 bits of HMAC-SHA256 under the server secret
REFERENCE_PURPOSE = "ticket-reply-to"
REFERENCE = re.compile(r"\+t([1-9][0-9]{0,17})-([0-9a-f]{%d})@" % SIGNATURE_CHARS)


def _signature(conversation_id: int) -> str:
    return hmac_hash(str(conversation_id), REFERENCE_PURPOSE)[:SIGNATURE_CHARS]


def reply_address(conversation_id: int) -> str:
    """The ticket's reply address; empty without a configured inbound address."""
    address = get_settings().inbound_address
    if "@" not in address:
        return ""
    local, domain = address.rsplit("@", 1)
    return f"{local.split('+')[0]}+t{conversation_id}-{_signature(conversation_id)}@{domain}"


def thread_reference(recipients: str) -> int | None:
    """The ticket a mail answers, from a signed address among its recipients; None when there is none
    or its signature does not match."""
    for found in REFERENCE.finditer((recipients or "").lower()):
        conversation_id, signature = int(found.group(1)), found.group(2)
        if hashes_equal(signature, _signature(conversation_id)):
            return conversation_id
    return None
