"""The sending domain's DNS: SPF, DKIM and DMARC, checked with dnspython, with the records to add.

Mail from a domain without them is what receiving servers block or file as spam. The check reads the
sender address's domain (GUICHET_EMAIL_FROM) and, for SendGrid, looks for its include in SPF and its two
DKIM selectors (s1, s2: the CNAMEs SendGrid's Sender Authentication gives). GUICHET_DNS_SERVER
("host" or "host:port") asks one server instead of the system's resolvers (tests run one on 127.0.0.1).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from portal_app.core.config import get_settings

log = logging.getLogger("guichet.notify")

DNS_TIMEOUT_SECONDS = 3  # one query
DNS_LIFETIME_SECONDS = 6  # one name, retries included
SENDGRID_SPF = "include:sendgrid.net"
SENDGRID_SELECTORS = ("s1", "s2")


@dataclass(frozen=True)
class Finding:
    check: str  # spf | dkim | dmarc
    ok: bool
    key: str  # catalogue key (under `settings.sending.`) saying what was found
    found: str = ""  # the record as published
    fix: str = ""  # the exact record to add or change ("" when nothing to do)


def _resolver():
    import dns.resolver

    server = get_settings().dns_server
    if not server:
        resolver = dns.resolver.Resolver()
    else:
        resolver = dns.resolver.Resolver(configure=False)
        host, _, port = server.partition(":")
        resolver.nameservers = [host]
        resolver.port = int(port) if port.isdigit() else 53
    resolver.timeout, resolver.lifetime = DNS_TIMEOUT_SECONDS, DNS_LIFETIME_SECONDS
    return resolver


class Unreachable(Exception):
    pass


def _lookup(resolver, name: str, rdtype: str) -> list[str]:
    """The records' texts, [] when the name or the type does not exist; Unreachable when no answer came."""
    import dns.exception
    import dns.resolver

    try:
        answer = resolver.resolve(name, rdtype, raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except (dns.exception.Timeout, dns.resolver.NoNameservers, OSError) as exc:
        raise Unreachable(f"{name} {rdtype}: {type(exc).__name__}") from exc
    if answer.rrset is None:
        return []
    if rdtype == "TXT":
        return [b"".join(r.strings).decode("utf-8", "replace") for r in answer.rrset]
    return [r.to_text() for r in answer.rrset]


def _spf(resolver, domain: str, sendgrid: bool) -> Finding:
    records = [r for r in _lookup(resolver, domain, "TXT") if r.lower().startswith("v=spf1")]
    wanted = f"v=spf1 {SENDGRID_SPF} ~all" if sendgrid else "v=spf1 a mx ~all"
    if not records:
        return Finding("spf", False, "spf_missing", "", f"{domain}. TXT \"{wanted}\"")
    if len(records) > 1:
        return Finding("spf", False, "spf_several", " | ".join(records), f"{domain}. TXT \"{wanted}\"")
    if sendgrid and SENDGRID_SPF not in records[0].lower().split():
        parts = records[0].split()
        fixed = " ".join([parts[0], SENDGRID_SPF, *parts[1:]])
        return Finding("spf", False, "spf_no_provider", records[0], f"{domain}. TXT \"{fixed}\"")
    return Finding("spf", True, "spf_ok", records[0])


def _dkim(resolver, domain: str, sendgrid: bool) -> Finding:
    selectors = SENDGRID_SELECTORS if sendgrid else ("default",)
    found, missing = [], []
    for selector in selectors:
        name = f"{selector}._domainkey.{domain}"
        records = _lookup(resolver, name, "CNAME") or [r for r in _lookup(resolver, name, "TXT") if "v=DKIM1" in r
                                                       or "p=" in r]
        (found if records else missing).append(f"{name} → {records[0]}" if records else name)
    if missing:
        fix = " ; ".join(f"{n}. CNAME (the value SendGrid › Sender Authentication shows)" if sendgrid
                         else f"{n}. TXT \"v=DKIM1; k=rsa; p=<your server's public key>\"" for n in missing)
        return Finding("dkim", False, "dkim_missing", " | ".join(found), fix)
    return Finding("dkim", True, "dkim_ok", " | ".join(found))


def _dmarc(resolver, domain: str) -> Finding:
    records = [r for r in _lookup(resolver, f"_dmarc.{domain}", "TXT") if r.upper().startswith("V=DMARC1")]
    wanted = f"_dmarc.{domain}. TXT \"v=DMARC1; p=none; rua=mailto:dmarc-reports@{domain}\""
    if not records:
        return Finding("dmarc", False, "dmarc_missing", "", wanted)
    if len(records) > 1:
        return Finding("dmarc", False, "dmarc_several", " | ".join(records), wanted)
    return Finding("dmarc", True, "dmarc_ok", records[0])


def sender_domain() -> str:
    return get_settings().email_from.rpartition("@")[2].strip().lower().rstrip(".")


def check(domain: str | None = None) -> list[Finding]:
    """SPF, DKIM and DMARC of the sending domain; a DNS that does not answer is a finding, not a crash."""
    domain = domain or sender_domain()
    sendgrid = get_settings().email_provider == "sendgrid"
    resolver = _resolver()
    findings = []
    for name, run in (("spf", lambda: _spf(resolver, domain, sendgrid)),
                      ("dkim", lambda: _dkim(resolver, domain, sendgrid)),
                      ("dmarc", lambda: _dmarc(resolver, domain))):
        try:
            findings.append(run())
        except Unreachable as exc:
            log.warning("sending domain check: no DNS answer for %s", exc)
            findings.append(Finding(name, False, "unreachable"))
    return findings
