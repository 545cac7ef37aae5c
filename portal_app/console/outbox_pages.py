"""Console: the stuck messages (given up by the dispatcher) with "retry now"."""

import reflex as rx

from portal_app.console.outbox_state import AdminOutboxState
from portal_app.core.registries import NavEntry
from portal_app.core.ui.basics import page_header
from portal_app.core.ui.i18n import t
from portal_app.core.ui.shells import admin_page
from portal_app.core.ui.tables import list_page, text_cell

S = AdminOutboxState


def _retry(row) -> rx.Component:
    return rx.button(t("admin.outbox.retry"), size="1", variant="soft", on_click=S.retry_now(row.id),
                     aria_label=t("admin.outbox.retry"))


@admin_page("/admin/outbox", on_load=[S.load_list],
            nav=NavEntry("admin.nav.outbox", "/admin/outbox", "mail_warning", 82))
def outbox_page() -> rx.Component:
    return rx.vstack(
        page_header("admin.nav.outbox"),
        rx.text(t("admin.outbox.intro"), color_scheme="gray", size="2"),
        list_page(S, [
            ("admin.log.when", text_cell("when")), ("admin.log.channel", text_cell("channel")),
            ("admin.log.to", text_cell("recipient")), ("admin.log.template", text_cell("template")),
            ("admin.outbox.attempts", text_cell("attempts")), ("admin.outbox.last_error", text_cell("error")),
            ("admin.outbox.action", _retry),
        ], search_key="admin.log.to", empty_key="admin.outbox.empty"),
        spacing="4",
        width="100%",
    )
