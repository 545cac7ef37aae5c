"""The team page (`/team`): an account administrator's colleagues, "Give access", rights, removal."""

import reflex as rx

from portal_app.core.ui.basics import (alert, brand_button, button_row, checkbox_group, column, confirm_dialog,
                                       field, form_dialog, form_grid, module_label, options, page_header,
                                       select_field)
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import portal_page
from portal_app.core.ui.tables import data_table, text_cell
from portal_app.privacy.team_state import TeamState

S = TeamState


def _member_form() -> rx.Component:
    return form_dialog(
        "team.give_access",
        rx.cond(S.editing_id == 0, form_grid(
            field("privacy.first_name", "first_name", max_length=100),
            field("privacy.last_name", "last_name", max_length=100),
            field("team.email", "email", type="email", required=True, max_length=254),
        )),
        select_field("team.role", "role", *options([("member", "admin.role.member"), ("admin", "admin.role.admin")]),
                     value=S.edit_role),
        checkbox_group("team.rights", S.own_rights, lambda m: "right_" + m, S.edit_rights.contains, module_label,
                       help_key="team.rights_help"),
        alert(S.error_text, "error"),
        open=S.dialog == "member", on_cancel=S.close_dialog, on_submit=S.save_member,
        submit_key="team.save", submit_id="save-member", key=S.editing_id.to(str) + S.dialog,
    )


def _actions(row) -> rx.Component:
    return rx.cond(row.is_me, rx.text(t("team.you"), size="2", color_scheme="gray"), button_row(
        rx.button(t("team.rights"), size="1", variant="soft", on_click=S.edit_member(row.id)),
        rx.button(t("team.resend"), size="1", variant="soft", on_click=S.resend_access(row.id)),
        rx.cond(row.active, rx.button(t("team.remove"), size="1", variant="soft", color_scheme="red",
                                      on_click=[S.edit_member(row.id), S.open_dialog("remove")])),
    ))


@portal_page("/team", on_load=[S.load_team])
def team_page() -> rx.Component:
    return column(
        page_header("team.title", brand_button(rx.icon("user_plus", size=16), t("team.give_access"),
                                               on_click=S.edit_member(0), id="give-access")),
        rx.text(t("team.help"), size="2", color_scheme="gray"),
        alert(S.error_text, "error"),
        alert(S.notice_text, "success"),
        data_table(S.members, [
            ("team.name", text_cell("name")),
            ("team.email", text_cell("email")),
            ("team.role", lambda r: rx.text(rx.cond(r.role == "admin", t("admin.role.admin"), t("admin.role.member")),
                                             size="2")),
            ("team.rights", lambda r: rx.text(rx.foreach(r.rights, lambda m: module_label(m) + " "), size="2")),
            ("team.status", lambda r: rx.cond(r.active, rx.badge(t("team.active"), color_scheme="green"),
                                               rx.badge(t("team.no_access"), color_scheme="gray"))),
            ("", _actions),
        ], "team.empty"),
        _member_form(),
        confirm_dialog("team.remove", "team.remove_confirm", open=S.dialog == "remove", on_cancel=S.close_dialog,
                       on_confirm=S.remove_access(S.editing_id), confirm_key="team.remove"),
    )
