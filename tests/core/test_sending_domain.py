"""The sending domain's SPF, DKIM and DMARC, checked with dnspython against a DNS server on 127.0.0.1
(a tiny UDP responder built with dnspython's own message classes): what is missing and the exact record
to add; a server that does not answer is a finding, not a crash."""

from __future__ import annotations

import socket
import threading

import dns.message
import dns.rcode
import dns.rrset
import pytest

from portal_app.core.config import get_settings, reload_settings
from portal_app.core.notify import domain

DOMAIN = "atelier.example"
GOOD = {
    (DOMAIN, "TXT"): ['"v=spf1 include:sendgrid.net ~all"', '"google-site-verification=abc"'],
    (f"s1._domainkey.{DOMAIN}", "CNAME"): ["s1.domainkey.u123.wl.sendgrid.net."],
    (f"s2._domainkey.{DOMAIN}", "CNAME"): ["s2.domainkey.u123.wl.sendgrid.net."],
    (f"_dmarc.{DOMAIN}", "TXT"): ['"v=DMARC1; p=quarantine"'],
}


class Responder:
    """Answers from `zone` {(name, type): [rdata text]}; NXDOMAIN for names it does not hold."""

    def __init__(self, zone: dict):
        self.zone = zone
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.questions: list[tuple[str, str]] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while True:
            try:
                data, addr = self.sock.recvfrom(4096)
            except OSError:
                return
            query = dns.message.from_wire(data)
            q = query.question[0]
            name, rdtype = q.name.to_text().rstrip("."), dns.rdatatype.to_text(q.rdtype)
            self.questions.append((name, rdtype))
            response = dns.message.make_response(query)
            if (name, rdtype) in self.zone:
                response.answer.append(dns.rrset.from_text_list(q.name, 300, "IN", rdtype, self.zone[(name, rdtype)]))
            elif not any(n == name for n, _ in self.zone):
                response.set_rcode(dns.rcode.NXDOMAIN)
            try:
                self.sock.sendto(response.to_wire(), addr)
            except OSError:  # closed by the test while it answered a late retry
                return

    def close(self):
        self.sock.close()


@pytest.fixture
def dns_with(monkeypatch):
    servers = []

    def start(zone: dict, provider: str = "sendgrid"):
        server = Responder(zone)
        servers.append(server)
        monkeypatch.setenv("GUICHET_DNS_SERVER", f"127.0.0.1:{server.port}")
        monkeypatch.setenv("GUICHET_EMAIL_FROM", f"portal@{DOMAIN}")
        monkeypatch.setenv("GUICHET_EMAIL_PROVIDER", provider)
        reload_settings()
        return server

    yield start
    for s in servers:
        s.close()
    monkeypatch.undo()
    get_settings.cache_clear()


def by_check(findings) -> dict:
    return {f.check: f for f in findings}


def test_a_domain_with_all_three_records_passes(dns_with):
    server = dns_with(GOOD)
    found = by_check(domain.check())
    assert all(f.ok for f in found.values()) and all(f.fix == "" for f in found.values())
    assert found["spf"].found == "v=spf1 include:sendgrid.net ~all"
    assert (DOMAIN, "TXT") in server.questions and (f"_dmarc.{DOMAIN}", "TXT") in server.questions


def test_missing_records_come_with_the_exact_record_to_add(dns_with):
    dns_with({(DOMAIN, "TXT"): ['"v=spf1 mx -all"'],
              (f"s1._domainkey.{DOMAIN}", "CNAME"): ["s1.domainkey.u123.wl.sendgrid.net."]})
    found = by_check(domain.check())
    assert (found["spf"].ok, found["spf"].key) == (False, "spf_no_provider")
    assert found["spf"].fix == f'{DOMAIN}. TXT "v=spf1 include:sendgrid.net mx -all"'
    assert (found["dkim"].ok, found["dkim"].key) == (False, "dkim_missing")
    assert f"s2._domainkey.{DOMAIN}." in found["dkim"].fix and "s1._domainkey" not in found["dkim"].fix
    assert (found["dmarc"].ok, found["dmarc"].key) == (False, "dmarc_missing")
    assert found["dmarc"].fix == f'_dmarc.{DOMAIN}. TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@{DOMAIN}"'


def test_two_spf_records_are_an_error(dns_with):
    dns_with({**GOOD, (DOMAIN, "TXT"): ['"v=spf1 include:sendgrid.net ~all"', '"v=spf1 mx ~all"']})
    assert by_check(domain.check())["spf"].key == "spf_several"


def test_a_dns_server_that_does_not_answer_is_a_finding(dns_with, monkeypatch):
    server = dns_with(GOOD)
    server.close()
    monkeypatch.setattr(domain, "DNS_LIFETIME_SECONDS", 1)
    monkeypatch.setattr(domain, "DNS_TIMEOUT_SECONDS", 0.3)
    found = domain.check()
    assert [(f.check, f.ok, f.key) for f in found] == [("spf", False, "unreachable"), ("dkim", False, "unreachable"),
                                                      ("dmarc", False, "unreachable")]

