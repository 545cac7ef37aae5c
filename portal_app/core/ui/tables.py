"""A plain data table from a list of row dicts."""

from __future__ import annotations

import dataclasses
from typing import Callable

import reflex as rx

from portal_app.core.ui.i18n import t


def data_table(rows: rx.Var, columns: list[tuple[str, Callable[[rx.Var], rx.Component]]],
               empty_key: str = "ui.no_results") -> rx.Component:
    """`columns` are (header catalogue key, cell renderer taking the row)."""
    return rx.cond(
        rows.length() > 0,
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(key)) for key, _ in columns])),
                rx.table.body(rx.foreach(rows, lambda row: rx.table.row(
                    *[rx.table.cell(render(row)) for _, render in columns]))),
                variant="surface",
                size="2",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
        rx.card(rx.text(t(empty_key), color_scheme="gray"), width="100%"),
    )


def text_cell(field: str) -> Callable[[rx.Var], rx.Component]:
    """A plain text cell: the row's field `field` (a typed row's attribute or a dict row's key). Its
    direction is its own text's (`dir="auto"`): on a right-to-left page an email, a phone number or a
    reference stays left to right, a Hebrew name right to left."""
    return lambda row: rx.text(cell_value(row, field), size="2", dir="auto")


def cell_value(row: rx.Var, field: str) -> rx.Var:
    """A typed row's attribute, or a dict row's key."""
    return getattr(row, field) if dataclasses.is_dataclass(row._var_type) else row[field]


def list_page(state, columns: list[tuple[str, Callable[[rx.Var], rx.Component]]], *, search_key: str | None = None,
              filters: list[rx.Component] | None = None, empty_key: str = "ui.no_results",
              rows: rx.Var | None = None) -> rx.Component:
    """A whole list: search box and filters, the table of the current page, and the pager. `state` mixes
    in `PagedList` (core.states.paging); `columns` are (header key, cell renderer taking the row)."""
    from portal_app.core.ui.basics import pager, search_form

    parts = []
    if search_key is not None or filters:
        parts.append(search_form(state.search, search_key or "admin.search", *(filters or [])))
    parts.append(data_table(state.rows if rows is None else rows, columns, empty_key))
    parts.append(pager(state.page, state.pages, state.total, state.prev_page, state.next_page))
    return rx.vstack(*parts, spacing="3", width="100%")
