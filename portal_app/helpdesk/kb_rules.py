"""Knowledge base, reader side: the help centre's categories and lists, search, one article, the
suggestions shown while a ticket title is typed, and the "this answered my question" counter.

Who reads what (`reader`):
- anyone, even without a session (`None`): published **public** articles;
- a logged-in contact with the knowledge base (`PortalContext` that `can("knowledge")`): published
  public and customers-only articles;
- staff (`StaffContext`): everything, unpublished drafts included (the console's preview).
An article a reader may not see gets the same `NotFound` as a missing one. With the knowledge base
switched off in the business settings, customers and visitors find nothing at all.

Languages: a reader gets each article in their language, or in the business's default language
when that translation is missing (translations share `group_key`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, and_, exists, func, or_, select

from portal_app.core.auth.sessions import PortalContext
from portal_app.core.auth.staff import StaffContext
from portal_app.core.business import business_view
from portal_app.core.db import fetch_page, read
from portal_app.core.errors import NotFound
from portal_app.helpdesk import kb_markdown
from portal_app.helpdesk.kb_models import KbArticle, KbCategory

MODULE = "knowledge"  # the business's module switch and the contact's right
PAGE_SIZE = 20
SEARCH_MAX_CHARS = 100
SUGGEST_MAX = 10
SUGGEST_WORDS_MAX = 8
SUGGEST_WORD_MIN_CHARS = 3
# A title word match outweighs any number of body matches of the other words (at most 8 words).
TITLE_WEIGHT = 10
BODY_WEIGHT = 1

Reader = PortalContext | StaffContext | None
# Stands for any contact who reads customers-only articles, in cached SQL conditions.
_ANY_CUSTOMER = PortalContext(session_id=0, contact_id=0, account_id=0, contact_name="", first_name="", email="",
                              account_name="", language="", role="", rights=(MODULE,))


# ---- rows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryItem:
    id: int
    slug: str
    name: str
    count: int


@dataclass(frozen=True)
class ArticleSummary:
    id: int
    slug: str
    title: str
    excerpt: str
    category_id: int | None
    language: str
    public: bool
    updated_at: datetime


@dataclass(frozen=True)
class ArticleView:
    id: int
    group_key: str
    slug: str
    title: str
    body_html: str  # rendered and sanitised (kb_markdown)
    category_id: int | None
    category_name: str
    language: str
    public: bool
    published: bool
    updated_at: datetime
    # Shown in another language than the one asked for (no translation yet).
    other_language: bool


@dataclass(frozen=True)
class KbSuggestion:
    """A knowledge-base article that may answer the question being typed (see `suggest`)."""

    id: int
    slug: str
    title: str
    excerpt: str
    score: int


# ---- who may read what -----------------------------------------------------------------------------


def is_staff(reader: Reader) -> bool:
    return isinstance(reader, StaffContext)


def reads_customers_only(reader: Reader) -> bool:
    """May this reader see the articles kept for logged-in customers?"""
    return is_staff(reader) or (isinstance(reader, PortalContext) and reader.can(MODULE))


def is_open(db: Session) -> bool:
    """Is the knowledge base switched on in the business settings?"""
    return MODULE in business_view(db).modules


def _require_open(db: Session, reader: Reader) -> None:
    if not is_staff(reader) and not is_open(db):
        raise NotFound()


def _visible(reader: Reader, article=KbArticle) -> list:
    """The conditions an article must meet for this reader."""
    if is_staff(reader):
        return []
    conds = [article.published.is_(True)]
    if not reads_customers_only(reader):
        conds.append(article.public.is_(True))
    return conds


def reading_language(db: Session, lang: str | None) -> tuple[str, str]:
    """(the reader's language if the business offers it, else its default; the default)."""
    view = business_view(db)
    default = view.default_language
    return (lang if lang and lang in view.languages else default), default


def _reader_kind(reader: Reader) -> str:
    return "staff" if is_staff(reader) else "customer" if reads_customers_only(reader) else "visitor"


_TRANSLATION = aliased(KbArticle)  # built once: making an alias costs more than running the query


# A reader standing for each kind, for the statements built once per kind.
_KIND_READERS = {"staff": StaffContext(0, "", "", "", True, True), "customer": _ANY_CUSTOMER, "visitor": None}


@lru_cache(maxsize=256)
def _language_clause(kind: str, lang: str, default: str):
    reader = _KIND_READERS[kind]
    if lang == default:
        return KbArticle.language == lang
    has_own = exists().where(_TRANSLATION.group_key == KbArticle.group_key, _TRANSLATION.language == lang,
                             *_visible(reader, _TRANSLATION))
    return or_(KbArticle.language == lang, and_(KbArticle.language == default, ~has_own))


def _in_language(reader: Reader, lang: str, default: str) -> list:
    """Each article group once: the reader's language, else the default language's version (a
    translation this reader may not see does not count)."""
    return [_language_clause(_reader_kind(reader), lang, default)]


def like_pattern(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def has_public_articles(db: Session) -> bool:
    """Does the help centre have anything to show a visitor (the login page's link)?"""
    if not is_open(db):
        return False
    return db.exec(select(KbArticle.id).where(*_visible(None)).limit(1)).first() is not None


def category_name(names: dict | None, lang: str, default: str, slug: str) -> str:
    names = names or {}
    return names.get(lang) or names.get(default) or next((n for n in names.values() if n), "") or slug


# ---- the help centre ----------------------------------------------------------------------------------


def list_categories(db: Session, reader: Reader, lang: str | None) -> list[CategoryItem]:
    """The categories that hold something this reader may read, in the staff's order, with counts."""
    _require_open(db, reader)
    lang, default = reading_language(db, lang)
    counts = dict(db.exec(select(KbArticle.category_id, func.count())
                          .where(*_visible(reader), *_in_language(reader, lang, default),
                                 KbArticle.category_id.is_not(None))
                          .group_by(KbArticle.category_id)).all())
    cats = db.exec(select(KbCategory).order_by(KbCategory.position, KbCategory.id)).all()
    return [CategoryItem(c.id, c.slug, category_name(c.names, lang, default, c.slug), counts[c.id])
            for c in cats if counts.get(c.id)]


_SUMMARY_COLUMNS = (KbArticle.id, KbArticle.slug, KbArticle.title, KbArticle.excerpt, KbArticle.category_id,
                    KbArticle.language, KbArticle.public, KbArticle.updated_at)


def list_articles(db: Session, reader: Reader, lang: str | None, *, category_id: int | None = None, q: str = "",
                  page: int = 1, page_size: int = PAGE_SIZE) -> tuple[list[ArticleSummary], int]:
    """The articles this reader may read, in their language (else the default), paged in the database.
    `q` searches title and body, case-insensitively; title matches come first."""
    _require_open(db, reader)
    lang, default = reading_language(db, lang)
    conds = [*_visible(reader), *_in_language(reader, lang, default)]
    if category_id is not None:
        conds.append(KbArticle.category_id == category_id)
    order = [func.lower(KbArticle.title), KbArticle.id]
    q = (q or "").strip()[:SEARCH_MAX_CHARS]
    if q:
        pattern = like_pattern(q)
        in_title = func.lower(KbArticle.title).like(pattern, escape="\\")
        conds.append(or_(in_title, func.lower(KbArticle.body_md).like(pattern, escape="\\")))
        order.insert(0, sa.case((in_title, 0), else_=1))
    query = select(*_SUMMARY_COLUMNS).where(*conds).order_by(*order)
    count = select(func.count()).select_from(KbArticle).where(*conds)
    rows, total = fetch_page(db, query, count, page=page, page_size=page_size)
    return [ArticleSummary(*r) for r in rows], total


def get_article(db: Session, reader: Reader, slug: str, lang: str | None, *, count_view: bool = True) -> ArticleView:
    """The article at `slug`, in the reader's language when translated (else the default language's
    version, else the one asked for). Not visible to this reader: the same NotFound as a missing one."""
    _require_open(db, reader)
    slug = str(slug or "").strip()[:120]
    asked = db.exec(select(KbArticle).where(KbArticle.slug == slug, *_visible(reader))).first() if slug else None
    if asked is None:
        raise NotFound()
    lang, default = reading_language(db, lang)
    versions = {a.language: a for a in db.exec(select(KbArticle).where(KbArticle.group_key == asked.group_key,
                                                                       *_visible(reader))).all()}
    article = versions.get(lang) or versions.get(default) or asked
    if count_view and not is_staff(reader):
        db.exec(sa.update(KbArticle).where(KbArticle.id == article.id)
                .values(view_count=KbArticle.view_count + 1).execution_options(synchronize_session=False))
    category = db.get(KbCategory, article.category_id) if article.category_id else None
    return ArticleView(
        id=article.id, group_key=article.group_key, slug=article.slug, title=article.title,
        body_html=kb_markdown.render(article.body_md), category_id=article.category_id,
        category_name=category_name(category.names, lang, default, category.slug) if category else "",
        language=article.language, public=article.public, published=article.published,
        updated_at=article.updated_at, other_language=article.language != lang)


def suggest(db: Session, text: str, lang: str | None, limit: int = 5, *, reader: Reader) -> list[KbSuggestion]:
    """Articles that may answer a question being typed (a ticket's title), best first.

    `text` is cut into words of 3 characters or more (the first 8). An article scores 10 for each word
    in its title and 1 for each word in its body, so any title match ranks above body-only matches.
    Only published articles this `reader` may read (see the module's note), each group in the reader's
    language or the default one. Ties: more "answered my question" first, then the older article:
    the same text always gives the same list. At most `limit` (capped at 10) rows; no word, no row."""
    if not is_staff(reader) and not is_open(db):
        return []
    words = list(dict.fromkeys(w for w in re.findall(r"\w+", (text or "")[:SEARCH_MAX_CHARS * 2].lower())
                               if len(w) >= SUGGEST_WORD_MIN_CHARS))[:SUGGEST_WORDS_MAX]
    if not words:
        return []
    lang, default = reading_language(db, lang)
    statement = _suggest_statement(len(words), _reader_kind(reader), lang, default)
    rows = read(db, statement, {**{f"word{n}": like_pattern(w) for n, w in enumerate(words)},
                                "limit": max(1, min(int(limit), SUGGEST_MAX))}).all()
    return [KbSuggestion(i, s, t, e, int(sc)) for i, s, t, e, sc in rows]


@lru_cache(maxsize=128)
def _suggest_statement(words: int, reader_kind: str, lang: str, default: str):
    """The suggestions' statement for this many words, built once (building and keying a statement of
    sixteen LIKEs costs more than SQLite takes to run it): the words' patterns are `word0`, `word1`…"""
    reader = _KIND_READERS[reader_kind]
    title, body = func.lower(KbArticle.title), func.lower(KbArticle.body_md)
    patterns = [sa.bindparam(f"word{n}") for n in range(words)]
    title_hits = [title.like(p, escape="\\") for p in patterns]
    body_hits = [body.like(p, escape="\\") for p in patterns]
    score = sum((sa.case((hit, TITLE_WEIGHT), else_=0) for hit in title_hits), sa.literal(0)) + \
        sum((sa.case((hit, BODY_WEIGHT), else_=0) for hit in body_hits), sa.literal(0))
    score = score.label("score")
    return (select(KbArticle.id, KbArticle.slug, KbArticle.title, KbArticle.excerpt, score)
            .where(*_visible(reader), *_in_language(reader, lang, default), or_(*title_hits, *body_hits))
            .order_by(score.desc(), KbArticle.answered_count.desc(), KbArticle.id.asc())
            .limit(sa.bindparam("limit")))


def record_answered(db: Session, article_id: int, *, reader: Reader) -> None:
    """Count one "this answered my question" for an article this reader may read (else NotFound)."""
    _require_open(db, reader)
    if not isinstance(article_id, int) or isinstance(article_id, bool):
        raise NotFound()
    found = db.exec(select(KbArticle.id).where(KbArticle.id == article_id, *_visible(reader))).first()
    if found is None:
        raise NotFound()
    db.exec(sa.update(KbArticle).where(KbArticle.id == article_id)
            .values(answered_count=KbArticle.answered_count + 1).execution_options(synchronize_session=False))
