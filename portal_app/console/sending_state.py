"""Console › Sending: the sender domain's SPF, DKIM and DMARC, what is missing and the records to add;
re-checked on demand. The DNS queries run off the state lock (a background event)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from portal_app.core.notify import domain
from portal_app.core.states.handlers import staff_event
from portal_app.core.states.staff import StaffState


@dataclass(frozen=True)
class FindingRow:
    check: str
    ok: bool
    key: str  # catalogue key
    found: str
    fix: str


class AdminSendingState(StaffState):
    area: ClassVar[str] = "settings"

    sender_domain: str = ""
    findings: list[FindingRow] = []
    checking: bool = False

    @staff_event("read", background=True)
    async def check_domain(self, ctx):
        async with self:
            if self.checking:
                return
            self.checking, self.sender_domain = True, domain.sender_domain()
        try:
            found = await asyncio.to_thread(domain.check)
        finally:
            async with self:
                self.checking = False
        async with self:
            self.findings = [FindingRow(f.check, f.ok, "settings.sending." + f.key, f.found, f.fix) for f in found]
