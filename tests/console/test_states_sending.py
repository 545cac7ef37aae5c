"""Console › Sending (issue 15): the owner checks the sender domain, sees what is missing with the record
to add, fixes the DNS and re-checks on demand; roles without the settings area see nothing."""

from __future__ import annotations

from portal_app.console.sending_state import AdminSendingState
from portal_app.core.db import session_scope
from tests.core.test_sending_domain import DOMAIN, GOOD, dns_with  # noqa: F401  (the local DNS server)
from tests.factories import staff_session
from tests.support.states import router_data, run_background, sub


def _page(root, role: str) -> AdminSendingState:
    with session_scope() as db:
        token = staff_session(db, role=role)
    page = sub(root, AdminSendingState)
    page.staff_sid = token
    page.router = router_data("/admin/settings/sending", {})
    return page


def test_the_owner_sees_the_missing_record_then_re_checks_after_the_fix(root, dns_with):  # noqa: F811
    zone = {k: v for k, v in GOOD.items() if k != (f"_dmarc.{DOMAIN}", "TXT")}
    server = dns_with(zone)
    page = _page(root, "owner")
    run_background(page, "check_domain")
    assert page.sender_domain == DOMAIN and not page.checking
    found = {f.check: f for f in page.findings}
    assert (found["spf"].ok, found["dkim"].ok, found["dmarc"].ok) == (True, True, False)
    assert found["dmarc"].key == "settings.sending.dmarc_missing"
    assert found["dmarc"].fix == f'_dmarc.{DOMAIN}. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@{DOMAIN}"'

    server.zone[(f"_dmarc.{DOMAIN}", "TXT")] = ['"v=DMARC1; p=none"']  # the owner adds the record
    asked = len(server.questions)
    run_background(page, "check_domain")
    assert all(f.ok and f.fix == "" for f in page.findings) and len(server.questions) > asked


def test_an_agent_gets_no_findings(root, dns_with):  # noqa: F811
    server = dns_with(GOOD)
    page = _page(root, "agent")
    run_background(page, "check_domain")
    assert page.findings == [] and page.flash_key == "error.role_forbidden" and server.questions == []
