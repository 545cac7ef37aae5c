"""State tests: a real state tree in memory, handlers called directly, the session's migrated DB."""

from __future__ import annotations

import json
import re

import pytest
from sqlmodel import select

from portal_app.core.db import session_scope
from portal_app.core.models.notify import OutboundMessage


@pytest.fixture(autouse=True)
def _database(migrated_db):
    return migrated_db


def sub(root, cls):
    return root.get_substate(cls.get_full_name().split(".")[1:])


def public_json(root) -> str:
    """Everything the browser could receive: every public var of every state, computed ones too."""
    return json.dumps(root.dict(include_computed=True), default=str)


def last_code(email: str) -> str:
    with session_scope() as db:
        row = db.exec(select(OutboundMessage).where(OutboundMessage.template == "login_code")
                      .where((OutboundMessage.recipient == email) | (OutboundMessage.contact_id.in_(
                          select_contact_ids(email))))
                      .order_by(OutboundMessage.id.desc())).first()
    return re.search(r"\b(\d{6})\b", row.body_text).group(1)


def select_contact_ids(email: str):
    from portal_app.core.models.accounts import Contact

    return select(Contact.id).where(Contact.email == email)
