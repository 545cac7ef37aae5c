"""A plain data table from a list of row dicts."""

from __future__ import annotations

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
    return lambda row: rx.text(row[field], size="2")
