"""Console: an account's documents — folders, upload with progress, share (email opt-in), unshare,
replace, move, delete — and the documents settings."""

import reflex as rx

from portal_app.core.ui.api import api_url
from portal_app.core.ui.dropzone import dropzone
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import NavEntry, admin_page
from portal_app.core.ui.tables import list_page
from portal_app.core.ui.basics import button_row, checkbox_field, column, search_form, select
from portal_app.documents.admin_state import RECEIVED, REPLACE_ID, UPLOAD_ID, AdminDocumentsState
from portal_app.documents.components import send_files_button, upload_progress
from portal_app.core.states.site import SiteState

S = AdminDocumentsState
SELECT_STYLE = {"padding": "0.4em", "width": "auto", "max_width": "100%"}


def _toggle(label_key: str, checked: rx.Var, on_change, **props) -> rx.Component:
    """A checkbox that acts at once (the upload's and the share dialog's choices)."""
    style = {"display": "flex", "align_items": "center", **props.pop("style", {})}
    return rx.el.label(rx.el.input(type="checkbox", checked=checked, on_change=on_change,
                                   style={"margin_inline_end": "0.4em"}, **props),
                       t(label_key), style=style)


def _picker() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(t("admin.documents.intro"), size="2", color_scheme="gray"),
            search_form(S.find_account, "admin.documents.find_account"),
            rx.el.ul(
                rx.foreach(S.found_accounts, lambda a: rx.el.li(
                    rx.link(a.name, " (", a.number, ")", href="/admin/documents?account=" + a.id.to(str)),
                    style={"padding": "0.25em 0"})),
                style={"margin": "0", "padding_inline_start": "1.2em"},
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _folder_link(label, value, count=None, *, folder_id=None) -> rx.Component:
    active = S.folder_filter == value
    children = [label, *([rx.badge(count, variant="soft", size="1")] if count is not None else [])]
    parts = [rx.button(*children, on_click=S.filter_folder(value), variant=rx.cond(active, "solid", "ghost"),
                       color_scheme="gray", size="2", aria_pressed=rx.cond(active, "true", "false"),
                       style={"flex": "1", "justify_content": "flex-start"})]
    if folder_id is not None:
        parts.append(rx.icon_button(rx.icon("trash_2", size=14), size="1", variant="ghost", color_scheme="red",
                                    on_click=S.delete_folder(folder_id),
                                    aria_label=t("admin.documents.delete_folder") + " " + label))
    return rx.hstack(*parts, width="100%", align="center")


def _folders() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("admin.documents.folders"), size="3", as_="h2"),
            _folder_link(t("admin.documents.all"), 0),
            _folder_link(t("admin.documents.received"), RECEIVED, S.received_unseen.to(str)),
            rx.foreach(S.folders, lambda f: _folder_link(f.name, f.id, f.count.to(str), folder_id=f.id)),
            rx.form(
                rx.hstack(
                    rx.input(name="name", placeholder=t("admin.documents.folder_name"),
                             aria_label=t("admin.documents.folder_name"), required=True, max_length=120, size="2",
                             width="100%"),
                    rx.button(rx.icon("folder_plus", size=14), t("admin.create"), type="submit", variant="soft",
                              size="2"),
                    spacing="2", width="100%",
                ),
                on_submit=S.create_folder,
                reset_on_submit=True,
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _folder_options(include_none: bool = True):
    return [
        *([rx.el.option(t("admin.documents.no_folder"), value="0")] if include_none else []),
        rx.foreach(S.folders, lambda f: rx.el.option(f.name, value=f.id.to(str))),
    ]


def _upload_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("admin.documents.upload"), size="3", as_="h2"),
            rx.flex(
                rx.el.label(t("admin.documents.upload_to"), select(
                    *_folder_options(), value=S.upload_folder.to(str), on_change=S.set_upload_folder,
                    style=SELECT_STYLE), style={"display": "flex", "gap": "0.5em", "align_items": "center"}),
                _toggle("admin.documents.share_now", S.upload_share, S.set_upload_share),
                _toggle("admin.documents.notify", S.upload_notify, S.set_upload_notify, disabled=~S.upload_share,
                        style={"opacity": rx.cond(S.upload_share, "1", "0.5")}),
                spacing="4", wrap="wrap", align="center",
            ),
            rx.text(t("admin.documents.notify_help"), size="1", color_scheme="gray"),
            dropzone(UPLOAD_ID, "admin.documents.drop", multiple=True),
            rx.cond(rx.selected_files(UPLOAD_ID).length() > 0,
                    rx.text(rx.selected_files(UPLOAD_ID).join(", "), size="2", overflow_wrap="anywhere")),
            rx.text(SiteState.tr["admin.documents.limits"].to(str).replace("{max_mb}", S.max_upload_mb.to(str)),
                    size="1", color_scheme="gray"),
            upload_progress(S.uploading, S.upload_percent, "admin.documents.uploading"),
            send_files_button("upload", "admin.documents.start_upload", "start-upload", S, S.upload_documents,
                              UPLOAD_ID),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _name_cell(r: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(r.title, weight="medium", size="2", overflow_wrap="anywhere"),
        rx.hstack(
            rx.cond(r.received, rx.badge(t("admin.documents.received_badge"), color_scheme="blue")),
            rx.cond(r.new, rx.badge(t("dashboard.new_badge"), color_scheme="green")),
            rx.cond(r.version != 1, rx.badge("v" + r.version.to(str), variant="soft")),
            spacing="1",
        ),
        spacing="1",
        min_width="180px",
    )


def _folder_cell(r: rx.Var) -> rx.Component:
    return select(*_folder_options(), value=r.folder_id.to(str), on_change=lambda v: S.move_to(r.id, v),
                  aria_label=t("admin.documents.move") + " " + r.title, style=SELECT_STYLE)


def _shared_cell(r: rx.Var) -> rx.Component:
    return rx.cond(r.shared, rx.badge(t("admin.documents.shared"), color_scheme="green"),
                   rx.badge(t("admin.documents.not_shared"), color_scheme="gray"))


def _action(label_key: str, r: rx.Var, on_click, **props) -> rx.Component:
    """A button of a row, named with the document's title for screen readers (and tests)."""
    return rx.button(t(label_key), size="1", variant="soft", on_click=on_click,
                     aria_label=t(label_key) + " " + r.title, **props)


def _actions_cell(r: rx.Var) -> rx.Component:
    href = api_url("/api/admin/documents/" + r.id.to(str) + rx.cond(r.inline, "?inline=1", ""))
    return rx.hstack(
        rx.button(rx.el.a(rx.cond(r.inline, t("documents.preview"), t("documents.download")), href=href,
                          target="_blank", rel="noopener noreferrer", on_click=S.opened(r.id)),
                  as_child=True, size="1", variant="soft"),
        rx.cond(r.shared,
                _action("admin.documents.unshare", r, S.unshare(r.id), color_scheme="gray"),
                _action("admin.documents.share", r, S.ask_share(r.id), color_scheme="green")),
        _action("admin.documents.replace", r, S.ask_replace(r.id)),
        _action("admin.documents.delete", r, S.ask_delete(r.id), color_scheme="red"),
        spacing="1",
        wrap="wrap",
    )


def _list() -> rx.Component:
    return list_page(S, [
        ("admin.documents.col_name", _name_cell),
        ("admin.documents.col_folder", _folder_cell),
        ("admin.documents.col_shared", _shared_cell),
        ("admin.documents.col_size", lambda r: rx.text(r.size, size="2", white_space="nowrap")),
        ("admin.documents.col_date", lambda r: rx.text(r.when, size="2")),
        ("admin.documents.col_actions", _actions_cell),
    ], search_key="documents.search", empty_key="admin.documents.empty")


def _confirm_dialog(title: rx.Var, action_key: str, colour: str, on_click, button_id: str, open_: rx.Var,
                    *body: rx.Component) -> rx.Component:
    """Ask before acting: the question, anything to choose, Cancel and the action."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            *body,
            button_row(
                rx.alert_dialog.cancel(rx.button(t("admin.cancel"), variant="soft", on_click=S.cancel_dialogs)),
                rx.alert_dialog.action(rx.button(t(action_key), color_scheme=colour, on_click=on_click,
                                                 id=button_id)),
                margin_top="1em",
            ),
            max_width="460px",
        ),
        open=open_,
    )


def _share_dialog() -> rx.Component:
    return _confirm_dialog(
        SiteState.tr["admin.documents.share_title"].to(str).replace("{title}", S.share_title)
        .replace("{account}", S.account_name),
        "admin.documents.share", "green", S.confirm_share, "confirm-share", S.share_id > 0,
        _toggle("admin.documents.notify", S.share_notify, S.set_share_notify, style={"margin_top": "0.75em"}),
        rx.text(t("admin.documents.notify_help"), size="1", color_scheme="gray"),
    )


def _replace_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(SiteState.tr["admin.documents.replace_title"].to(str).replace("{title}", S.replace_title)),
            rx.text(t("admin.documents.replace_help"), size="2", color_scheme="gray"),
            rx.box(dropzone(REPLACE_ID, "admin.documents.drop", max_files=1, multiple=False), margin_top="0.75em"),
            rx.cond(rx.selected_files(REPLACE_ID).length() > 0,
                    rx.text(rx.selected_files(REPLACE_ID).join(", "), size="2")),
            rx.cond(S.uploading, rx.progress(value=S.upload_percent, max=100, width="100%", margin_top="0.5em",
                                             aria_label=t("admin.documents.uploading"))),
            button_row(
                rx.button(t("admin.cancel"), variant="soft", on_click=S.cancel_dialogs),
                send_files_button(None, "admin.documents.replace", "confirm-replace", S, S.replace_document,
                                  REPLACE_ID),
                margin_top="1em",
            ),
            max_width="520px",
        ),
        open=S.replace_id > 0,
    )


def _delete_dialog() -> rx.Component:
    return _confirm_dialog(
        SiteState.tr["admin.documents.confirm_delete"].to(str).replace("{title}", S.delete_title),
        "admin.documents.delete", "red", S.confirm_delete, "confirm-delete", S.delete_id > 0)


def _settings() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("admin.documents.settings"), size="3", as_="h2"),
                checkbox_field("admin.documents.customer_uploads", "customer_uploads", S.customer_uploads),
                rx.el.label(t("admin.documents.max_mb"),
                            rx.input(name="max_upload_mb", type="number", min=1, max=200,
                                     default_value=S.max_upload_mb.to(str), width="100px"),
                            style={"display": "flex", "align_items": "center", "gap": "0.75em"}),
                rx.button(t("admin.save"), type="submit", variant="soft"),
                spacing="3",
            ),
            on_submit=S.save_settings,
            key=S.settings_version,
            reset_on_submit=False,
        ),
        width="100%",
    )


@admin_page("/admin/documents", on_load=[S.load_admin_documents],
            nav=NavEntry("admin.nav.documents", "/admin/documents", "folder_open", 40), area=S.area)
def admin_documents_page() -> rx.Component:
    return column(
        rx.heading(t("admin.nav.documents"), size="6", as_="h1"),
        rx.cond(
            S.account_id > 0,
            column(
                rx.flex(
                    rx.heading(S.account_name, " (", S.account_number, ")", size="4", as_="h2"),
                    rx.spacer(),
                    rx.link(t("admin.documents.change_account"), href="/admin/documents", size="2"),
                    rx.link(t("admin.documents.account_page"), href="/admin/account?id=" + S.account_id.to(str),
                            size="2"),
                    align="center", spacing="3", wrap="wrap", width="100%",
                ),
                rx.grid(
                    column(_folders(), _settings(), min_width="0"),
                    column(_upload_card(), _list(), min_width="0"),
                    grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", lg="260px minmax(0, 1fr)"),
                    spacing="4",
                    width="100%",
                ),
            ),
            _picker(),
        ),
        _share_dialog(),
        _replace_dialog(),
        _delete_dialog(),
    )
