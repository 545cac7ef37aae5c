"""Customer documents: folders, search, sort, "new" badges, preview in the page, download, and sending
a document to the business when it allows it."""

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.dropzone import dropzone
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, portal_page
from portal_app.core.ui.basics import alert, button_row, column, options, pager, select
from portal_app.core.ui.unread import count_badge
from portal_app.documents.components import (download_button, list_item, plain_list, send_files_button,
                                              upload_progress)
from portal_app.documents.state import UPLOAD_ID, DocumentsCountState, DocumentsState
from portal_app.core.states.portal import PortalState
from portal_app.core.states.site import SiteState

S = DocumentsState


def _documents_badge() -> rx.Component:
    return count_badge(DocumentsCountState.count, DocumentsCountState.load_document_count, PortalState.authed)


def _doc_url(doc_id, inline: bool = False) -> rx.Var:
    return api_url("/api/documents/" + doc_id.to(str) + ("?inline=1" if inline else ""))


def _folder_button(folder: rx.Var) -> rx.Component:
    active = S.folder_id == folder.id
    return rx.button(rx.icon("folder", size=14), folder.name, rx.badge(folder.count, variant="soft", size="1"),
                     on_click=S.open_folder(folder.id), variant=rx.cond(active, "solid", "soft"),
                     color_scheme="gray", size="2", aria_pressed=rx.cond(active, "true", "false"))


def _folders() -> rx.Component:
    return rx.cond(
        S.folders.length() > 0,
        rx.el.nav(
            rx.hstack(
                rx.button(rx.icon("files", size=14), t("documents.all_folders"), on_click=S.open_folder(0),
                          variant=rx.cond(S.folder_id == 0, "solid", "soft"), color_scheme="gray", size="2",
                          aria_pressed=rx.cond(S.folder_id == 0, "true", "false")),
                rx.foreach(S.folders, _folder_button),
                spacing="2",
                wrap="wrap",
            ),
            aria_label=t("documents.folders"),
        ),
    )


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.form(
            rx.hstack(
                rx.input(name="q", placeholder=t("documents.search"), aria_label=t("documents.search"),
                         default_value=S.q, type="search", width="100%", min_width="0"),
                rx.button(rx.icon("search", size=16), type="submit", variant="soft",
                          aria_label=t("documents.search")),
                spacing="2",
                width="100%",
            ),
            on_submit=S.search,
            reset_on_submit=False,
            flex="1",
            min_width="min(100%, 220px)",
        ),
        rx.el.label(
            rx.text(t("documents.sort"), size="2", weight="medium"),
            select(*options(["newest", "oldest", "name"], "documents.sort_"), value=S.sort,
                   on_change=lambda value: S.set_filter("sort", value), style={"width": "auto"}),
            style={"display": "flex", "align_items": "center", "gap": "0.5em"},
        ),
        spacing="3",
        wrap="wrap",
        align="center",
        width="100%",
    )


def _doc_row(doc: rx.Var) -> rx.Component:
    return list_item(
        rx.flex(
            rx.icon(rx.match(doc.kind, ("pdf", "file_text"), ("image", "image"), "file"), size=22,
                    color="var(--gray-10)", flex_shrink="0"),
            rx.vstack(
                rx.hstack(
                    rx.text(doc.title, weight="medium", overflow_wrap="anywhere"),
                    rx.cond(doc.new, rx.badge(t("dashboard.new_badge"), color_scheme="green")),
                    rx.cond(doc.mine, rx.badge(t("documents.sent_by_you"), color_scheme="blue")),
                    rx.cond(doc.version > 1,
                            rx.badge(SiteState.tr["documents.updated_badge"].to(str).replace("{version}",
                                                                                            doc.version.to(str)),
                                     variant="soft")),
                    spacing="2",
                    wrap="wrap",
                    align="center",
                ),
                rx.text(rx.cond(doc.folder != "", doc.folder + " · ", ""), doc.when, " · ", doc.size,
                        size="1", color_scheme="gray"),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.hstack(
                rx.cond(doc.kind != "file",
                        rx.button(rx.icon("eye", size=14), t("documents.preview"), size="2", variant="soft",
                                  on_click=S.open_preview(doc.id))),
                download_button(_doc_url(doc.id), on_click=S.downloaded(doc.id)),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            align="center",
            wrap="wrap",
            width="100%",
        ),
    )


def _note_card(*children, **props) -> rx.Component:
    """A card with a short note where the list would be (nothing shared yet, or nothing found)."""
    return rx.card(column(*children, spacing="2", **props), width="100%")


def _empty() -> rx.Component:
    return _note_card(
        rx.icon("folder_open", size=28, color="var(--gray-9)"),
        rx.text(t("documents.empty_title"), weight="bold"),
        rx.text(SiteState.tr["documents.empty_text"].to(str).replace("{business}", SiteState.brand_name),
                color_scheme="gray", size="2", text_align="center"),
        align="center",
        padding="1.5em",
    )


def _list() -> rx.Component:
    return rx.cond(
        S.rows.length() > 0,
        rx.card(plain_list(S.rows, _doc_row), width="100%"),
        _note_card(
            rx.text(t("documents.no_match"), color_scheme="gray", size="2"),
            rx.button(t("documents.show_all"), on_click=S.show_all, variant="soft", size="2"),
        ),
    )


def _preview() -> rx.Component:
    src = _doc_url(S.preview_id, inline=True)
    return rx.dialog.root(
        rx.dialog.content(
            rx.hstack(
                rx.dialog.title(S.preview_title, size="3", margin="0", overflow_wrap="anywhere"),
                rx.spacer(),
                rx.dialog.close(rx.icon_button(rx.icon("x", size=16), variant="ghost", aria_label=t("admin.close"))),
                align="center",
                width="100%",
            ),
            rx.box(
                rx.match(
                    S.preview_kind,
                    ("pdf", rx.el.iframe(src=src, title=S.preview_title,
                                         style={"width": "100%", "height": "70vh", "border": "0"})),
                    ("image", rx.image(src=src, alt=S.preview_title, max_width="100%", max_height="70vh",
                                       margin="0 auto")),
                    rx.text(t("documents.preview_unavailable")),
                ),
                margin_top="0.75em",
                background="var(--gray-3)",
                border_radius="6px",
                overflow="hidden",
            ),
            button_row(download_button(_doc_url(S.preview_id)), margin_top="0.75em"),
            max_width="min(960px, 96vw)",
            width="96vw",
            padding="1em",
        ),
        open=S.dialog == "preview",
        on_open_change=lambda _open: S.close_dialog(),
    )


def _upload() -> rx.Component:
    return rx.cond(
        S.can_upload,
        rx.card(
            column(
                rx.heading(SiteState.tr["documents.upload_title"].to(str).replace("{business}", SiteState.brand_name),
                           size="4", as_="h2"),
                rx.text(SiteState.tr["documents.upload_help"].to(str).replace("{max_mb}", S.max_mb.to(str)),
                        size="2", color_scheme="gray"),
                dropzone(UPLOAD_ID, "documents.drop", max_files=1, multiple=False),
                rx.cond(
                    rx.selected_files(UPLOAD_ID).length() > 0,
                    rx.text(t("documents.selected"), " ", rx.selected_files(UPLOAD_ID).join(", "), size="2",
                            overflow_wrap="anywhere"),
                ),
                upload_progress(S.uploading, S.upload_percent, "documents.uploading"),
                send_files_button("send", "documents.send", "send-document", S, S.upload_document, UPLOAD_ID),
                spacing="3",
            ),
            width="100%",
        ),
    )


@portal_page("/documents", on_load=[S.load_documents],
             nav=NavEntry("nav.documents", "/documents", "folder_open", 30, module="documents",
                          badge=_documents_badge))
def documents_page() -> rx.Component:
    return column(
        rx.heading(t("documents.title"), size="7", as_="h1"),
        rx.text(SiteState.tr["documents.intro"].to(str).replace("{business}", SiteState.brand_name),
                color_scheme="gray"),
        alert(S.error_text, "error"),
        alert(S.notice_text, "success"),
        rx.cond(
            S.any_documents,
            column(
                _folders(),
                _toolbar(),
                _list(),
                rx.cond(S.pages > 1, pager(S.page, S.pages, S.total, S.prev_page, S.next_page)),
                spacing="3",
            ),
            _empty(),
        ),
        _upload(),
        _preview(),
    )
