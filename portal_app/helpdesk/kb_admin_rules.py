"""Knowledge base, console side: the editor's list, saving, publishing and deleting articles, and the
categories. Every function takes the staff actor and writes an audit line for each change."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, func, or_, select

from portal_app.core import audit, clock
from portal_app.core.auth.staff import StaffContext
from portal_app.core.business import business_view
from portal_app.core.db import fetch_page, get_or_not_found
from portal_app.core.errors import DomainError
from portal_app.core.i18n import shipped_languages
from portal_app.helpdesk import kb_markdown
from portal_app.helpdesk.kb_models import KbArticle, KbCategory
from portal_app.helpdesk.kb_rules import SEARCH_MAX_CHARS, category_name, like_pattern

STAFF_PAGE_SIZE = 25
TITLE_MAX_CHARS = 200
SLUG_MAX_CHARS = 120
CATEGORY_NAME_MAX_CHARS = 80
CATEGORY_SLUG_MAX_CHARS = 80
PUBLISHED_FILTERS = ("", "yes", "no")
EXCERPT_MAX_CHARS = 200


def slugify(text: str, max_chars: int = SLUG_MAX_CHARS) -> str:
    """Lower-case ASCII words joined by hyphens ("Réinitialiser l'accès" -> "reinitialiser-l-acces")."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_chars].strip("-")


def languages(db: Session) -> list[str]:
    """The languages an article can be written in: those the business offers and the portal ships."""
    shipped = set(shipped_languages())
    return [lang for lang in business_view(db).languages if lang in shipped] or [business_view(db).default_language]


# ---- the editor's list ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffArticleItem:
    id: int
    title: str
    slug: str
    language: str
    category: str
    public: bool
    published: bool
    views: int
    answered: int
    updated_at: datetime


def list_for_staff(db: Session, staff: StaffContext, *, q: str = "", category_id: int | None = None,
                   language: str = "", published: str = "", page: int = 1,
                   page_size: int = STAFF_PAGE_SIZE) -> tuple[list[StaffArticleItem], int]:
    """Every article, newest change first; search in title and body; filters by category, language
    and published. Paged in the database."""
    conds = []
    q = (q or "").strip()[:SEARCH_MAX_CHARS]
    if q:
        pattern = like_pattern(q)
        conds.append(or_(func.lower(KbArticle.title).like(pattern, escape="\\"),
                         func.lower(KbArticle.body_md).like(pattern, escape="\\")))
    if category_id is not None:
        conds.append(KbArticle.category_id == category_id)
    if language:
        conds.append(KbArticle.language == language)
    if published in ("yes", "no"):
        conds.append(KbArticle.published.is_(published == "yes"))
    query = (select(KbArticle.id, KbArticle.title, KbArticle.slug, KbArticle.language, KbCategory.names,
                    KbCategory.slug, KbArticle.public, KbArticle.published, KbArticle.view_count,
                    KbArticle.answered_count, KbArticle.updated_at)
             .outerjoin(KbCategory, KbCategory.id == KbArticle.category_id)
             .where(*conds).order_by(KbArticle.updated_at.desc(), KbArticle.id.desc()))
    count = select(func.count()).select_from(KbArticle).where(*conds)
    rows, total = fetch_page(db, query, count, page=page, page_size=page_size)
    lang = business_view(db).default_language
    return [StaffArticleItem(i, t, s, lg, category_name(names, lg, lang, cslug) if cslug else "", pub, publ, v, a, u)
            for i, t, s, lg, names, cslug, pub, publ, v, a, u in rows], total


# ---- one article --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArticleInput:
    title: str
    body_md: str
    language: str
    category_id: int | None = None
    slug: str = ""
    public: bool = False
    published: bool = False


def get_article(db: Session, staff: StaffContext, article_id: int) -> KbArticle:
    return get_or_not_found(db, KbArticle, article_id)


def translations(db: Session, staff: StaffContext, group_key: str) -> list[tuple[int, str, str]]:
    """(id, language, title) of every version of one article."""
    return [tuple(r) for r in db.exec(select(KbArticle.id, KbArticle.language, KbArticle.title)
                                      .where(KbArticle.group_key == group_key).order_by(KbArticle.language)).all()]


def _check(db: Session, data: ArticleInput) -> ArticleInput:
    title = " ".join((data.title or "").split())
    if not title:
        raise DomainError("kb.error.title_required")
    if len(title) > TITLE_MAX_CHARS:
        raise DomainError("kb.error.title_too_long", max=TITLE_MAX_CHARS)
    body = (data.body_md or "").replace("\r\n", "\n")
    if len(body) > kb_markdown.BODY_MAX_CHARS:
        raise DomainError("kb.error.body_too_long", max=kb_markdown.BODY_MAX_CHARS)
    if data.language not in languages(db):
        raise DomainError("kb.error.language")
    if data.category_id is not None:
        get_or_not_found(db, KbCategory, data.category_id)
    slug = slugify(data.slug or title)
    if not slug:
        raise DomainError("kb.error.slug")
    return ArticleInput(title=title, body_md=body, language=data.language, category_id=data.category_id,
                        slug=slug, public=bool(data.public), published=bool(data.published))


def save_article(db: Session, staff: StaffContext, article_id: int | None, data: ArticleInput, *,
                 translation_of: int | None = None) -> KbArticle:
    """Create (`article_id` None; `translation_of`: another language's version of that article) or
    update an article. The address (slug) is unique; one version per language in a group."""
    data = _check(db, data)
    if article_id is None:
        source = get_or_not_found(db, KbArticle, translation_of) if translation_of is not None else None
        article = KbArticle(group_key=source.group_key if source else secrets.token_hex(8), language=data.language,
                            title="", slug="", created_at=clock.now())
    else:
        article = get_or_not_found(db, KbArticle, article_id)
    taken = db.exec(select(KbArticle.id).where(KbArticle.slug == data.slug, KbArticle.id != article.id)).first()
    if taken is not None:
        raise DomainError("kb.error.slug_taken", slug=data.slug)
    twin = db.exec(select(KbArticle.id).where(KbArticle.group_key == article.group_key,
                                              KbArticle.language == data.language,
                                              KbArticle.id != article.id)).first()
    if twin is not None:
        raise DomainError("kb.error.translation_exists")
    article.title, article.body_md, article.language, article.slug = data.title, data.body_md, data.language, data.slug
    article.excerpt = kb_markdown.plain_excerpt(data.body_md, EXCERPT_MAX_CHARS)
    article.category_id, article.public, article.published = data.category_id, data.public, data.published
    article.updated_at, article.updated_by_staff_id = clock.now(), staff.staff_id
    db.add(article)
    db.flush()
    audit.record(db, staff.actor, "kb.article.create" if article_id is None else "kb.article.update",
                 target_type="kb_article", target_id=article.id)
    return article


def set_published(db: Session, staff: StaffContext, article_id: int, published: bool) -> KbArticle:
    article = get_or_not_found(db, KbArticle, article_id)
    article.published, article.updated_at, article.updated_by_staff_id = bool(published), clock.now(), staff.staff_id
    db.add(article)
    audit.record(db, staff.actor, "kb.article.publish" if published else "kb.article.unpublish",
                 target_type="kb_article", target_id=article.id)
    return article


def delete_article(db: Session, staff: StaffContext, article_id: int) -> str:
    """Delete one language's version; returns its title."""
    article = get_or_not_found(db, KbArticle, article_id)
    title = article.title
    db.delete(article)
    audit.record(db, staff.actor, "kb.article.delete", target_type="kb_article", target_id=article_id, title=title)
    return title


# ---- categories -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffCategoryItem:
    id: int
    slug: str
    names: dict[str, str]
    position: int
    articles: int


def list_categories(db: Session, staff: StaffContext) -> list[StaffCategoryItem]:
    counts = dict(db.exec(select(KbArticle.category_id, func.count()).where(KbArticle.category_id.is_not(None))
                          .group_by(KbArticle.category_id)).all())
    return [StaffCategoryItem(c.id, c.slug, dict(c.names or {}), c.position, counts.get(c.id, 0))
            for c in db.exec(select(KbCategory).order_by(KbCategory.position, KbCategory.id)).all()]


def save_category(db: Session, staff: StaffContext, category_id: int | None, *, names: dict[str, str],
                  position: int = 0, slug: str = "") -> KbCategory:
    """A category's name per language (at least the default language's) and its place in the list."""
    offered = languages(db)
    clean = {lang: " ".join(str(names.get(lang, "")).split())[:CATEGORY_NAME_MAX_CHARS] for lang in offered}
    clean = {lang: name for lang, name in clean.items() if name}
    default = business_view(db).default_language
    if not clean.get(default):
        raise DomainError("kb.error.category_name_required")
    slug = slugify(slug or clean[default], CATEGORY_SLUG_MAX_CHARS)
    if not slug:
        raise DomainError("kb.error.slug")
    if not -1000 <= int(position) <= 1000:
        raise DomainError("kb.error.position")
    category = KbCategory() if category_id is None else get_or_not_found(db, KbCategory, category_id)
    taken = db.exec(select(KbCategory.id).where(KbCategory.slug == slug, KbCategory.id != category.id)).first()
    if taken is not None:
        raise DomainError("kb.error.slug_taken", slug=slug)
    # Names in languages no longer offered are kept: switching a language back on brings them back.
    category.names = {**(category.names or {}), **clean}
    category.slug, category.position = slug, int(position)
    db.add(category)
    db.flush()
    audit.record(db, staff.actor, "kb.category.save", target_type="kb_category", target_id=category.id)
    return category


def delete_category(db: Session, staff: StaffContext, category_id: int) -> int:
    """Delete a category; its articles stay, outside any category. Returns how many moved."""
    category = get_or_not_found(db, KbCategory, category_id)
    moved = db.exec(sa.update(KbArticle).where(KbArticle.category_id == category.id).values(category_id=None)
                    .execution_options(synchronize_session=False)).rowcount
    db.delete(category)
    audit.record(db, staff.actor, "kb.category.delete", target_type="kb_category", target_id=category_id)
    return moved


def preview(staff: StaffContext, markdown: str) -> str:
    """The editor's preview: exactly what readers will get (rendered and sanitised)."""
    return kb_markdown.render((markdown or "")[:kb_markdown.BODY_MAX_CHARS])
