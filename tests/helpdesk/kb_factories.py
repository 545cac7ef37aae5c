"""Knowledge-base test data, built through the editor's rules (tests of tickets keep their own)."""

from __future__ import annotations

import itertools

from portal_app.helpdesk import kb_admin_rules as kb_admin

_n = itertools.count(1)


def make_category(db, staff, name: str = "General", **names):
    return kb_admin.save_category(db, staff, None, names={"en": name, **names},
                                  slug=f"{kb_admin.slugify(name)}-{next(_n)}")


def make_article(db, staff, title: str = "An article", body: str = "Some text.", *, language: str = "en",
                 public: bool = True, published: bool = True, category=None, translation_of=None, slug: str = ""):
    data = kb_admin.ArticleInput(title=title, body_md=body, language=language, public=public, published=published,
                                 category_id=category.id if category is not None else None,
                                 slug=slug or f"{kb_admin.slugify(title)}-{next(_n)}")
    return kb_admin.save_article(db, staff, None, data,
                                 translation_of=translation_of.id if translation_of is not None else None)
