"""Console: every contact, searchable by name, email, mobile or account."""

import reflex as rx

from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import data_table, text_cell
from portal_app.core.ui.basics import pager, status_badge
from portal_app.console.contacts_state import AdminContactsState
from portal_app.core.ui.basics import search_form


@admin_page("/admin/contacts", on_load=[AdminContactsState.load_contacts])
def contacts_page() -> rx.Component:
    s = AdminContactsState
    return rx.vstack(
        rx.hstack(rx.heading(t("admin.nav.contacts"), size="6", as_="h1"), rx.spacer(), search_form(s.search),
                  width="100%", align="center", wrap="wrap"),
        data_table(s.rows, [
            ("admin.contact.name", lambda r: rx.link(r["name"], href="/admin/contact?id=" + r["id"])),
            ("admin.contact.email", text_cell("email")),
            ("admin.contact.mobile", text_cell("mobile")),
            ("admin.contact.account", text_cell("account")),
            ("admin.contact.role", text_cell("role")),
            ("admin.contact.active", lambda r: status_badge(r["active"] != "", "admin.yes", "admin.no")),
            ("admin.contact.portal_access", lambda r: status_badge(r["access"] != "", "admin.yes", "admin.no")),
        ]),
        pager(s.page, s.pages, s.total, s.prev_page, s.next_page),
        spacing="4",
        width="100%",
    )
