"""Customer emails rewritten by staff: named placeholders only (those of the shipped text), checked when
saved; rendered by plain substitution and escaped in HTML; per language; reset to the shipped text."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.core import audit, notify
from portal_app.core.business import branding
from portal_app.core.errors import DomainError
from portal_app.core.i18n import shipped_languages
from portal_app.core.models.audit import AuditEvent
from portal_app.core.notify import templates

STAFF = audit.Actor("staff", 1, "Olivia Owner")


@pytest.mark.parametrize("lang", ["en", "fr", "de", "da", "nl", "es", "pt", "he", "th"])
@pytest.mark.parametrize("template", templates.EDITABLE)
def test_every_shipped_email_is_a_valid_rewrite_and_previews_in_every_language(db, template, lang):
    subject, body = templates.default_text(template, lang)
    assert subject and body
    shown = templates.preview(template, lang, branding(db), subject, body)
    assert "{" not in shown.subject and "{" not in shown.text
    assert lang in shipped_languages()


def test_a_rewrite_is_used_for_its_language_only_until_reset(db):
    templates.save_rewrite(db, STAFF, "invitation", "fr", "Bienvenue chez {business}, {name}",
                           "Bonjour {name},\n\nVotre espace client vous attend.")
    brand = branding(db)
    fr = notify.render_email("invitation", "fr", brand, link="https://x/login", name="Marie", email="m@x")
    assert fr.subject == f"Bienvenue chez {brand.name}, Marie"
    assert fr.text.startswith("Bonjour Marie,\n\nVotre espace client vous attend.")
    en = notify.render_email("invitation", "en", brand, link="https://x/login", name="Marie", email="m@x")
    assert en.subject == notify.render_email("invitation", "en", brand.__class__(
        brand.name, brand.color, brand.logo_url, brand.sender_name), link="https://x/login", name="Marie",
        email="m@x").subject
    assert templates.current_text(db, "invitation", "fr")[2] is True
    templates.reset_rewrite(db, STAFF, "invitation", "fr")
    brand = branding(db)
    assert notify.render_email("invitation", "fr", brand, link="https://x", name="Marie", email="m@x").subject \
        != f"Bienvenue chez {brand.name}, Marie"
    actions = db.exec(select(AuditEvent.action).where(AuditEvent.action.like("email_template.%"))).all()
    assert sorted(actions) == ["email_template.reset", "email_template.save"]


@pytest.mark.parametrize("subject,body,key", [
    ("Hello {nom}", "Body", "settings.emails.error.placeholder"),
    ("Hello {name.__class__}", "Body", "settings.emails.error.placeholder"),
    ("Hello {name[0]}", "Body", "settings.emails.error.placeholder"),
    ("Hello {name!r}", "Body", "settings.emails.error.placeholder"),
    ("Hello {name:>99999}", "Body", "settings.emails.error.placeholder"),
    ("Hello {name", "Body", "settings.emails.error.braces"),
    ("Hello }", "Body", "settings.emails.error.braces"),
    ("", "Body", "settings.emails.error.required"),
    ("Hello\nBcc: x@evil", "Body", "settings.emails.error.too_long"),
])
def test_unknown_or_unsafe_placeholders_are_refused(db, subject, body, key):
    with pytest.raises(DomainError) as err:
        templates.save_rewrite(db, STAFF, "invitation", "en", subject, body)
    assert err.value.key == key
    assert templates.load_rewrites(db) == ()


def test_the_login_code_email_must_keep_the_code(db):
    with pytest.raises(DomainError) as err:
        templates.save_rewrite(db, STAFF, "login_code", "en", "Your code", "Log in with the code we sent.")
    assert err.value.key == "settings.emails.error.missing"
    templates.save_rewrite(db, STAFF, "login_code", "en", "Your code", "Your code is {code}.")


def test_other_templates_and_languages_are_refused(db):
    with pytest.raises(DomainError):
        templates.save_rewrite(db, STAFF, "staff_invitation", "en", "Hi", "Body")
    with pytest.raises(DomainError):
        templates.save_rewrite(db, STAFF, "invitation", "xx", "Hi", "Body")
    with pytest.raises(DomainError):
        templates.reset_rewrite(db, STAFF, "../etc", "en")


def test_staff_text_and_values_are_escaped_in_html(db):
    templates.save_rewrite(db, STAFF, "invitation", "en", "Hi {name}", "<b>Hello</b> {name} & co")
    mail = notify.render_email("invitation", "en", branding(db), link="https://x/login",
                               name='<img src=x onerror="alert(1)">', email="m@x")
    assert "<b>Hello</b>" not in mail.html and "&lt;b&gt;Hello&lt;/b&gt;" in mail.html
    assert "<img" not in mail.html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in mail.html
    assert mail.text.startswith('<b>Hello</b> <img src=x onerror="alert(1)"> & co')  # plain text stays plain
