"""Knowledge base, console side: the article list (search, filters, publish, delete), the categories,
and the article editor with its live preview of exactly what readers will get."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import reflex as rx

from portal_app.core import i18n
from portal_app.core.errors import DomainError
from portal_app.core.states.dialogs import Dialogs
from portal_app.core.states.forms import EditedForm
from portal_app.core.states.handlers import parse_id, staff_event
from portal_app.core.states.paging import PagedList, query_int
from portal_app.core.states.staff import StaffState
from portal_app.helpdesk import kb_admin_rules as kb_admin
from portal_app.helpdesk.kb_models import KbArticle

LIST_ROUTE = "/admin/kb"
EDITOR_ROUTE = "/admin/kb/article"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class StaffArticleRow:
    id: int
    title: str
    slug: str
    language: str
    category: str
    public: bool
    published: bool
    views: int
    answered: int
    when: str


@dataclass(frozen=True)
class StaffCategoryRow:
    id: int
    slug: str
    name: str  # in the console's language, else the default one
    position: int
    articles: int


@dataclass(frozen=True)
class NameField:
    """A category name's input, one per offered language; the default language's is required."""

    code: str
    label: str
    value: str
    required: bool


@dataclass(frozen=True)
class ArticleForm:
    title: str = ""
    slug: str = ""
    language: str = ""
    category_id: str = ""
    public: bool = False
    published: bool = False
    body: str = ""


@dataclass(frozen=True)
class TranslationRow:
    id: int
    language: str
    title: str
    current: bool


def _language_choices(db) -> list[Choice]:
    return [Choice(code, i18n.LANGUAGE_NAMES.get(code, code)) for code in kb_admin.languages(db)]


def _category_choices(db, ctx, lang: str, default: str) -> list[Choice]:
    return [Choice(str(c.id), kb_admin.category_name(c.names, lang, default, c.slug))
            for c in kb_admin.list_categories(db, ctx)]


class AdminKbState(PagedList, Dialogs, StaffState):

    area: ClassVar[str] = "support"  # the knowledge base is support's (core/permissions.py)
    page_size: ClassVar[int] = kb_admin.STAFF_PAGE_SIZE
    filters: ClassVar[dict[str, tuple[str, ...]]] = {
        "language": ("", *i18n.shipped_languages()),
        "published": kb_admin.PUBLISHED_FILTERS,
    }
    rows: list[StaffArticleRow] = []
    category_filter: int = 0  # 0: every category
    categories: list[StaffCategoryRow] = []
    category_choices: list[Choice] = []
    language_choices: list[Choice] = []
    # The category dialog ("category"): the one edited (0: a new one) and its fields
    category_edit_id: int = 0
    category_slug: str = ""
    category_position: int = 0
    name_fields: list[NameField] = []
    category_form_version: int = 0
    # The delete dialogs ("delete", "delete_category")
    delete_id: int = 0
    delete_title: str = ""

    def _fetch(self, db, ctx) -> None:
        lang = self.lang or self._default_language
        self.categories = [StaffCategoryRow(c.id, c.slug, kb_admin.category_name(c.names, lang, self._default_language,
                                                                                 c.slug), c.position, c.articles)
                           for c in kb_admin.list_categories(db, ctx)]
        self.category_choices = [Choice(str(c.id), c.name) for c in self.categories]
        if self.category_filter and all(c.id != self.category_filter for c in self.categories):
            self.category_filter = 0
        found, self.total = kb_admin.list_for_staff(db, ctx, q=self.q, category_id=self.category_filter or None,
                                                    page=self.page, **self.filter_values)
        self.rows = [StaffArticleRow(a.id, a.title, a.slug, a.language, a.category, a.public, a.published, a.views,
                                     a.answered, i18n.format_day(a.updated_at, lang)) for a in found]

    @staff_event("read")
    def load_kb(self, db, ctx):
        self.q, self.page, self.filter_values, self.category_filter = "", 1, self._initial_filters(), 0
        self.dialog, self.delete_id = "", 0
        self.language_choices = _language_choices(db)
        self._fetch(db, ctx)

    @staff_event("read")
    def filter_category(self, db, ctx, value: str):
        self.category_filter = 0 if str(value) in ("", "0") else parse_id(value)
        self.page = 1
        self._fetch(db, ctx)

    @staff_event
    def toggle_published(self, db, ctx, article_id: int):
        article = kb_admin.set_published(db, ctx, parse_id(article_id),
                                         not kb_admin.get_article(db, ctx, parse_id(article_id)).published)
        self._fetch(db, ctx)
        self._flash("kb.admin.now_published" if article.published else "kb.admin.now_unpublished", title=article.title)

    # ---- delete an article ----

    @staff_event
    def ask_delete(self, db, ctx, article_id: int):
        article = kb_admin.get_article(db, ctx, parse_id(article_id))
        self.delete_id, self.delete_title, self.dialog = article.id, article.title, "delete"

    @staff_event
    def confirm_delete(self, db, ctx):
        if self.dialog != "delete" or not self.delete_id:
            return
        title = kb_admin.delete_article(db, ctx, self.delete_id)
        self.dialog, self.delete_id = "", 0
        self._refetch(db, ctx)
        self._flash("kb.admin.deleted", title=title)

    # ---- categories ----

    def _show_category_form(self, db, names: dict[str, str], slug: str, position: int) -> None:
        default = self._default_language
        self.name_fields = [NameField(c.value, c.label, names.get(c.value, ""), c.value == default)
                            for c in _language_choices(db)]
        self.category_slug, self.category_position = slug, position
        self.category_form_version += 1
        self.dialog = "category"

    @staff_event
    def new_category(self, db, ctx):
        self.category_edit_id = 0
        self._show_category_form(db, {}, "", (max((c.position for c in self.categories), default=0) + 10))

    @staff_event
    def edit_category(self, db, ctx, category_id: int):
        wanted = parse_id(category_id)
        found = next((c for c in kb_admin.list_categories(db, ctx) if c.id == wanted), None)
        if found is None:
            raise DomainError("error.not_found")
        self.category_edit_id = found.id
        self._show_category_form(db, found.names, found.slug, found.position)

    @staff_event
    def save_category(self, db, ctx, form: dict):
        position = str(form.get("position", "0")).strip()
        if not position.lstrip("-").isdigit() or len(position) > 6:
            raise DomainError("kb.error.position")
        names = {f.code: str(form.get(f"name_{f.code}", "")) for f in self.name_fields}
        kb_admin.save_category(db, ctx, self.category_edit_id or None, names=names, position=int(position),
                               slug=str(form.get("slug", ""))[:200])
        self.dialog, self.category_edit_id = "", 0
        self._fetch(db, ctx)
        self._flash("kb.admin.category_saved")

    @staff_event
    def ask_delete_category(self, db, ctx, category_id: int):
        wanted = parse_id(category_id)
        found = next((c for c in self.categories if c.id == wanted), None)
        if found is None:
            raise DomainError("error.not_found")
        self.delete_id, self.delete_title, self.dialog = found.id, found.name, "delete_category"

    @staff_event
    def confirm_delete_category(self, db, ctx):
        if self.dialog != "delete_category" or not self.delete_id:
            return
        moved = kb_admin.delete_category(db, ctx, self.delete_id)
        self.dialog, self.delete_id = "", 0
        self._fetch(db, ctx)  # a filter on the deleted category goes with it
        self._flash("kb.admin.category_deleted", count=moved)


class AdminKbArticleState(Dialogs, EditedForm, StaffState):
    """`/admin/kb/article?id=N` (edit), `?translate=N&lang=xx` (a translation of N), or neither (new)."""

    area: ClassVar[str] = "support"

    article_id: int = 0
    translation_of: int = 0
    edit: ArticleForm = ArticleForm()
    preview_html: str = ""  # kb_markdown's output: what readers will get
    language_choices: list[Choice] = []
    category_choices: list[Choice] = []
    translations: list[TranslationRow] = []
    missing_languages: list[Choice] = []
    public_slug: str = ""  # the address readers use, once published

    def _fill(self, db, ctx, article: KbArticle | None, form: ArticleForm) -> None:
        lang = self.lang or self._default_language
        self.language_choices = _language_choices(db)
        self.category_choices = _category_choices(db, ctx, lang, self._default_language)
        self.edit = form
        self.preview_html = kb_admin.preview(ctx, form.body)
        group = kb_admin.translations(db, ctx, article.group_key) if article is not None else []
        self.translations = [TranslationRow(i, lg, t, i == self.article_id) for i, lg, t in group]
        have = {lg for _, lg, _ in group}
        self.missing_languages = [c for c in self.language_choices if c.value not in have] if article else []
        self.public_slug = article.slug if article is not None and article.published else ""
        self._shown()

    @staticmethod
    def _form_of(a: KbArticle) -> ArticleForm:
        return ArticleForm(a.title, a.slug, a.language, str(a.category_id or ""), a.public, a.published, a.body_md)

    @staff_event("read")
    def load_editor(self, db, ctx):
        self.dialog, self.saved, self.article_id, self.translation_of = "", False, 0, 0
        wanted, source = query_int(self, "id"), query_int(self, "translate")
        if wanted:
            article = kb_admin.get_article(db, ctx, wanted)
            self.article_id = article.id
            self._fill(db, ctx, article, self._form_of(article))
            self.saved = self.router.url.query_parameters.get("saved") == "1"  # just created
            return
        languages = kb_admin.languages(db)
        if source:
            base = kb_admin.get_article(db, ctx, source)
            lang = str(self.router.url.query_parameters.get("lang", ""))
            self.translation_of = base.id
            self._fill(db, ctx, None, ArticleForm(title=base.title, language=lang if lang in languages else "",
                                                  category_id=str(base.category_id or ""), public=base.public,
                                                  body=base.body_md))
            return
        self._fill(db, ctx, None, ArticleForm(language=self._default_language if self._default_language in languages
                                              else languages[0]))

    @staff_event("read")
    def update_preview(self, db, ctx, text: str):
        self.preview_html = kb_admin.preview(ctx, str(text))

    @staff_event
    def save_article(self, db, ctx, form: dict):
        self.saved = False
        raw_category = str(form.get("category_id", ""))
        data = kb_admin.ArticleInput(
            title=str(form.get("title", ""))[:1000], body_md=str(form.get("body", "")),
            language=str(form.get("language", "")), slug=str(form.get("slug", ""))[:500],
            category_id=parse_id(raw_category) if raw_category else None,
            public=bool(form.get("public")), published=bool(form.get("published")))
        creating = not self.article_id
        article = kb_admin.save_article(db, ctx, self.article_id or None, data,
                                        translation_of=self.translation_of or None)
        self.article_id, self.translation_of = article.id, 0
        self._fill(db, ctx, article, self._form_of(article))
        self._saved_now()
        if creating:  # the address names the new article (a reload opens it); the page is already filled
            return rx.redirect(f"{EDITOR_ROUTE}?id={article.id}&saved=1", replace=True)

    @staff_event
    def ask_delete(self, db, ctx):
        if self.article_id:
            self.dialog = "delete"

    @staff_event
    def confirm_delete(self, db, ctx):
        if self.dialog != "delete" or not self.article_id:
            return
        kb_admin.delete_article(db, ctx, self.article_id)
        self.dialog, self.article_id = "", 0
        return rx.redirect(LIST_ROUTE)
