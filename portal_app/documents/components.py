"""Documents' pieces shared by its pages (a list line, the download button, upload progress) and its
card on the customer home page: the newest shared documents not yet opened."""

from __future__ import annotations

import reflex as rx

from portal_app.core import registries
from portal_app.core.states.portal import PortalState
from portal_app.core.ui.api import api_url
from portal_app.core.ui.basics import brand_button, empty_note, titled_card as card
from portal_app.core.ui.i18n import t
from portal_app.documents.state import NewDocumentsCardState as S


def list_item(*children, padding: str = "0.75em 0") -> rx.Component:
    """A line of a plain list: no bullet, a rule between lines."""
    return rx.el.li(*children, style={"list_style": "none", "padding": padding,
                                      "border_bottom": "1px solid var(--gray-4)",
                                      "&:last-child": {"border_bottom": "none"}})


def plain_list(items: rx.Var, render) -> rx.Component:
    """A list without bullets or indent; `render` makes each line a `list_item`."""
    return rx.el.ul(rx.foreach(items, render), style={"margin": "0", "padding": "0", "width": "100%"})


def download_button(href: rx.Var, **props) -> rx.Component:
    """A plain link (it carries the session cookie) styled as a button; the route sends it as an attachment."""
    return rx.button(rx.el.a(rx.icon("download", size=14), t("documents.download"), href=href), as_child=True,
                     variant="soft", size="2", **props)


def upload_progress(uploading: rx.Var, percent: rx.Var, label_key: str) -> rx.Component:
    """While a transfer runs: how far it is, in words and as a bar."""
    return rx.cond(uploading, rx.vstack(
        rx.text(t(label_key), " ", percent, "%", size="2"),
        rx.progress(value=percent, max=100, width="100%", aria_label=t(label_key)),
        width="100%", spacing="1"))


def send_files_button(icon: str | None, label_key: str, button_id: str, state, handler,
                      upload_id: str) -> rx.Component:
    """Starts the streamed upload of the files picked in `upload_id` (`handler`, a background event of
    `state`, which reports progress to `state.set_upload_progress`); waits while one is running."""
    return brand_button(*([rx.icon(icon, size=16)] if icon else []), t(label_key), id=button_id,
                        disabled=state.uploading,
                        on_click=handler(rx.upload_files_chunk(upload_id=upload_id,
                                                               on_upload_progress=state.set_upload_progress)))


def _new_doc(doc: rx.Var) -> rx.Component:
    href = api_url("/api/documents/" + doc.id.to(str) + rx.cond(doc.inline, "?inline=1", ""))
    return list_item(
        rx.hstack(
            rx.icon("file_text", size=16, color="var(--gray-10)"),
            rx.el.a(doc.title, href=href, target="_blank", rel="noopener noreferrer", on_click=S.opened(doc.id),
                    style={"font_weight": "500", "font_size": "0.9em", "overflow_wrap": "anywhere",
                           "color": "var(--accent-11)"}),
            rx.spacer(),
            rx.text(doc.when, " · ", doc.size, size="1", color_scheme="gray", white_space="nowrap"),
            align="center",
            spacing="2",
            width="100%",
        ),
        padding="0.4em 0",
    )


def new_documents_card() -> rx.Component:
    return rx.cond(
        PortalState.modules.contains("documents"),
        card(
            "dashboard.new_documents", "folder_open",
            rx.cond(
                S.new_docs.length() > 0,
                plain_list(S.new_docs, _new_doc),
                empty_note(t("dashboard.no_new_documents")),
            ),
            rx.link(t("dashboard.all_documents"), href="/documents", size="2"),
            id="new-documents",
        ),
    )


registries.home_card(registries.HomeCard("new_documents", "main", 50, new_documents_card,
                                         on_load=S.load_new_documents, module="documents"))
