"""Knowledge base, customer side: the help centre (categories, search, list), one article, and the
login page's link to it.

The help centre is read by visitors too, so its handlers are public (declared in the handler walk's
PUBLIC list): each resolves the session itself, when there is one, and passes the reader to the rules,
which decide what it may see. Counting "this answered my question" needs a session."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from portal_app.core import i18n
from portal_app.core.errors import NotFound
from portal_app.core.states.handlers import parse_id, portal_event, public_event
from portal_app.core.states.paging import SEARCH_MAX_CHARS, page_count
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import SiteState
from portal_app.helpdesk import kb_rules as kb


@dataclass(frozen=True)
class CategoryRow:
    id: int
    name: str
    count: int


@dataclass(frozen=True)
class ArticleRow:
    slug: str
    title: str
    excerpt: str
    public: bool
    when: str


class HelpLinkState(SiteState):
    """The login page's "help centre" link: shown when there is a public article to read."""

    show: bool = False

    @public_event
    def load_help_link(self, db):
        self._set(show=kb.has_public_articles(db))


class HelpState(PortalState):
    """`/help`: the categories, the search box and one page of articles."""

    categories: list[CategoryRow] = []
    category_id: int = 0  # 0: every category
    q: str = ""
    rows: list[ArticleRow] = []
    page: int = 1
    total: int = 0
    closed: bool = False  # the knowledge base is switched off

    @rx.var
    def pages(self) -> int:
        return page_count(self.total, kb.PAGE_SIZE)

    def _fetch(self, db) -> None:
        reader = self._resolve(db)
        lang = self.lang or self._default_language
        try:
            self.categories = [CategoryRow(c.id, c.name, c.count) for c in kb.list_categories(db, reader, lang)]
            found, self.total = kb.list_articles(db, reader, lang, category_id=self.category_id or None, q=self.q,
                                                 page=self.page)
        except NotFound:
            self.closed, self.categories, self.rows, self.total = True, [], [], 0
            return
        self.closed = False
        if found == [] and self.total and self.page > 1:  # rows vanished: the last page there is
            self.page = self.pages
            found, self.total = kb.list_articles(db, reader, lang, category_id=self.category_id or None,
                                                 q=self.q, page=self.page)
        self.rows = [ArticleRow(a.slug, a.title, a.excerpt, a.public, i18n.format_day(a.updated_at, lang))
                     for a in found]

    @public_event
    def load_help(self, db):
        params = self.router.url.query_parameters
        raw = params.get("category", "")
        self.category_id = int(raw) if raw.isdigit() and len(raw) <= 9 else 0
        self.q, self.page = str(params.get("q", ""))[:SEARCH_MAX_CHARS].strip(), 1
        self._fetch(db)

    @public_event
    def search_help(self, db, form: dict):
        self.q, self.page = str(form.get("q", ""))[:SEARCH_MAX_CHARS].strip(), 1
        self._fetch(db)

    @public_event
    def show_category(self, db, category_id: int):
        """A category's articles (0: all)."""
        self.category_id = 0 if str(category_id) == "0" else parse_id(category_id)
        self.page = 1
        self._fetch(db)

    @public_event
    def prev_help_page(self, db):
        self.page = max(self.page - 1, 1)
        self._fetch(db)

    @public_event
    def next_help_page(self, db):
        self.page = min(self.page + 1, self.pages)
        self._fetch(db)


class HelpArticleState(PortalState):
    """`/help/article?slug=...`: one article, in the reader's language when translated."""

    found: bool = False
    missing: bool = False
    title: str = ""
    body_html: str = ""  # rendered and sanitised on the server (kb_markdown)
    category_id: int = 0
    category_name: str = ""
    updated: str = ""
    other_language: bool = False
    answered: bool = False
    _article_id: int = 0

    @public_event
    def load_article(self, db):
        self._set(found=False, missing=False, answered=False, _article_id=0, title="", body_html="")
        reader = self._resolve(db)
        lang = self.lang or self._default_language
        try:
            view = kb.get_article(db, reader, str(self.router.url.query_parameters.get("slug", "")), lang)
        except NotFound:
            self.missing = True  # missing, hidden from this reader, or the knowledge base is off: one answer
            return
        self._set(found=True, title=view.title, body_html=view.body_html, category_id=view.category_id or 0,
                  category_name=view.category_name, updated=i18n.format_day(view.updated_at, lang),
                  other_language=view.other_language, _article_id=view.id)

    @portal_event
    def mark_answered(self, db, ctx):
        """"This answered my question": counted once per article and tab, for a logged-in contact."""
        if self.answered or not self._article_id:
            return
        kb.record_answered(db, self._article_id, reader=ctx)
        self.answered = True
