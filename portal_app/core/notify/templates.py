"""Rendering emails and SMS from the catalogues, in the recipient's language, with the branding; and the
customer emails staff rewrite per language (subject and body with named placeholders).

A rewritten email is checked when saved: only the placeholders its default text uses (and {business})
are allowed, each a plain `{name}` (no attribute, index, format or conversion: a template is never a
format string Python interprets), and the login code's email must keep {code}. It is rendered by plain
substitution; the HTML part escapes the staff's text and every value alike."""

from __future__ import annotations

import html
import string
from dataclasses import dataclass

from portal_app.core.config import get_settings
from portal_app.core.errors import DomainError
from portal_app.core.i18n import catalogue, shipped_languages, t

# The customer emails staff may rewrite; the staff-facing ones (alerts, staff invitations) stay as shipped.
EDITABLE = ("invitation", "login_code", "new_invoice", "document_shared", "message_reply", "booking_requested",
            "booking_confirmed", "booking_moved", "booking_cancelled", "booking_completed", "booking_reminder")
REQUIRED = {"login_code": ("code",)}  # without it the email is useless
SUBJECT_MAX = 300
BODY_MAX = 5000
# What the preview fills placeholders with.
SAMPLE = {"name": "Marie Dupont", "email": "marie.dupont@example.com", "number": "F-2026-0042",
          "amount": "1 234,00 €", "due": "31/03/2026", "title": "Contract 2026.pdf", "subject": "About my invoice",
          "when": "Tuesday 3 March 2026, 10:00", "service": "Consultation", "code": "123456", "minutes": "10",
          "staff": "Olivia", "contact": "Marie Dupont", "account": "Dupont SARL"}


@dataclass(frozen=True)
class Branding:
    name: str
    color: str
    logo_url: str | None
    sender_name: str
    # Staff's rewrites: (template, language, subject, body), loaded with the branding (core/business.py).
    templates: tuple[tuple[str, str, str, str], ...] = ()

    def rewrite(self, template: str, lang: str) -> tuple[str, str] | None:
        return next(((subj, body) for tpl, lng, subj, body in self.templates if (tpl, lng) == (template, lang)),
                    None)


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
    rewrite = brand.rewrite(template, lang)
    if rewrite is not None:
        subject, body = substitute(rewrite[0], params), substitute(rewrite[1], params)
    else:
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


# ---- staff's rewrites ------------------------------------------------------------------------------------


def _fields(text: str) -> list[tuple[str, str | None, str | None]]:
    """The (name, format spec, conversion) of each placeholder; ValueError for a stray brace."""
    return [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None]


def placeholders(template: str) -> tuple[str, ...]:
    """The names a rewrite of `template` may use: those of its shipped text, in any language, and {business}."""
    names = {"business"}
    for lang in shipped_languages():
        cat = catalogue(lang)
        for part in ("subject", "body"):
            names.update(n for n, _, _ in _fields(cat.get(f"email.{template}.{part}", "")) if n)
    return tuple(sorted(names))


def validate(template: str, subject: str, body: str) -> tuple[str, str]:
    """The cleaned subject and body, or DomainError naming what is wrong."""
    if template not in EDITABLE:
        raise DomainError("settings.emails.error.unknown_template")
    subject, body = subject.strip().replace("\r\n", "\n"), body.strip().replace("\r\n", "\n")
    if not subject or not body:
        raise DomainError("settings.emails.error.required")
    if "\n" in subject or "\r" in subject or len(subject) > SUBJECT_MAX or len(body) > BODY_MAX:
        raise DomainError("settings.emails.error.too_long", subject=SUBJECT_MAX, body=BODY_MAX)
    allowed = placeholders(template)
    used: set[str] = set()
    for text in (subject, body):
        try:
            fields = _fields(text)
        except ValueError:
            raise DomainError("settings.emails.error.braces") from None
        for name, spec, conv in fields:
            if name not in allowed or spec or conv:
                raise DomainError("settings.emails.error.placeholder", name=("{" + name + "}")[:60],
                                  allowed=", ".join("{" + a + "}" for a in allowed))
            used.add(name)
    missing = [n for n in REQUIRED.get(template, ()) if n not in used]
    if missing:
        raise DomainError("settings.emails.error.missing", name="{" + missing[0] + "}")
    return subject, body


def substitute(text: str, params: dict) -> str:
    """Plain substitution of checked `{name}` placeholders (never str.format on staff's text)."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return text
    out = []
    for literal, name, _, _ in parts:
        out.append(literal)
        if name is not None:
            out.append(str(params.get(name, "")))
    return "".join(out)


def preview(template: str, lang: str, brand: Branding, subject: str, body: str) -> Rendered:
    """The email as a customer would get it, with sample data; checked like a save."""
    subject, body = validate(template, subject, body)
    staged = Branding(brand.name, brand.color, brand.logo_url, brand.sender_name,
                      ((template, lang, subject, body),))
    return render_email(template, lang, staged, link=portal_url("/login"), **SAMPLE)


def default_text(template: str, lang: str) -> tuple[str, str]:
    """The shipped subject and body, placeholders unfilled."""
    cat = catalogue(lang)
    return cat.get(f"email.{template}.subject", ""), cat.get(f"email.{template}.body", "")


def load_rewrites(db) -> tuple[tuple[str, str, str, str], ...]:
    from sqlmodel import select

    from portal_app.core.models.notify import EmailTemplate

    return tuple((r.template, r.language, r.subject, r.body) for r in db.exec(select(EmailTemplate)).all())


def _row(db, template: str, lang: str):
    from sqlmodel import select

    from portal_app.core.models.notify import EmailTemplate

    return db.exec(select(EmailTemplate).where(EmailTemplate.template == template,
                                               EmailTemplate.language == lang)).first()


def _check_language(lang: str) -> None:
    if lang not in shipped_languages():
        raise DomainError("settings.emails.error.language")


def save_rewrite(db, actor, template: str, lang: str, subject: str, body: str) -> None:
    from portal_app.core import audit, clock
    from portal_app.core.models.notify import EmailTemplate

    _check_language(lang)
    subject, body = validate(template, subject, body)
    row = _row(db, template, lang) or EmailTemplate(template=template, language=lang, subject="", body="")
    row.subject, row.body, row.updated_at = subject, body, clock.now()
    db.add(row)
    audit.record(db, actor, "email_template.save", target_type="email_template", template=template, language=lang)


def reset_rewrite(db, actor, template: str, lang: str) -> None:
    """Back to the shipped text."""
    from portal_app.core import audit

    if template not in EDITABLE:
        raise DomainError("settings.emails.error.unknown_template")
    _check_language(lang)
    row = _row(db, template, lang)
    if row is not None:
        db.delete(row)
        audit.record(db, actor, "email_template.reset", target_type="email_template", template=template,
                     language=lang)


def current_text(db, template: str, lang: str) -> tuple[str, str, bool]:
    """What staff edit: the rewrite if any (True), else the shipped text (False)."""
    row = _row(db, template, lang)
    return (row.subject, row.body, True) if row else (*default_text(template, lang), False)
