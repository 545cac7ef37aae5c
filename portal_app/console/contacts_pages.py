"""Console: every contact, searchable by name, email, mobile or account."""

import reflex as rx

from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import list_page, text_cell
from portal_app.core.ui.basics import status_badge
from portal_app.console.contacts_state import AdminContactsState

# The contact columns, shared with the account page's list of its contacts (rows are ContactRow).
CONTACT_NAME = ("admin.contact.name", lambda r: rx.link(r.name, href="/admin/contact?id=" + r.id.to(str)))
CONTACT_EMAIL = ("admin.contact.email", text_cell("email"))
CONTACT_ROLE = ("admin.contact.role", text_cell("role"))
CONTACT_ACTIVE = ("admin.contact.active", lambda r: status_badge(r.active, "admin.yes", "admin.no"))
CONTACT_ACCESS = ("admin.contact.portal_access", lambda r: status_badge(r.access, "admin.yes", "admin.no"))
# Addresses the providers reported as failing (a hard bounce, a mobile failing again and again).
CONTACT_FAILING = ("admin.contact.failing", lambda r: rx.cond(r.failing != "", rx.badge(r.failing, color_scheme="red"),
                                                               rx.fragment()))


@admin_page("/admin/contacts", on_load=[AdminContactsState.load_list], area=AdminContactsState.area)
def contacts_page() -> rx.Component:
    return rx.vstack(
        rx.heading(t("admin.nav.contacts"), size="6", as_="h1"),
        list_page(AdminContactsState, [
            CONTACT_NAME, CONTACT_EMAIL,
            ("admin.contact.mobile", text_cell("mobile")),
            ("admin.contact.account", text_cell("account")),
            CONTACT_ROLE, CONTACT_ACTIVE, CONTACT_ACCESS, CONTACT_FAILING,
        ], search_key="admin.search"),
        spacing="4",
        width="100%",
    )
