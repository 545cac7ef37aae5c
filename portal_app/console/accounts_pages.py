"""Console: the accounts list (search, pages, new account) and one account with its contacts."""

import reflex as rx

from portal_app.core import registries

from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page, if_permitted
from portal_app.core.ui.tables import data_table, list_page, text_cell
from portal_app.core.ui.basics import (brand_button, checkbox_field, column, field, form_grid, page_header,
                                      status_badge)
from portal_app.console.forms import edit_form, flags
from portal_app.console.layout import detail_page
from portal_app.console.accounts_state import AdminAccountsState, AdminAccountState
from portal_app.console.contacts_pages import (CONTACT_ACCESS, CONTACT_ACTIVE, CONTACT_EMAIL, CONTACT_FAILING,
                                               CONTACT_NAME, CONTACT_ROLE)


def _new_account_form() -> rx.Component:
    return rx.card(
        rx.form(
            column(
                rx.heading(t("admin.accounts.new"), size="4", as_="h2"),
                form_grid(
                    field("admin.account.name", "name", required=True),
                    field("admin.account.number", "number", required=True),
                    field("admin.account.billing_email", "billing_email", type="email"),
                    columns="3",
                ),
                brand_button(t("admin.create"), type="submit"),
                spacing="3",
                width=None,
            ),
            on_submit=AdminAccountsState.create_account,
        ),
        width="100%",
    )


@admin_page("/admin", on_load=[AdminAccountsState.load_list], area=AdminAccountsState.area)
def accounts_page() -> rx.Component:
    return column(
        page_header("admin.nav.accounts",
                    if_permitted("accounts.write", brand_button(rx.icon("plus", size=16), t("admin.accounts.new"),
                                                                on_click=AdminAccountsState.toggle_new))),
        rx.cond(AdminAccountsState.show_new, _new_account_form()),
        list_page(AdminAccountsState, [
            ("admin.account.name", lambda r: rx.link(r.name, href="/admin/account?id=" + r.id.to(str))),
            ("admin.account.number", text_cell("number")),
            ("admin.account.billing_email", text_cell("billing_email")),
            ("admin.account.active", lambda r: status_badge(r.active, "admin.yes", "admin.no")),
        ], search_key="admin.search"),
    )


@admin_page("/admin/account", on_load=[AdminAccountState.load_account], area=AdminAccountState.area)
def account_page() -> rx.Component:
    s = AdminAccountState
    v = s.view
    form = edit_form(
        form_grid(
            field("admin.account.name", "name", required=True, default_value=v.name),
            field("admin.account.number", "number", required=True, default_value=v.number),
            field("admin.account.billing_email", "billing_email", type="email", default_value=v.billing_email),
            field("admin.account.domains", "domains", default_value=v.domains),
        ),
        rx.heading(t("admin.account.address"), size="3", as_="h2"),
        rx.cond(~v.has_address, rx.callout(t("admin.account.address_missing"), icon="triangle_alert",
                                           color_scheme="amber", size="1", width="100%", id="address-missing")),
        form_grid(
            field("admin.account.street", "street", default_value=v.street, max_length=200),
            field("admin.account.postcode", "postcode", default_value=v.postcode, max_length=20),
            field("admin.account.city", "city", default_value=v.city, max_length=100),
            field("admin.account.country", "country", default_value=v.country, max_length=2),
        ),
        flags(checkbox_field("admin.account.active", "active", v.active),
              checkbox_field("admin.account.consumption", "consumption", v.consumption)),
        on_submit=s.save_account, saved=s.saved, version=s.form_version,
    )
    return detail_page(
        s.account_id > 0, t("admin.back_to_accounts"), "/admin",
        rx.heading(v.name, size="6", as_="h1"),
        rx.card(form, width="100%"),
        page_header("admin.nav.contacts",
                    if_permitted("accounts.write", brand_button(
                        rx.icon("user_plus", size=16), t("admin.contacts.new"),
                        on_click=rx.redirect("/admin/contact?account=" + s.account_id.to(str)))),
                    level="h2"),
        data_table(s.contacts, [CONTACT_NAME, CONTACT_EMAIL, CONTACT_ROLE, CONTACT_ACTIVE, CONTACT_ACCESS,
                                 CONTACT_FAILING]),
        # Sections the feature packages add (privacy: the team delegation switch).
        *[p.render() for p in registries.panels_of("account")],
    )
