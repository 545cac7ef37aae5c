"""Lists written once: a mixin for every paged list, customer and console alike.

A list state mixes `PagedList` into its side's state and writes only what differs:

    class AdminAccountsState(PagedList, StaffState):
        page_size: ClassVar[int] = accounts.PAGE_SIZE
        filters: ClassVar[dict[str, tuple[str, ...]]] = {"status": ("", "active", "inactive")}
        rows: list[AccountRow] = []

        def _fetch(self, db, ctx) -> None:          # one page from the database, and the total
            found, self.total = accounts.list_accounts(db, q=self.q, page=self.page, **self.filter_values)
            self.rows = [AccountRow.of(a) for a in found]

The mixin gives the search box (`search`), the filters (`set_filter`), the pager (`first_page`,
`prev_page`, `next_page`, `last_page`) and `load_list` for the page's on_load. Every handler goes
through the side's handler helper, so each re-checks the actor and `_fetch` receives it. Filter
values are kept only when they are among the declared choices. Paging happens in the database;
state holds one page.
"""

from __future__ import annotations

import math
from typing import ClassVar

import reflex as rx

from portal_app.core.states.handlers import own_side_event

SEARCH_MAX_CHARS = 100


def page_count(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def _list_event(fn):
    """The side is the state's own: `_actor` and `_fail` come from PortalState or StaffState. A list
    only reads: in the console it needs "read" on its state's area."""
    return own_side_event("read")(fn)


class PagedList(rx.State, mixin=True):
    q: str = ""
    page: int = 1
    total: int = 0
    filter_values: dict[str, str] = {}

    page_size: ClassVar[int] = 20
    # Filter name -> allowed values ("" = all). Values from the browser outside these are dropped.
    filters: ClassVar[dict[str, tuple[str, ...]]] = {}

    @rx.var
    def pages(self) -> int:
        return page_count(self.total, self.page_size)

    def _fetch(self, db, ctx) -> None:  # pragma: no cover - each list writes its own
        raise NotImplementedError

    def _load_choices(self, db, ctx) -> None:
        """What the page shows beside its rows and loads once per page load (a filter's choices), not on
        every search, filter or page turn. Nothing by default."""

    def _initial_filters(self) -> dict[str, str]:
        """Filters the page starts with: the query string's, when allowed (`/admin/invoices?status=overdue`)."""
        params = self.router.url.query_parameters
        return {name: params.get(name, "") if params.get(name, "") in allowed else ""
                for name, allowed in self.filters.items()}

    def _refetch(self, db, ctx) -> None:
        self.page = min(max(self.page, 1), page_count(self.total, self.page_size)) if self.total else 1
        self._fetch(db, ctx)
        last = page_count(self.total, self.page_size)
        if self.page > last:  # rows vanished since the last look: show the last page there is
            self.page = last
            self._fetch(db, ctx)

    @_list_event
    def load_list(self, db, ctx):
        self.q, self.page, self.filter_values = "", 1, self._initial_filters()
        self._load_choices(db, ctx)
        self._fetch(db, ctx)

    @_list_event
    def search(self, db, ctx, form: dict):
        self.q = str(form.get("q", "")).strip()[:SEARCH_MAX_CHARS]
        values = dict(self.filter_values)
        for name, allowed in self.filters.items():
            if name in form:
                value = str(form.get(name, ""))
                values[name] = value if value in allowed else ""
        self.filter_values, self.page = values, 1
        self._fetch(db, ctx)

    @_list_event
    def set_filter(self, db, ctx, name: str, value: str):
        allowed = self.filters.get(str(name))
        if allowed is None:
            return
        self.filter_values = {**self.filter_values, str(name): str(value) if str(value) in allowed else ""}
        self.page = 1
        self._fetch(db, ctx)

    @_list_event
    def first_page(self, db, ctx):
        self.page = 1
        self._fetch(db, ctx)

    @_list_event
    def prev_page(self, db, ctx):
        self.page = max(self.page - 1, 1)
        self._fetch(db, ctx)

    @_list_event
    def next_page(self, db, ctx):
        self.page = min(self.page + 1, page_count(self.total, self.page_size))
        self._fetch(db, ctx)

    @_list_event
    def last_page(self, db, ctx):
        self.page = page_count(self.total, self.page_size)
        self._fetch(db, ctx)

    @_list_event
    def refresh(self, db, ctx):
        self._refetch(db, ctx)


def query_int(state: rx.State, name: str) -> int | None:
    """A whole number from the page's query string, or None."""
    raw = state.router.url.query_parameters.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) <= 18 else None
