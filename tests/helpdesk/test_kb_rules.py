"""Knowledge-base rules: who reads what, languages, search, suggestions, the "answered" counter, the editor."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_app.core.business import forget_cached_business, get_business
from portal_app.core.errors import DomainError, NotFound
from portal_app.core.models.audit import AuditEvent
from portal_app.helpdesk import kb_admin_rules as kb_admin
from portal_app.helpdesk import kb_rules as kb
from portal_app.helpdesk.kb_models import KbArticle
from tests.factories import make_account, make_contact, portal_context, staff_ctx
from tests.helpdesk.kb_factories import make_article, make_category


@pytest.fixture(autouse=True)
def _fresh_business():
    forget_cached_business()
    yield
    forget_cached_business()


@pytest.fixture
def staff(db):
    return staff_ctx(db)


@pytest.fixture
def customer(db):
    return portal_context(db, make_contact(db, make_account(db), portal_role="member", language="fr"))


# ---- visibility -------------------------------------------------------------------------------------------


def test_public_customers_only_and_unpublished(db, staff, customer):
    pub = make_article(db, staff, "Opening hours", public=True)
    private = make_article(db, staff, "Your contract", public=False)
    draft = make_article(db, staff, "Coming soon", public=True, published=False)
    # a visitor: public only
    assert kb.get_article(db, None, pub.slug, "en").title == "Opening hours"
    for hidden in (private, draft):
        with pytest.raises(NotFound):
            kb.get_article(db, None, hidden.slug, "en")
    assert [a.title for a in kb.list_articles(db, None, "en")[0]] == ["Opening hours"]
    # a logged-in customer: public and customers-only, never a draft
    assert kb.get_article(db, customer, private.slug, "en").title == "Your contract"
    with pytest.raises(NotFound):
        kb.get_article(db, customer, draft.slug, "en")
    assert {a.title for a in kb.list_articles(db, customer, "en")[0]} == {"Opening hours", "Your contract"}
    # staff: the draft too
    assert kb.get_article(db, staff, draft.slug, "en").published is False
    # a missing address answers like a hidden one
    with pytest.raises(NotFound) as missing:
        kb.get_article(db, None, "no-such-article", "en")
    with pytest.raises(NotFound) as hidden_err:
        kb.get_article(db, None, private.slug, "en")
    assert missing.value.key == hidden_err.value.key


def test_a_contact_without_the_knowledge_right_reads_public_articles_only(db, staff):
    narrowed = portal_context(db, make_contact(db, make_account(db), portal_role="member", rights=["tickets"]))
    pub = make_article(db, staff, "Public one", public=True)
    private = make_article(db, staff, "Private one", public=False)
    assert kb.get_article(db, narrowed, pub.slug, "en").title == "Public one"
    with pytest.raises(NotFound):
        kb.get_article(db, narrowed, private.slug, "en")


def test_switched_off_knowledge_base_shows_nothing(db, staff, customer):
    pub = make_article(db, staff, "Public one", public=True)
    assert kb.has_public_articles(db)
    get_business(db).modules = ["invoices", "tickets"]
    forget_cached_business()
    with pytest.raises(NotFound):
        kb.get_article(db, None, pub.slug, "en")
    with pytest.raises(NotFound):
        kb.list_articles(db, customer, "en")
    assert not kb.has_public_articles(db)
    assert kb.suggest(db, "public", "en", reader=customer) == []
    assert kb.get_article(db, staff, pub.slug, "en").title == "Public one"  # the console still can


def test_has_public_articles_needs_a_published_public_one(db, staff):
    assert not kb.has_public_articles(db)
    make_article(db, staff, "Private", public=False)
    make_article(db, staff, "Draft", public=True, published=False)
    assert not kb.has_public_articles(db)
    make_article(db, staff, "Open", public=True)
    assert kb.has_public_articles(db)


# ---- languages ------------------------------------------------------------------------------------------------


def test_the_readers_language_else_the_default_one(db, staff, customer):
    en = make_article(db, staff, "Reset your access", "How to reset.")
    fr = make_article(db, staff, "Réinitialiser votre accès", "Comment faire.", language="fr", translation_of=en)
    only_en = make_article(db, staff, "Holiday closures", "We close in August.")
    # French reader: the French version, whichever address was opened
    assert kb.get_article(db, customer, en.slug, "fr").title == "Réinitialiser votre accès"
    view = kb.get_article(db, customer, only_en.slug, "fr")
    assert view.title == "Holiday closures" and view.other_language is True
    # German reader (no German version): the default language's
    assert kb.get_article(db, customer, fr.slug, "de").title == "Reset your access"
    # a language the business does not offer reads as the default one
    assert kb.get_article(db, customer, fr.slug, "xx").title == "Reset your access"
    # lists: each group once, in the reader's language where it exists
    assert sorted(a.title for a in kb.list_articles(db, customer, "fr")[0]) == \
        ["Holiday closures", "Réinitialiser votre accès"]
    assert sorted(a.title for a in kb.list_articles(db, customer, "en")[0]) == ["Holiday closures", "Reset your access"]


def test_an_unpublished_translation_falls_back_to_the_default_language(db, staff, customer):
    en = make_article(db, staff, "Invoices explained", "Lines and totals.")
    make_article(db, staff, "Les factures", "Brouillon.", language="fr", translation_of=en, published=False)
    assert [a.title for a in kb.list_articles(db, customer, "fr")[0]] == ["Invoices explained"]
    assert kb.get_article(db, customer, en.slug, "fr").title == "Invoices explained"


def test_categories_are_named_in_the_readers_language(db, staff, customer):
    cat = make_category(db, staff, "Billing", fr="Facturation")
    empty = make_category(db, staff, "Nothing here")
    make_article(db, staff, "Pay an invoice", category=cat)
    make_article(db, staff, "Private", category=empty, public=False, published=False)
    assert [(c.name, c.count) for c in kb.list_categories(db, customer, "fr")] == [("Facturation", 1)]
    assert [(c.name, c.count) for c in kb.list_categories(db, None, "de")] == [("Billing", 1)]
    found, total = kb.list_articles(db, customer, "en", category_id=cat.id)
    assert total == 1 and found[0].title == "Pay an invoice"


# ---- search ----------------------------------------------------------------------------------------------------


def test_search_in_title_and_body_case_insensitive_and_paged(db, staff):
    make_article(db, staff, "Change your PASSWORD", "Go to settings.")
    make_article(db, staff, "Security tips", "Choose a long password.")
    make_article(db, staff, "Opening hours", "Monday to Friday.")
    found, total = kb.list_articles(db, None, "en", q="Password")
    assert total == 2
    assert [a.title for a in found] == ["Change your PASSWORD", "Security tips"]  # title match first
    page2, total2 = kb.list_articles(db, None, "en", q="password", page=2, page_size=1)
    assert total2 == 2 and [a.title for a in page2] == ["Security tips"]
    assert kb.list_articles(db, None, "en", q="100%_")[1] == 0  # wildcards are text


def test_excerpts_are_plain_text(db, staff):
    make_article(db, staff, "Formatting", "**Bold** and <script>alert(1)</script> [link](https://example.com)")
    excerpt = kb.list_articles(db, None, "en")[0][0].excerpt
    assert excerpt == "Bold and <script>alert(1)</script> link"  # text only; the page escapes it


# ---- suggestions ---------------------------------------------------------------------------------------------


def test_suggestions_rank_title_matches_above_body_matches(db, staff, customer):
    make_article(db, staff, "Getting started", "If the invoice total looks wrong, write to us.")
    make_article(db, staff, "Invoice questions", "Ask us anything.")
    make_article(db, staff, "Wrong invoice total", "We correct it within a day.")
    make_article(db, staff, "Opening hours", "Monday to Friday.")
    private = make_article(db, staff, "Invoice disputes", "Only for customers.", public=False)
    draft = make_article(db, staff, "Invoice draft", "Not yet.", published=False)
    rows = kb.suggest(db, "wrong invoice total", "en", reader=customer)
    scores = {r.title: r.score for r in rows}
    # three title words beat one; any title word beats body-only matches
    assert scores["Wrong invoice total"] == 30 + 0
    assert scores["Invoice questions"] == 10 and scores["Invoice disputes"] == 10
    assert scores["Getting started"] == 3
    assert [r.title for r in rows] == ["Wrong invoice total", "Invoice questions", "Invoice disputes",
                                       "Getting started"]
    assert draft.id not in {r.id for r in rows}
    # a visitor does not get the customers-only article
    assert private.id not in {r.id for r in kb.suggest(db, "wrong invoice total", "en", reader=None)}
    # deterministic: the same text gives the same list; ties by "answered" count, then age
    assert kb.suggest(db, "wrong invoice total", "en", reader=customer) == rows
    kb.record_answered(db, private.id, reader=customer)
    again = [r.title for r in kb.suggest(db, "invoice", "en", reader=customer)]
    assert again[:3] == ["Invoice disputes", "Invoice questions", "Wrong invoice total"]
    assert kb.suggest(db, "invoice", "en", 2, reader=customer)[1].title == "Invoice questions"
    assert kb.suggest(db, "an ox", "en", reader=customer) == []  # no word of 3 characters


def test_suggestions_follow_the_readers_language(db, staff, customer):
    en = make_article(db, staff, "Reset your access", "Lost code.")
    make_article(db, staff, "Réinitialiser votre accès", "Code perdu.", language="fr", translation_of=en)
    assert [r.title for r in kb.suggest(db, "accès", "fr", reader=customer)] == ["Réinitialiser votre accès"]
    assert [r.title for r in kb.suggest(db, "access", "de", reader=customer)] == ["Reset your access"]
    assert kb.suggest(db, "access", "fr", reader=customer) == []  # the French version is the one shown


# ---- the "answered my question" counter -------------------------------------------------------------------------


def test_answered_counter_counts_only_what_the_reader_may_see(db, staff, customer):
    pub = make_article(db, staff, "Public one")
    private = make_article(db, staff, "Private one", public=False)
    draft = make_article(db, staff, "Draft", published=False)
    kb.record_answered(db, pub.id, reader=None)
    kb.record_answered(db, pub.id, reader=customer)
    kb.record_answered(db, private.id, reader=customer)
    for article_id, reader in ((private.id, None), (draft.id, customer), (999_999, customer), ("1", customer)):
        with pytest.raises(NotFound):
            kb.record_answered(db, article_id, reader=reader)
    db.expire_all()
    counts = {a.id: a.answered_count for a in db.exec(select(KbArticle)).all()}
    assert counts[pub.id] == 2 and counts[private.id] == 1 and counts[draft.id] == 0


def test_views_are_counted_for_readers_not_for_staff(db, staff, customer):
    pub = make_article(db, staff, "Public one")
    kb.get_article(db, None, pub.slug, "en")
    kb.get_article(db, customer, pub.slug, "en")
    kb.get_article(db, staff, pub.slug, "en")
    db.expire_all()
    assert db.get(KbArticle, pub.id).view_count == 2


# ---- the editor ------------------------------------------------------------------------------------------------------


def test_editor_checks_its_input(db, staff):
    ok = kb_admin.ArticleInput(title="A title", body_md="x", language="en")
    with pytest.raises(DomainError, match="kb.error.title_required"):
        kb_admin.save_article(db, staff, None, kb_admin.ArticleInput(title="  ", body_md="x", language="en"))
    with pytest.raises(DomainError, match="kb.error.language"):
        kb_admin.save_article(db, staff, None, kb_admin.ArticleInput(title="T", body_md="x", language="xx"))
    with pytest.raises(DomainError, match="kb.error.body_too_long"):
        kb_admin.save_article(db, staff, None, kb_admin.ArticleInput(title="T", body_md="x" * 50_001,
                                                                     language="en"))
    with pytest.raises(NotFound):
        kb_admin.save_article(db, staff, None, kb_admin.ArticleInput(title="T", body_md="x", language="en",
                                                                     category_id=424242))
    first = kb_admin.save_article(db, staff, None, ok)
    assert first.slug == "a-title" and first.published is False and first.public is False
    with pytest.raises(DomainError, match="kb.error.slug_taken"):
        kb_admin.save_article(db, staff, None, ok)
    with pytest.raises(DomainError, match="kb.error.translation_exists"):
        kb_admin.save_article(db, staff, None, kb_admin.ArticleInput(title="Other", body_md="x", language="en"),
                              translation_of=first.id)
    assert kb_admin.slugify("Réinitialiser l'accès !") == "reinitialiser-l-acces"


def test_editor_list_publish_delete_and_audit(db, staff):
    cat = make_category(db, staff, "Billing")
    a = make_article(db, staff, "Pay by card", "Stripe.", category=cat, published=False)
    make_article(db, staff, "Payer par carte", "Stripe.", language="fr", translation_of=a)
    found, total = kb_admin.list_for_staff(db, staff, published="no")
    assert total == 1 and found[0].title == "Pay by card" and found[0].category == "Billing"
    assert kb_admin.list_for_staff(db, staff, language="fr")[1] == 1
    assert kb_admin.list_for_staff(db, staff, category_id=cat.id)[1] == 1
    assert kb_admin.list_for_staff(db, staff, q="stripe")[1] == 2
    kb_admin.set_published(db, staff, a.id, True)
    assert kb_admin.list_for_staff(db, staff, published="no")[1] == 0
    assert kb_admin.delete_category(db, staff, cat.id) == 1
    db.expire_all()
    assert db.get(KbArticle, a.id).category_id is None
    kb_admin.delete_article(db, staff, a.id)
    assert db.get(KbArticle, a.id) is None
    actions = [e.action for e in db.exec(select(AuditEvent).where(AuditEvent.target_type.in_(
        ["kb_article", "kb_category"]))).all()]
    assert {"kb.article.create", "kb.article.publish", "kb.category.delete", "kb.article.delete"} <= set(actions)


def test_category_needs_a_name_in_the_default_language(db, staff):
    with pytest.raises(DomainError, match="kb.error.category_name_required"):
        kb_admin.save_category(db, staff, None, names={"fr": "Facturation"})
    cat = kb_admin.save_category(db, staff, None, names={"en": "Billing", "fr": "Facturation", "xx": "?"})
    assert cat.names == {"en": "Billing", "fr": "Facturation"} and cat.slug == "billing"


def test_demo_articles_in_three_languages(db, staff):
    from portal_app.helpdesk.kb_cli import seed_demo

    seed_demo(db, staff)
    rows = db.exec(select(KbArticle)).all()
    assert {a.language for a in rows} == {"en", "fr", "de"} and 8 <= len(rows) <= 12
    assert all(a.published for a in rows) and any(a.public for a in rows) and any(not a.public for a in rows)
    assert kb.get_article(db, None, "logging-in", "de").title == "Anmelden mit einem Einmalcode"
    assert kb.has_public_articles(db)


def test_every_catalogue_key_the_knowledge_base_uses_exists():
    import json
    import re
    from pathlib import Path

    import portal_app

    root = Path(portal_app.__file__).parent
    used = set()
    for path in (root / "helpdesk").glob("kb_*.py"):
        used |= set(re.findall(r'"((?:kb|nav|admin\.nav|app)\.[a-z_.]+)"', path.read_text()))
    used -= {k for k in used if k.startswith(("kb.article.", "kb.category."))}  # audit actions
    assert "kb.error.slug_taken" in used and "nav.help" in used
    for lang in ("en", "fr", "de"):
        catalogue = json.loads((root / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
        assert sorted(used - set(catalogue)) == [], lang
