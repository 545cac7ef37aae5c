"""Knowledge-base states: the help centre for visitors and customers, one article, "this answered my
question", and the console's list and editor (a full staff session needed)."""

from __future__ import annotations

import pytest

import itertools

from sqlmodel import select

from portal_app.core.auth import sessions as portal_sessions
from portal_app.core.business import forget_cached_business
from portal_app.core import business
from portal_app.core.db import session_scope
from portal_app.helpdesk.kb_admin_state import AdminKbArticleState, AdminKbState
from portal_app.helpdesk.kb_models import KbArticle
from portal_app.helpdesk.kb_state import HelpArticleState, HelpLinkState, HelpState
from tests.factories import make_account, make_contact, staff_ctx, staff_session
from tests.helpdesk.kb_factories import make_article, make_category
from tests.support.states import public_json, router_data, sub

_n = itertools.count(1)


def articles(word: str):
    """A public and a customers-only article, a draft and a French translation, all with `word` in the title."""
    forget_cached_business()
    with session_scope() as db:
        staff = staff_ctx(db)
        cat = make_category(db, staff, f"Cat {word}")
        pub = make_article(db, staff, f"{word} public", "Public **text**.", category=cat)
        private = make_article(db, staff, f"{word} private", "For customers.", public=False, category=cat)
        draft = make_article(db, staff, f"{word} draft", "Not yet.", published=False, category=cat)
        fr = make_article(db, staff, f"{word} public fr", "Texte public.", language="fr", translation_of=pub)
        return {"cat": cat.id, "pub": pub.slug, "pub_id": pub.id, "private": private.slug,
                "private_id": private.id, "draft": draft.slug, "fr": fr.slug}


def customer_token(**kw) -> str:
    with session_scope() as db:
        contact = make_contact(db, make_account(db), email=f"kbstate{next(_n)}@example.com", **kw)
        return portal_sessions.open_session(db, contact.id)


@pytest.fixture(autouse=True)
def _english_french_german():
    """The business offers en, fr, de in that order (other suites may have changed the shared row)."""
    from portal_app.core.models.business import BusinessSettings

    with session_scope() as db:
        row = db.get(BusinessSettings, 1)
        if row is not None:
            row.languages, row.default_language = ["en", "fr", "de"], "en"
            db.add(row)
    business.forget_cached_business()
    yield
    business.forget_cached_business()


def open_page(state, path: str, query: dict | None = None):
    state.router = router_data(path, query or {})
    return state


def answered(article_id: int) -> int:
    with session_scope() as db:
        return db.exec(select(KbArticle.answered_count).where(KbArticle.id == article_id)).one()


def test_a_visitor_reads_public_articles_only(root):
    data = articles("Zephyr")
    page = open_page(sub(root, HelpState), "/help")
    page.load_help()
    page.search_help({"q": "zephyr"})
    assert [r.title for r in page.rows] == ["Zephyr public"] and page.total == 1
    assert page.rows[0].excerpt == "Public text."
    assert any(c.id == data["cat"] and c.count == 1 for c in page.categories)
    page.show_category(data["cat"])
    assert page.category_id == data["cat"] and [r.title for r in page.rows] == ["Zephyr public"]
    page.show_category("x; drop")
    assert page.flash_key == "error.not_found" and page.category_id == data["cat"]
    article = open_page(sub(root, HelpArticleState), "/help/article", {"slug": data["pub"]})
    article.load_article()
    assert article.found and article.title == "Zephyr public" and "<strong>text</strong>" in article.body_html
    for slug in (data["private"], data["draft"], "no-such-slug", "<script>"):
        article = open_page(sub(root, HelpArticleState), "/help/article", {"slug": slug})
        article.load_article()
        assert article.missing and not article.found and article.title == "" and article.body_html == ""


def test_a_customer_reads_customers_only_articles_in_their_language(root):
    data = articles("Numbat")
    token = customer_token(language="fr")
    page = open_page(sub(root, HelpState), "/help")
    page.portal_sid, page.lang = token, "fr"
    page.load_help()
    page.search_help({"q": "numbat"})
    assert sorted(r.title for r in page.rows) == ["Numbat private", "Numbat public fr"]
    article = open_page(sub(root, HelpArticleState), "/help/article", {"slug": data["pub"]})
    article.portal_sid, article.lang = token, "fr"
    article.load_article()
    assert article.title == "Numbat public fr" and not article.other_language
    article = open_page(sub(root, HelpArticleState), "/help/article", {"slug": data["private"]})
    article.portal_sid, article.lang = token, "fr"
    article.load_article()
    assert article.found and article.other_language  # English only, shown to a French reader
    # "this answered my question": counted once per article and tab
    article.mark_answered()
    article.mark_answered()
    assert article.answered and answered(data["private_id"]) == 1
    assert "_article_id" not in public_json(root)


def test_answered_needs_a_session(root):
    data = articles("Axolotl")
    article = open_page(sub(root, HelpArticleState), "/help/article", {"slug": data["pub"]})
    article.load_article()
    assert article.found
    article.mark_answered()
    assert article.flash_key == "error.session_over" and not article.answered
    assert answered(data["pub_id"]) == 0


def test_the_login_page_link_follows_public_articles(root):
    link = sub(root, HelpLinkState)
    articles("Narwhal")
    link.load_help_link()
    assert link.show is True


def test_console_list_publish_and_delete(root):
    data = articles("Ibex")
    with session_scope() as db:
        token = staff_session(db)
    page = open_page(sub(root, AdminKbState), "/admin/kb", {"published": "no"})
    page.staff_sid = token
    page.load_kb()
    assert page.filter_values["published"] == "no"
    page.search({"q": "ibex", "published": "no"})
    assert [r.title for r in page.rows] == ["Ibex draft"]
    page.toggle_published(page.rows[0].id)
    assert page.total == 0 and page.flash_key == "kb.admin.now_published"
    page.search({"q": "ibex", "published": "", "language": "fr"})
    assert [r.title for r in page.rows] == ["Ibex public fr"]
    page.ask_delete(page.rows[0].id)
    assert page.dialog == "delete" and page.delete_title == "Ibex public fr"
    page.confirm_delete()
    assert page.total == 0 and page.flash_key == "kb.admin.deleted"
    page.filter_category(str(data["cat"]))
    page.search({"q": "ibex", "language": ""})
    assert page.total == 3
    page.new_category()
    assert page.dialog == "category" and [f.code for f in page.name_fields] == ["en", "fr", "de"]
    page.save_category({"name_en": f"Ibex corner {next(_n)}", "name_fr": "Coin", "position": "abc"})
    assert page.flash_key == "kb.error.position" and page.dialog == "category"
    page.save_category({"name_en": f"Ibex corner {next(_n)}", "name_fr": "Coin", "position": "5"})
    assert page.dialog == "" and page.flash_key == "kb.admin.category_saved"


def test_console_editor_preview_create_and_translate(root):
    with session_scope() as db:
        token = staff_session(db)
    editor = open_page(sub(root, AdminKbArticleState), "/admin/kb/article")
    editor.staff_sid = token
    editor.load_editor()
    assert editor.article_id == 0 and editor.edit.language == "en"
    editor.update_preview("Hello <script>alert(1)</script> [x](javascript:alert(1)) **bold**")
    assert "<strong>bold</strong>" in editor.preview_html and "<script" not in editor.preview_html
    assert "href" not in editor.preview_html  # the javascript: link is not a link
    word = f"Okapi{next(_n)}"
    result = editor.save_article({"title": f"{word} guide", "body": "# Steps", "language": "en", "category_id": "",
                                  "public": "on", "published": "on"})
    with session_scope() as db:
        created = db.exec(select(KbArticle).where(KbArticle.title == f"{word} guide")).one()
    assert created.public and created.published and created.slug == f"{word.lower()}-guide"
    assert "id=" + str(created.id) in str(result)
    editor = open_page(sub(root, AdminKbArticleState), "/admin/kb/article", {"id": str(created.id)})
    editor.load_editor()
    assert editor.edit.title == f"{word} guide" and editor.preview_html.strip() == "<h1>Steps</h1>"
    assert [c.value for c in editor.missing_languages] == ["fr", "de"] and editor.public_slug == created.slug
    translation = open_page(sub(root, AdminKbArticleState), "/admin/kb/article",
                            {"translate": str(created.id), "lang": "de"})
    translation.load_editor()
    assert translation.translation_of == created.id and translation.edit.language == "de"
    translation.save_article({"title": f"{word} Anleitung", "body": "# Schritte", "language": "de",
                              "category_id": "abc"})
    assert translation.flash_key == "error.not_found"  # a category id of the wrong shape
    translation.save_article({"title": f"{word} Anleitung", "body": "# Schritte", "language": "de", "category_id": ""})
    with session_scope() as db:
        de = db.exec(select(KbArticle).where(KbArticle.title == f"{word} Anleitung")).one()
    assert de.group_key == created.group_key and de.published is False


def test_console_knowledge_base_needs_a_full_staff_session(root):
    data = articles("Tapir")
    with session_scope() as db:
        half = staff_session(db, totp=False)
    page = open_page(sub(root, AdminKbState), "/admin/kb")
    page.staff_sid = half
    page.load_kb()
    assert page.flash_key == "error.session_over" and page.rows == []
    page.toggle_published(data["pub_id"])
    assert page.flash_key == "error.session_over"
    editor = open_page(sub(root, AdminKbArticleState), "/admin/kb/article", {"id": str(data["pub_id"])})
    editor.staff_sid = half
    editor.load_editor()
    assert editor.flash_key == "error.session_over" and editor.edit.title == ""
    editor.update_preview("**x**")
    assert editor.preview_html == ""
    editor.save_article({"title": "Tapir hacked", "body": "x", "language": "en"})
    with session_scope() as db:
        assert db.exec(select(KbArticle).where(KbArticle.title == "Tapir hacked")).first() is None
        assert db.exec(select(KbArticle.published).where(KbArticle.id == data["pub_id"])).one() is True


def test_a_public_page_loads_without_a_session_and_without_a_redirect(root):
    from portal_app.core.states.portal import PortalState

    portal = open_page(sub(root, HelpState), "/help")
    assert portal.public_load() is None and portal.authed is False and portal.brand_name != ""
    token = customer_token()
    portal.portal_sid = token
    assert portal.public_load() is None and portal.authed is True
    assert "knowledge" in portal.modules
    with session_scope() as db:
        portal_sessions.revoke_session(db, token, "test")
    events = portal.public_load()  # the session ended while the tab showed it: forget, but stay
    assert portal.authed is False and portal.portal_sid == ""
    assert [e.fn.__name__ for e in events] == [PortalState.forget_pages.fn.__name__]
