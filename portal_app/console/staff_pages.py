"""Console: the staff users page (owners only): invite, change a role, deactivate, reset TOTP."""

import reflex as rx

from portal_app.console.staff_state import AdminStaffState
from portal_app.core.auth.staff import STAFF_ROLES
from portal_app.core.auth.staff_users import STATUSES
from portal_app.core.registries import NavEntry
from portal_app.core.ui.basics import (alert, brand_button, button_row, column, confirm_dialog, field, form_dialog,
                                      keyed_badge, options, page_header, saved_row, select, select_field)
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import list_page, text_cell

S = AdminStaffState
STATUS_COLOURS = {"active": "green", "invited": "blue", "inactive": "gray"}
ROLE_COLOURS = {"owner": "purple", "staff": "teal", "agent": "orange"}


def _invite_dialog() -> rx.Component:
    return form_dialog(
        "staff_users.invite_title",
        alert(S.error_text, "error"),
        field("staff_users.email", "email", type="email", required=True, autocomplete="off"),
        field("staff_users.name", "name"),
        select_field("staff_users.role", "role", *options(STAFF_ROLES, "staff_users.role."), value="agent"),
        description_key="staff_users.invite_intro",
        open=S.dialog == "invite", on_cancel=S.close_dialog, on_submit=S.invite, submit_key="staff_users.send_invite",
        submit_id="send-invite", reset_on_submit=True,
    )


def _manage_dialog() -> rx.Component:
    c = S.chosen
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(c.name != "", c.name, c.email)),
            rx.dialog.description(c.email, size="2", color_scheme="gray"),
            column(
                alert(S.error_text, "error"),
                rx.form(
                    rx.hstack(
                        select_field("staff_users.role", "role", *options(STAFF_ROLES, "staff_users.role."),
                                     value=c.role, id="f-manage-role"),
                        saved_row(rx.button(t("staff_users.save_role"), type="submit"), S.saved),
                        align="end", spacing="3", width="100%", wrap="wrap",
                    ),
                    on_submit=S.save_role, key=S.form_version,
                ),
                rx.divider(),
                button_row(
                    rx.cond(c.status == "invited",
                            rx.button(rx.icon("mail", size=16), t("staff_users.reinvite"), variant="soft",
                                      on_click=S.reinvite)),
                    rx.cond(c.totp,
                            rx.button(rx.icon("key_round", size=16), t("staff_users.reset_totp"), variant="soft",
                                      color_scheme="amber", on_click=S.open_dialog("reset_totp"))),
                    rx.cond(c.status == "inactive",
                            rx.button(t("staff_users.reactivate"), variant="soft", on_click=S.reactivate),
                            rx.button(rx.icon("user_x", size=16), t("staff_users.deactivate"), variant="soft",
                                      color_scheme="red", on_click=S.open_dialog("deactivate"))),
                    justify="start",
                ),
                button_row(rx.button(t("admin.close"), variant="soft", on_click=S.close_dialog)),
                spacing="3",
            ),
            max_width="560px",
        ),
        open=S.dialog == "manage",
    )


def _confirmations() -> rx.Fragment:
    return rx.fragment(
        confirm_dialog("staff_users.deactivate_title", "staff_users.deactivate_text", open=S.dialog == "deactivate",
                       on_cancel=S.close_dialog, on_confirm=S.deactivate, confirm_key="staff_users.deactivate",
                       confirm_id="confirm-deactivate"),
        confirm_dialog("staff_users.reset_totp_title", "staff_users.reset_totp_text", open=S.dialog == "reset_totp",
                       on_cancel=S.close_dialog, on_confirm=S.reset_totp, confirm_key="staff_users.reset_totp",
                       confirm_id="confirm-reset-totp"),
    )


@admin_page("/admin/staff", on_load=[S.load_list], area=S.area,
            nav=NavEntry("admin.nav.staff", "/admin/staff", "user_cog", 96))
def staff_users_page() -> rx.Component:
    return column(
        page_header("admin.nav.staff",
                    brand_button(rx.icon("user_plus", size=16), t("staff_users.invite"), on_click=S.open_invite,
                                 id="invite-staff")),
        rx.text(t("staff_users.intro"), color_scheme="gray", size="2"),
        rx.cond(S.dialog == "", alert(S.error_text, "error")),
        list_page(S, [
            ("staff_users.name", lambda r: rx.cond(r.name != "", r.name, "—")),
            ("staff_users.email", text_cell("email")),
            ("staff_users.role", lambda r: keyed_badge(r.role, "staff_users.role.", ROLE_COLOURS)),
            ("staff_users.status", lambda r: keyed_badge(r.status, "staff_users.status.", STATUS_COLOURS)),
            ("staff_users.totp", lambda r: rx.cond(r.totp, t("admin.yes"), t("admin.no"))),
            ("staff_users.last_login", text_cell("last_login")),
            ("staff_users.manage", lambda r: rx.button(t("staff_users.manage"), size="1", variant="soft",
                                                       on_click=S.open_user(r.id),
                                                       aria_label=t("staff_users.manage") + " " + r.email)),
        ], search_key="staff_users.search", filters=[
            select(*options([("", "staff_users.any_status")]), *options(STATUSES, "staff_users.status."),
                   name="status", aria_label=t("staff_users.status"), style={"width": "auto"}),
        ]),
        _invite_dialog(),
        _manage_dialog(),
        _confirmations(),
    )
