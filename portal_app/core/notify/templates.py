"""Rendering emails and SMS from the catalogues, in the recipient's language, with the branding."""

from __future__ import annotations

import html
from dataclasses import dataclass

from portal_app.core.config import get_settings
from portal_app.core.i18n import t


@dataclass(frozen=True)
class Branding:
    name: str
    color: str
    logo_url: str | None
    sender_name: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())


def render_email(template: str, lang: str, brand: Branding, *, link: str | None = None, note: str = "",
                 **params) -> Rendered:
    """`note`: a paragraph above the template's body (already translated), e.g. who acted for the reader."""
    params.setdefault("business", brand.name)
    subject = t(lang, f"email.{template}.subject", **params)
    body = t(lang, f"email.{template}.body", **params)
    body = f"{note}\n\n{body}" if note else body
    footer = t(lang, "email.footer", business=brand.name)
    text = body + (f"\n\n{link}" if link else "") + f"\n\n--\n{footer}"
    button = ""
    if link:
        label = t(lang, f"email.{template}.button", **params)
        button = (
            f'<p><a href="{html.escape(link, quote=True)}" style="background:{brand.color};color:#fff;'
            f'padding:10px 18px;border-radius:6px;text-decoration:none;display:inline-block">'
            f"{html.escape(label)}</a></p>"
        )
    logo = (
        f'<img src="{html.escape(brand.logo_url, quote=True)}" alt="{html.escape(brand.name)}" height="40">'
        if brand.logo_url
        else f"<strong>{html.escape(brand.name)}</strong>"
    )
    page = (
        f'<!doctype html><html lang="{lang}"><body style="font-family:system-ui,sans-serif;color:#111">'
        f'<div style="border-top:4px solid {brand.color};padding:16px;max-width:560px">{logo}'
        f"{_paragraphs(body)}{button}"
        f'<p style="color:#666;font-size:12px">{html.escape(footer)}</p></div></body></html>'
    )
    return Rendered(subject=subject, text=text, html=page)


def render_sms(template: str, lang: str, brand: Branding, **params) -> str:
    params.setdefault("business", brand.name)
    return t(lang, f"sms.{template}", **params)


def portal_url(path: str = "/") -> str:
    """Links in messages come from the configured base URL, never from a request's Host header."""
    return get_settings().base_url + path
